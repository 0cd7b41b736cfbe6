/**
 * W3: one membership change → N graphql-ws subscribers of membershipChanged (one connection each, as
 * N dashboards would be). Per round: t0 just before the mutation is sent; each subscriber's delivery
 * time is when its `next` arrives. Lost: a subscriber without the event 10 s later; duplicated: one
 * that got it twice. Baseline: a plain `ws` server broadcasting the very message the product
 * delivered, t0 just before the POST that triggers it.
 */
import WebSocket from 'ws';
import { postJson } from '../lib/load.mjs';
import { cpuMeter, backendPids } from '../lib/proc.mjs';
import { globalId } from '../lib/queries.mjs';
import { allReceived, graphqlWsClient, openAll, percentile } from '../lib/subscribers.mjs';

const subscription = `subscription Dashboard($realmId: ID!, $groupId: ID) {
  membershipChanged(realmId: $realmId, groupId: $groupId) { id type occurredAt groupId identityId group { name memberCount } identity { username displayName status } }
}`;

function rawClient(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const client = { socket, received: [] };
    socket.on('open', () => resolve(client));
    socket.on('message', (data) => {
      const at = performance.now();
      const message = JSON.parse(data.toString());
      client.received.push({ at, id: message.payload?.data?.membershipChanged?.id ?? null });
    });
    socket.on('error', reject);
  });
}

function roundStats(clients, index, t0) {
  const times = [];
  let lost = 0;
  let duplicated = 0;
  for (const client of clients) {
    const got = client.received.slice(index);
    if (got.length === 0) lost += 1;
    else times.push(got[0].at - t0);
    const ids = got.map((m) => m.id);
    if (new Set(ids).size !== ids.length || got.length > 1) duplicated += 1;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), last: times.length ? times[times.length - 1] : null, lost, duplicated };
}

const medianOf = (rounds, key) => {
  const values = rounds.map((r) => r[key]).filter((v) => v !== null).sort((a, b) => a - b);
  return values.length ? values[Math.floor(values.length / 2)] : null;
};

export async function fanout(ctx, broadcast) {
  const { product } = ctx.peers;
  const { rows: [target] } = await ctx.admin.query(
    `SELECT g.id AS group_id, r.id AS realm_id FROM groups g JOIN realms r ON r.id = g.realm_id WHERE g.name = 'w2-19' AND r.name = $1`,
    [ctx.realmName],
  );
  const { rows: [identity] } = await ctx.admin.query(
    // One the nested read never shows (see workloads/writes.mjs), and not among W2's.
    `SELECT i.id FROM identities i WHERE i.realm_id = $1 AND i.username > 'user-0001000'
        AND NOT EXISTS (SELECT 1 FROM group_memberships gm JOIN groups g ON g.id = gm.group_id WHERE gm.identity_id = i.id AND g.name ~ '^g[0-9]')
      ORDER BY lower(i.username) COLLATE "C" LIMIT 1`,
    [target.realm_id],
  );
  // Start from "not a member", so that rounds alternate add, remove, add, …
  await ctx.admin.query(`DELETE FROM group_memberships WHERE group_id = $1 AND identity_id = $2`, [target.group_id, identity.id]);
  const variables = { realmId: globalId('Realm', target.realm_id), groupId: globalId('Group', target.group_id) };
  const wsUrl = product.url('/graphql').replace('http:', 'ws:');
  let member = false;
  const change = () => {
    const doc = member
      ? `mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { id } } }`
      : `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`;
    member = !member;
    return postJson(product.url('/graphql'), { query: doc, variables: { input: { groupId: variables.groupId, identityIds: [globalId('Identity', identity.id)] } } }, {
      authorization: `Bearer ${ctx.token}`,
    });
  };
  const results = [];
  for (const n of ctx.profile.fanout) {
    ctx.log(`  W3 ${n} subscribers: connecting`);
    const clients = await openAll(n, () => graphqlWsClient(wsUrl, ctx.token, { query: subscription, variables, field: 'membershipChanged' }));
    // A first change, not timed: every subscription is live once each has it.
    await change();
    await allReceived(clients, 1, 20_000);
    const ready = clients.filter((c) => c.received.length >= 1).length;
    const sample = clients.find((c) => c.received.length > 0)?.received[0];
    const pids = await backendPids(ctx.admin, ctx.database);
    const meter = await cpuMeter(product.pid, pids, () => backendPids(ctx.admin, ctx.database));
    const rounds = [];
    for (let r = 1; r <= ctx.profile.fanoutRounds; r++) {
      const t0 = performance.now();
      await change();
      await allReceived(clients, r + 1, 10_000);
      rounds.push(roundStats(clients, r, t0));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cpu = await meter.stop();
    for (const client of clients) client.socket.terminate();
    const productFigures = {
      p50: medianOf(rounds, 'p50'),
      p99: medianOf(rounds, 'p99'),
      last: medianOf(rounds, 'last'),
      lost: rounds.reduce((s, r) => s + r.lost, 0),
      duplicated: rounds.reduce((s, r) => s + r.duplicated, 0),
      serverCpuMsPerEvent: cpu.serverMs / rounds.length,
      pgCpuMsPerEvent: cpu.pgMs / rounds.length,
      readyBeforeTiming: ready,
      errors: sample?.errors ? JSON.stringify(sample.errors).slice(0, 200) : null,
    };

    // Baseline: the same message, broadcast.
    const payload = sample?.raw ?? JSON.stringify({ id: '1', type: 'next', payload: { data: {} } });
    const rawClients = await openAll(n, () => rawClient(broadcast.url('/ws').replace('http:', 'ws:')));
    const rawRounds = [];
    const rawMeter = await cpuMeter(broadcast.pid, []);
    for (let r = 0; r < ctx.profile.fanoutRounds; r++) {
      const t0 = performance.now();
      await fetch(broadcast.url('/broadcast'), { method: 'POST', body: payload });
      await allReceived(rawClients, r + 1, 10_000);
      rawRounds.push(roundStats(rawClients, r, t0));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const rawCpu = await rawMeter.stop();
    for (const client of rawClients) client.socket.terminate();
    const rawFigures = {
      p50: medianOf(rawRounds, 'p50'),
      p99: medianOf(rawRounds, 'p99'),
      last: medianOf(rawRounds, 'last'),
      lost: rawRounds.reduce((s, r) => s + r.lost, 0),
      duplicated: rawRounds.reduce((s, r) => s + r.duplicated, 0),
      serverCpuMsPerEvent: rawCpu.serverMs / rawRounds.length,
    };
    ctx.log(`    realmgraph p50 ${productFigures.p50?.toFixed(1)} ms p99 ${productFigures.p99?.toFixed(1)} ms, lost ${productFigures.lost}; ws p99 ${rawFigures.p99?.toFixed(1)} ms`);
    results.push({ subscribers: n, rounds: ctx.profile.fanoutRounds, realmgraph: productFigures, raw: rawFigures, payloadBytes: Buffer.byteLength(payload) });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return results;
}
