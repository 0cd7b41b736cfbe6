/**
 * W5: documents built to hurt, sent to the product one after another: how long it takes to refuse
 * each, what CPU the server and the database spend on it, and whether it was refused before any
 * resolver ran (HTTP 400 or 413 with a limit's code and no `data`; the database's CPU is the other
 * evidence). PostGraphile v4 has no such limits unless configured (its Pro plugin), so it is not asked.
 */
import { backendPids, cpuMeter } from '../lib/proc.mjs';
import { median } from '../lib/load.mjs';

function documents(ctx) {
  // Depth: realm → groups → members → groups → …, 40 levels of connections.
  let nested = 'username';
  for (let i = 0; i < 20; i++) nested = `groups(first: 1) { edges { node { members(first: 1) { edges { node { ${nested} } } } } } }`;
  const deepDoc = `query Deep($name: String!) { realm(name: $name) { groups(first: 1) { edges { node { members(first: 1) { edges { node { ${nested} } } } } } } } }`;
  // Cost: two aliased trees three connections deep, each level 100 wide (about 6·10^6 by the
  // product's rule, over the bench's MAX_QUERY_COST of 5·10^6), within the depth limit.
  const tree = `groups(first: 100) { edges { node { members(first: 100) { edges { node { groups(first: 100) { edges { node { name } } } } } } } } }`;
  const costly = `query Costly($name: String!) { realm(name: $name) { a: ${tree} b: ${tree} } }`;
  // Aliases: 1 000 of them on one cheap field.
  const aliased = `query Aliased($name: String!) { ${Array.from({ length: 1000 }, (_, i) => `a${i}: realm(name: $name) { id }`).join(' ')} }`;
  // Tokens: a flat selection of 20 000 fields (no aliases, no depth): the parser's token limit.
  const wide = `query Flat($name: String!) { realm(name: $name) { ${'id '.repeat(20_000)} } }`;
  // Variables: 2 MiB (over MAX_BODY_BYTES), and a 12 000-ID list just under it (the API takes 1 000).
  const ids = Array.from({ length: 12_000 }, (_, i) => Buffer.from(`Identity:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`).toString('base64url'));
  const listMutation = `mutation Add($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`;
  return [
    { name: 'deep (42 levels)', body: { query: deepDoc, variables: { name: ctx.realmName } } },
    { name: 'costly (6·10^6 by the cost rule)', body: { query: costly, variables: { name: ctx.realmName } } },
    { name: 'aliased (1 000 aliases)', body: { query: aliased, variables: { name: ctx.realmName } } },
    { name: 'wide (20 000 fields)', body: { query: wide, variables: { name: ctx.realmName } } },
    { name: 'huge variable (2 MiB)', body: { query: `query($x: String) { __typename }`, variables: { x: 'x'.repeat(2 * 1024 * 1024) } } },
    {
      name: '12 000-ID list (0.8 MiB)',
      body: { query: listMutation, variables: { input: { groupId: Buffer.from('Group:00000000-0000-4000-8000-000000000000').toString('base64url'), identityIds: ids } } },
    },
  ];
}

export async function abuse(ctx) {
  const { product } = ctx.peers;
  const count = ctx.profile.abuseRequests;
  const out = [];
  for (const doc of documents(ctx)) {
    const payload = JSON.stringify(doc.body);
    const pids = await backendPids(ctx.admin, ctx.database);
    const meter = await cpuMeter(product.pid, pids, () => backendPids(ctx.admin, ctx.database));
    const times = [];
    let last;
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const response = await fetch(product.url('/graphql'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      times.push(performance.now() - started);
      last = { status: response.status, text };
    }
    const cpu = await meter.stop();
    let json;
    try {
      json = JSON.parse(last.text);
    } catch {
      json = undefined;
    }
    const code = json?.errors?.[0]?.extensions?.code ?? null;
    // Apollo answers 400 when parsing or validation refuses a document and 200 once execution has
    // started (errors met by resolvers); the body limit answers 413 before parsing.
    const refused = last.status >= 400 && Boolean(json?.errors?.length) && json.data === undefined;
    out.push({
      name: doc.name,
      bytes: Buffer.byteLength(payload),
      status: last.status,
      code,
      refusedBeforeExecution: refused,
      p50: median(times),
      max: Math.max(...times),
      serverCpuMs: cpu.serverMs / count,
      pgCpuMs: cpu.pgMs / count,
      message: json?.errors?.[0]?.message?.slice(0, 120) ?? last.text.slice(0, 120),
    });
    ctx.log(`  W5 ${doc.name}: HTTP ${last.status} ${code ?? ''} in ${median(times).toFixed(1)} ms (server ${(cpu.serverMs / count).toFixed(2)} CPU-ms)`);
  }
  return { count, documents: out };
}
