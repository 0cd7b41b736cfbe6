/** W1 (nested read), W1s (small read) and W4 (pages of the big group), on every peer that serves them. */
import { graphqlRequest, measure, openLoop, postJson } from '../lib/load.mjs';
import * as q from '../lib/queries.mjs';

const auth = (ctx) => ({ authorization: `Bearer ${ctx.token}` });

/** Asks each peer once, normalizes, compares with the product's answer. */
async function check(ctx, name, answers) {
  const reference = answers.realmgraph;
  const checks = {};
  for (const [peer, answer] of Object.entries(answers)) {
    const difference = answer.error ?? (peer === 'realmgraph' ? undefined : q.firstDifference(reference.normalized, answer.normalized));
    checks[peer] = { same: !difference, difference: difference ?? null, bytes: answer.bytes };
    ctx.log(`  ${name} ${peer}: ${difference ? `DIFFERS: ${difference}` : 'same answer'} (${answer.bytes.toLocaleString('en')} bytes)`);
  }
  return checks;
}

async function ask(url, body, headers, normalize) {
  const { status, json, text } = await postJson(url, body, headers);
  if (status !== 200 || !json || json.errors) return { error: `HTTP ${status}: ${text.slice(0, 200)}`, bytes: text.length };
  try {
    return { normalized: normalize(json), bytes: Buffer.byteLength(text) };
  } catch (error) {
    return { error: `unexpected shape: ${error.message}; ${text.slice(0, 200)}`, bytes: text.length };
  }
}

/** Half the slowest peer's closed-loop maximum, to one decimal (at least 0.1 req/s). */
function fixedRate(closed) {
  return Math.max(0.1, Math.floor((Math.min(...Object.values(closed).map((r) => r.rps)) / 2) * 10) / 10);
}

export async function nestedRead(ctx) {
  // postgraphile5 is absent when it could not be started (run.mjs says why in the report).
  const { product, postgraphile, postgraphile5, raw } = ctx.peers;
  const variables = { name: ctx.realmName };
  const answers = {
    realmgraph: await ask(product.url('/graphql'), { query: q.w1Product, variables }, auth(ctx), q.normalizeW1Product),
    postgraphile: await ask(postgraphile.url('/graphql'), { query: q.w1PostGraphile, variables }, {}, q.normalizeW1PostGraphile),
    ...(postgraphile5 && { postgraphile5: await ask(postgraphile5.url('/graphql'), { query: q.w1PostGraphile5, variables }, {}, q.normalizeW1PostGraphile5) }),
    raw: await ask(raw.url('/w1'), variables, {}, q.normalizeW1Product),
  };
  const checks = await check(ctx, 'W1', answers);
  const requests = {
    realmgraph: [product, graphqlRequest('/graphql', q.w1Product, variables, auth(ctx))],
    postgraphile: [postgraphile, graphqlRequest('/graphql', q.w1PostGraphile, variables)],
    ...(postgraphile5 && { postgraphile5: [postgraphile5, graphqlRequest('/graphql', q.w1PostGraphile5, variables)] }),
    raw: [raw, { method: 'POST', path: '/w1', headers: { 'content-type': 'application/json' }, body: JSON.stringify(variables) }],
  };
  const { duration, repeats } = ctx.profile;
  const closed = {};
  for (const [name, [peer, request]] of Object.entries(requests)) {
    ctx.log(`  W1 closed loop: ${name}`);
    // Two clients, each sending its next request when the last returns; in-flight requests are
    // waited for at the end, so that a run of a few heavy requests still divides CPU rightly.
    closed[name] = await measure({ ...ctx.loadBase, peer, url: peer.url('/'), request, connections: 2, duration, repeats, ownLoop: true });
    ctx.log(`    ${closed[name].rps.toFixed(1)} rps, p50 ${closed[name].p50} ms, server ${closed[name].serverCpuMsPerRequest?.toFixed(1)} CPU-ms/req`);
  }
  // The fixed rate every peer can sustain: half the slowest one's maximum (open model).
  const rate = fixedRate(closed);
  const fixed = {};
  for (const [name, [peer, request]] of Object.entries(requests)) {
    ctx.log(`  W1 at ${rate} rps: ${name}`);
    fixed[name] = await openLoop({ ...ctx.loadBase, peer, url: peer.url('/'), request, rate, duration: Math.min(3 * duration, Math.max(duration, 3 / rate)) });
  }
  return { checks, closed, fixed, rate };
}

/** The 200 identities W1s rotates over: members of g000 (and of "all"), so in several groups. */
export async function smallReadIdentities(admin) {
  const { rows } = await admin.query(
    `SELECT gm.identity_id AS id FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
      WHERE g.name = 'g000' ORDER BY gm.added_at, gm.identity_id LIMIT 200`,
  );
  return rows.map((row) => row.id);
}

/** autocannon's `requests` for one peer: each request asks for the next of `ids`. */
function rotating(path, headers, bodyOf, ids) {
  let i = 0;
  return [{ method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, setupRequest: (req) => ({ ...req, body: JSON.stringify(bodyOf(ids[i++ % ids.length])) }) }];
}

/** W1s as realmgraph is asked it (also W12's read, on each instance). */
export function smallReadProductRequests(ctx, ids) {
  return rotating('/graphql', auth(ctx), (id) => ({ query: q.w1sProduct, variables: { id: q.globalId('Identity', id) } }), ids);
}

