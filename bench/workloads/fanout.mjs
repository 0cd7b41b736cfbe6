/**
 * W3: one membership change → N graphql-ws subscribers of membershipChanged (one connection each, as
 * N dashboards would be), in three arrangements (issue #17):
 * - one token: every subscriber holds the bench's admin token, all on one group;
 * - distinct tokens, one group: each subscriber its own API token of equal rights (realm-bound,
 *   events:read groups:read identities:read, named differently), all on one group;
 * - distinct tokens, 20 groups: the same tokens, subscriber i on group i mod 20, so that a change to
 *   one group matches N/20 of them while the realm's feed still passes it to all N.
 * Per round: t0 just before the mutation is sent; each matching subscriber's delivery time is when
 * its `next` arrives. Lost: a matching subscriber without the event 10 s later; duplicated: one that
 * got it twice; leaked: a subscriber of another group that got anything. Baseline: a plain `ws`
 * server broadcasting the very message the product delivered to as many clients as matched, t0 just
 * before the POST that triggers it.
 */
import WebSocket from 'ws';
import { postJson } from '../lib/load.mjs';
import { cpuMeter, backendPids } from '../lib/proc.mjs';
import { globalId } from '../lib/queries.mjs';
import { allReceived, graphqlWsClient, openAll, percentile } from '../lib/subscribers.mjs';

const subscription = `subscription Dashboard($realmId: ID!, $groupId: ID) {
  membershipChanged(realmId: $realmId, groupId: $groupId) { id type occurredAt groupId identityId group { name memberCount } identity { username displayName status } }
}`;

/** The rights of every dashboard token: what the subscription needs, bound to the bench realm. */
const dashboardScopes = ['events:read', 'groups:read', 'identities:read'];
const spreadGroups = 20;

export const fanoutVariants = [
  { variant: 'one token', tokens: 'one', groups: 1 },
  { variant: 'distinct tokens, one group', tokens: 'distinct', groups: 1 },
  { variant: `distinct tokens, ${spreadGroups} groups`, tokens: 'distinct', groups: spreadGroups },
];

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

/** POSTs an operation with `token`; throws on an HTTP or GraphQL error. */
async function call(product, token, query, variables) {
  const { status, json, text } = await postJson(product.url('/graphql'), { query, variables }, { authorization: `Bearer ${token}` });
  if (status !== 200 || json?.errors) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
  return json.data;
}

const createToken = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } token } }`;

/**
 * `count` API tokens of equal rights and different names, made through the API as an operator
 * would: by a parent token (itself made by the admin token) so that revoking the parent at the end
 * revokes them all (a revocation reaches the tokens a token created).
 */
async function dashboardTokens(ctx, realmId, count) {
  const { product } = ctx.peers;
  const parent = (await call(product, ctx.token, createToken, { input: { name: 'w3 dashboard provisioning', realmId, scopes: [...dashboardScopes, 'tokens:write'] } })).createApiToken;
  const secrets = [];
  const startedAt = performance.now();
  for (let i = 0; i < count; i += 16) {
    const made = await Promise.all(
      Array.from({ length: Math.min(16, count - i) }, (_, k) => call(product, parent.token, createToken, { input: { name: `w3 dashboard ${i + k + 1}`, realmId, scopes: dashboardScopes } })),
    );
    secrets.push(...made.map((m) => m.createApiToken.token));
  }
  ctx.log(`  W3 ${count} dashboard tokens created in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  return { secrets, revoke: () => call(product, ctx.token, `mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id } } }`, { id: parent.apiToken.id }) };
}