export async function smallRead(ctx) {
  const { product, postgraphile, postgraphile5, raw } = ctx.peers;
  const ids = await smallReadIdentities(ctx.admin);
  const answers = {
    realmgraph: await ask(product.url('/graphql'), { query: q.w1sProduct, variables: { id: q.globalId('Identity', ids[0]) } }, auth(ctx), q.normalizeW1sProduct),
    postgraphile: await ask(postgraphile.url('/graphql'), { query: q.w1sPostGraphile, variables: { id: ids[0] } }, {}, q.normalizeW1sPostGraphile),
    ...(postgraphile5 && { postgraphile5: await ask(postgraphile5.url('/graphql'), { query: q.w1sPostGraphile5, variables: { id: ids[0] } }, {}, q.normalizeW1sPostGraphile5) }),
    raw: await ask(raw.url('/w1s'), { id: ids[0] }, {}, (json) => ({ email: json.data.node.primaryEmail, groups: json.data.node.groups.edges.map((e) => e.node.name) })),
  };
  const checks = await check(ctx, 'W1s', answers);
  // Each request asks for the next of the 200 identities.
  const requests = {
    realmgraph: [product, smallReadProductRequests(ctx, ids)],
    postgraphile: [postgraphile, rotating('/graphql', {}, (id) => ({ query: q.w1sPostGraphile, variables: { id } }), ids)],
    ...(postgraphile5 && { postgraphile5: [postgraphile5, rotating('/graphql', {}, (id) => ({ query: q.w1sPostGraphile5, variables: { id } }), ids)] }),
    raw: [raw, rotating('/w1s', {}, (id) => ({ id }), ids)],
  };
  const { duration, repeats } = ctx.profile;
  const closed = {};
  for (const [name, [peer, reqs]] of Object.entries(requests)) {
    ctx.log(`  W1s closed loop: ${name}`);
    closed[name] = await measure({ ...ctx.loadBase, peer, url: peer.url('/'), requests: reqs, connections: 8, duration: ctx.profile.shortDuration, repeats });
    ctx.log(`    ${closed[name].rps.toFixed(0)} rps, p50 ${closed[name].p50} ms`);
  }
  // autocannon paces whole requests per second; these rates are well above 1.
  const rate = Math.max(1, Math.floor(Math.min(...Object.values(closed).map((r) => r.rps)) / 2));
  const fixed = {};
  for (const [name, [peer, reqs]] of Object.entries(requests)) {
    fixed[name] = await measure({ ...ctx.loadBase, peer, url: peer.url('/'), requests: reqs, connections: 8, duration: ctx.profile.shortDuration, repeats: 1, warmup: 0, overallRate: rate });
  }
  return { checks, closed, fixed, rate };
}

export async function bigGroupPages(ctx) {
  const { product, raw } = ctx.peers;
  const { rows: [group] } = await ctx.admin.query(`SELECT id, member_count FROM groups WHERE name = 'all'`);
  const n = group.member_count;
  const cursorAt = async (offset) => {
    if (offset < 0) return null;
    const { rows: [row] } = await ctx.admin.query(
      `SELECT added_at::text AS at, identity_id::text AS id FROM group_memberships WHERE group_id = $1 ORDER BY added_at, identity_id OFFSET $2 LIMIT 1`,
      [group.id, offset],
    );
    return { at: row.at, id: row.id, cursor: q.memberCursor(row.at, row.id) };
  };
  const cases = [
    { name: 'start', position: null, count: false, active: false },
    { name: 'middle', position: await cursorAt(Math.floor(n / 2) - 1), count: false, active: false },
    { name: 'end', position: await cursorAt(n - 101), count: false, active: false },
    { name: 'start, ACTIVE only', position: null, count: false, active: true },
    { name: 'start, ACTIVE only + totalCount', position: null, count: true, active: true },
    { name: 'end, ACTIVE only + totalCount', position: await cursorAt(n - 101), count: true, active: true },
  ];
  const gid = q.globalId('Group', group.id);
  const { duration, repeats } = ctx.profile;
  const out = [];
  for (const c of cases) {
    const productBody = { query: q.w4Product(c), variables: { id: gid, after: c.position?.cursor ?? null } };
    const rawBody = { group: group.id, afterAt: c.position?.at ?? null, afterId: c.position?.id ?? null, count: c.count, active: c.active };
    const a = await ask(product.url('/graphql'), productBody, auth(ctx), q.normalizeW4);
    const b = await ask(raw.url('/w4'), rawBody, {}, q.normalizeW4);
    const difference = a.error ?? b.error ?? q.firstDifference(a.normalized, b.normalized);
    ctx.log(`  W4 ${c.name}: ${difference ? `DIFFERS: ${difference}` : 'same answer'}`);
    const results = {};
    for (const [name, peer, request] of [
      ['realmgraph', product, graphqlRequest('/graphql', productBody.query, productBody.variables, auth(ctx))],
      ['raw', raw, { method: 'POST', path: '/w4', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rawBody) }],
    ]) {
      results[name] = await measure({ ...ctx.loadBase, peer, url: peer.url('/'), request, connections: 4, duration: ctx.profile.shortDuration, repeats, warmup: 1 });
    }
    ctx.log(`    realmgraph ${results.realmgraph.rps.toFixed(0)} rps p50 ${results.realmgraph.p50} ms; raw ${results.raw.rps.toFixed(0)} rps p50 ${results.raw.p50} ms`);
    out.push({ case: c.name, same: !difference, difference: difference ?? null, results });
  }
  return { memberCount: n, cases: out };
}