export async function fanout(ctx, broadcast) {
  const { product } = ctx.peers;
  // w2-19 is the group every change goes to; w2-00 … w2-18 hold the other subscribers of the spread arrangement.
  const { rows: groups } = await ctx.admin.query(
    `SELECT g.id AS group_id, g.name, r.id AS realm_id FROM groups g JOIN realms r ON r.id = g.realm_id WHERE g.name ~ '^w2-[0-9]{2}$' AND r.name = $1 ORDER BY g.name`,
    [ctx.realmName],
  );
  if (groups.length !== spreadGroups) throw new Error(`expected ${spreadGroups} groups w2-00 … w2-19, found ${groups.length}`);
  const target = groups[spreadGroups - 1];
  const { rows: [identity] } = await ctx.admin.query(
    // One the nested read never shows (see workloads/writes.mjs), and not among W2's.
    `SELECT i.id FROM identities i WHERE i.realm_id = $1 AND i.username > 'user-0001000'
        AND NOT EXISTS (SELECT 1 FROM group_memberships gm JOIN groups g ON g.id = gm.group_id WHERE gm.identity_id = i.id AND g.name ~ '^g[0-9]')
      ORDER BY lower(i.username) COLLATE "C" LIMIT 1`,
    [target.realm_id],
  );
  // Start from "not a member" of the target, so that rounds alternate add, remove, add, …
  await ctx.admin.query(`DELETE FROM group_memberships WHERE group_id = $1 AND identity_id = $2`, [target.group_id, identity.id]);
  const { rows: memberOf } = await ctx.admin.query(`SELECT group_id FROM group_memberships WHERE identity_id = $1`, [identity.id]);
  const member = new Set(memberOf.map((row) => String(row.group_id)));
  const memberBefore = new Set(member);
  const realmId = globalId('Realm', target.realm_id);
  const groupIds = groups.map((g) => globalId('Group', g.group_id));
  const wsUrl = product.url('/graphql').replace('http:', 'ws:');
  /** Adds the identity to the group, or removes it if it is a member: one membership event. */
  const change = (group) => {
    const key = String(group.group_id);
    const adding = !member.has(key);
    const doc = adding
      ? `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`
      : `mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { id } } }`;
    if (adding) member.add(key);
    else member.delete(key);
    return postJson(product.url('/graphql'), { query: doc, variables: { input: { groupId: globalId('Group', group.group_id), identityIds: [globalId('Identity', identity.id)] } } }, {
      authorization: `Bearer ${ctx.token}`,
    });
  };

  const rawBaseline = async (recipients, payload) => {
    const rawClients = await openAll(recipients, () => rawClient(broadcast.url('/ws').replace('http:', 'ws:')));
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
    return {
      p50: medianOf(rawRounds, 'p50'),
      p99: medianOf(rawRounds, 'p99'),
      last: medianOf(rawRounds, 'last'),
      lost: rawRounds.reduce((s, r) => s + r.lost, 0),
      duplicated: rawRounds.reduce((s, r) => s + r.duplicated, 0),
      serverCpuMsPerEvent: rawCpu.serverMs / rawRounds.length,
    };
  };

  const measureVariant = async (n, { variant, tokens, groups: spread }, secrets) => {
    ctx.log(`  W3 ${n} subscribers, ${variant}: connecting`);
    const groupOf = (i) => (spread === 1 ? spreadGroups - 1 : i % spread);
    // All from one address: each first lookup of a token of its own takes one of the address's
    // AUTH_FAILURES_PER_MINUTE (30) and gives it back when it succeeds, so more than 30 at the same
    // instant are refused with 1013 RATE_LIMITED (decision 72); 20 at a time stay under it. (Before
    // the shared budget kept every refund, even 20 at a time were refused after a few batches.)
    const clients = await openAll(
      n,
      (i) => graphqlWsClient(wsUrl, tokens === 'one' ? ctx.token : secrets[i], { query: subscription, variables: { realmId, groupId: groupIds[groupOf(i)] }, field: 'membershipChanged' }),
      tokens === 'one' ? 100 : 20,
    );
    const matching = clients.filter((_, i) => groupOf(i) === spreadGroups - 1);
    // A first change to every group subscribed to, not timed: every subscription is live once each has one.
    for (const g of new Set(clients.map((_, i) => groupOf(i)))) await change(groups[g]);
    await allReceived(clients, 1, 20_000);
    const ready = clients.filter((c) => c.received.length >= 1).length;
    const sample = matching.find((c) => c.received.length > 0)?.received[0];
    const pids = await backendPids(ctx.admin, ctx.database);
    const meter = await cpuMeter(product.pid, pids, () => backendPids(ctx.admin, ctx.database));
    const rounds = [];
    for (let r = 1; r <= ctx.profile.fanoutRounds; r++) {
      const t0 = performance.now();
      await change(target);
      await allReceived(matching, r + 1, 10_000);
      rounds.push(roundStats(matching, r, t0));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cpu = await meter.stop();
    // An event of another group than the one subscribed to (W2 writes to w2-00 … w2-18: not a leak).
    const groupOfEvent = (message) => (message.raw ? JSON.parse(message.raw).payload?.data?.membershipChanged?.groupId : undefined);
    const leaked = clients.reduce((sum, c, i) => sum + c.received.filter((m) => m.raw && groupOfEvent(m) !== groupIds[groupOf(i)]).length, 0);
    const errors = clients.flatMap((c) => c.received.filter((m) => m.errors)).length;
    for (const client of clients) client.socket.terminate();
    const productFigures = {
      p50: medianOf(rounds, 'p50'),
      p99: medianOf(rounds, 'p99'),
      last: medianOf(rounds, 'last'),
      lost: rounds.reduce((s, r) => s + r.lost, 0),
      duplicated: rounds.reduce((s, r) => s + r.duplicated, 0),
      leaked,
      messagesWithErrors: errors,
      serverCpuMsPerEvent: cpu.serverMs / rounds.length,
      pgCpuMsPerEvent: cpu.pgMs / rounds.length,
      readyBeforeTiming: ready,
      errors: sample?.errors ? JSON.stringify(sample.errors).slice(0, 200) : null,
    };
    // Baseline: the same message, broadcast to as many as matched.
    const payload = sample?.raw ?? JSON.stringify({ id: '1', type: 'next', payload: { data: {} } });
    const rawFigures = await rawBaseline(matching.length, payload);
    ctx.log(
      `    realmgraph p50 ${productFigures.p50?.toFixed(1)} ms p99 ${productFigures.p99?.toFixed(1)} ms, ${productFigures.serverCpuMsPerEvent.toFixed(0)} CPU-ms/event, lost ${productFigures.lost}, leaked ${leaked}; ws p99 ${rawFigures.p99?.toFixed(1)} ms`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { subscribers: n, variant, tokens, groups: spread, matching: matching.length, rounds: ctx.profile.fanoutRounds, realmgraph: productFigures, raw: rawFigures, payloadBytes: Buffer.byteLength(payload) };
  };

  const dashboards = await dashboardTokens(ctx, realmId, Math.max(...ctx.profile.fanout));
  const results = [];
  try {
    for (const n of ctx.profile.fanout) {
      for (const variant of fanoutVariants) results.push(await measureVariant(n, variant, dashboards.secrets));
    }
  } finally {
    // The identity's memberships of the other groups as they were (their changes went through the API, as do these).
    for (const group of groups) if (group !== target && member.has(String(group.group_id)) !== memberBefore.has(String(group.group_id))) await change(group).catch(() => {});
    await dashboards.revoke().catch((error) => ctx.log(`  W3 revoking the dashboard tokens failed: ${error.message}`));
  }
  return results;
}
