/**
 * Large changes (issue #10):
 * - W6: one `addGroupMembers` (then `removeGroupMembers`, then add again) of 1 000 identities →
 *   20 graphql-ws dashboards of that group, each with an API token of its own (of equal rights, with
 *   different names, as real dashboards have). Per batch: when the last dashboard has all 1 000
 *   events, lost and duplicated events, server and PostgreSQL CPU per event.
 * - W7: `deleteGroup` of a very large group while writes to another realm and to the same realm
 *   go on, and a subscriber on a second instance waits for the deletion: the writes' latency before
 *   and during the deletion, its own time, and when the other instance's subscriber hears of it.
 */
import { postJson } from '../lib/load.mjs';
import { productServer } from '../lib/peers.mjs';
import { backendPids, cpuMeter } from '../lib/proc.mjs';
import { globalId } from '../lib/queries.mjs';
import { allReceived, graphqlWsClient, openAll, percentile } from '../lib/subscribers.mjs';

const dashboard = `subscription Dashboard($realmId: ID!, $groupId: ID) {
  membershipChanged(realmId: $realmId, groupId: $groupId) { id type groupId identityId group { name memberCount } identity { username displayName status } }
}`;

const batchSize = 1000;
const dashboards = 20;

/** POSTs an operation to `peer` with `token`; throws on an HTTP or GraphQL error. */
async function call(peer, token, query, variables) {
  const { status, json, text } = await postJson(peer.url('/graphql'), { query, variables }, { authorization: `Bearer ${token}` });
  if (status !== 200 || json?.errors) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
  return json.data;
}

const sortedMs = (values) => [...values].sort((a, b) => a - b);

export async function batchFanout(ctx) {
  const { product } = ctx.peers;
  const {
    rows: [realm],
  } = await ctx.admin.query(`SELECT id FROM realms WHERE name = $1`, [ctx.realmName]);
  const realmId = globalId('Realm', realm.id);
  const { rows } = await ctx.admin.query(`SELECT id FROM identities WHERE realm_id = $1 ORDER BY id LIMIT $2`, [realm.id, batchSize + 1]);
  const [warmUp, ...batch] = rows.map((row) => globalId('Identity', row.id));
  const group = (await call(product, ctx.token, `mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, {
    input: { realmId, name: `w6-batch-${Date.now()}` },
  })).createGroup.group;
  const tokens = [];
  for (let n = 1; n <= dashboards; n++) {
    const created = await call(product, ctx.token, `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } token } }`, {
      input: { name: `w6 wall display ${n}`, scopes: ['events:read', 'groups:read', 'identities:read'], realmId },
    });
    tokens.push(created.createApiToken);
  }
  const wsUrl = product.url('/graphql').replace('http:', 'ws:');
  const variables = { realmId, groupId: group.id };
  const clients = await openAll(dashboards, (i) => graphqlWsClient(wsUrl, tokens[i].token, { query: dashboard, variables, field: 'membershipChanged' }));
  const write = (mutation, identityIds) =>
    call(product, ctx.token, `mutation($input: ${mutation === 'addGroupMembers' ? 'AddGroupMembersInput' : 'RemoveGroupMembersInput'}!) { ${mutation}(input: $input) { group { memberCount } } }`, {
      input: { groupId: group.id, identityIds },
    });
  try {
    // Not timed: once every dashboard has this event, every subscription is live.
    await write('addGroupMembers', [warmUp]);
    await allReceived(clients, 1, 30_000);
    const rounds = [];
    for (const mutation of ['addGroupMembers', 'removeGroupMembers', 'addGroupMembers']) {
      const before = clients[0].received.length;
      const meter = await cpuMeter(product.pid, await backendPids(ctx.admin, ctx.database), () => backendPids(ctx.admin, ctx.database));
      const t0 = performance.now();
      await write(mutation, batch);
      const mutationMs = performance.now() - t0;
      await allReceived(clients, before + batchSize, 120_000);
      const cpu = await meter.stop();
      const lastPerClient = [];
      let lost = 0;
      let duplicated = 0;
      for (const client of clients) {
        const got = client.received.slice(before, before + batchSize);
        if (got.length < batchSize || got.some((message) => message.errors)) lost += batchSize - got.filter((message) => !message.errors).length;
        if (got.length > 0) lastPerClient.push(got[got.length - 1].at - t0);
        duplicated += got.length - new Set(got.map((message) => message.id)).size;
      }
      const last = sortedMs(lastPerClient);
      rounds.push({
        mutation,
        mutationMs,
        lastDeliveryMs: last[last.length - 1] ?? null,
        medianLastDeliveryMs: percentile(last, 50),
        lost,
        duplicated,
        serverCpuMsPerEvent: cpu.serverMs / batchSize,
        pgCpuMsPerEvent: cpu.pgMs / batchSize,
      });
      ctx.log(`  W6 ${mutation} of ${batchSize}: last of ${dashboards} dashboards after ${rounds.at(-1).lastDeliveryMs?.toFixed(0)} ms, lost ${lost}, server ${rounds.at(-1).serverCpuMsPerEvent.toFixed(2)} CPU-ms/event`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return { dashboards, batchSize, rounds };
  } finally {
    for (const client of clients) client.socket.terminate();
    await call(product, ctx.token, `mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: group.id }).catch(() => {});
    for (const { apiToken } of tokens) {
      await call(product, ctx.token, `mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id } } }`, { id: apiToken.id }).catch(() => {});
    }
  }
}

/**
 * A write repeated back to back (add, remove, add, …) until `stop()`: each request's start and
 * duration, and the HTTP errors, for latency before and during something else.
 */
function writer(peer, token, groupId, identityId) {
  const samples = [];
  let errors = 0;
  let running = true;
  const loop = (async () => {
    for (let member = false; running; member = !member) {
      const mutation = member ? 'removeGroupMembers' : 'addGroupMembers';
      const type = member ? 'RemoveGroupMembersInput' : 'AddGroupMembersInput';
      const at = performance.now();
      const { status, json } = await postJson(peer.url('/graphql'), { query: `mutation($input: ${type}!) { ${mutation}(input: $input) { group { id } } }`, variables: { input: { groupId, identityIds: [identityId] } } }, { authorization: `Bearer ${token}` });
      samples.push({ at, ms: performance.now() - at });
      if (status !== 200 || json?.errors) errors += 1;
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
      return errors;
    },
  };
}

/** p50, p99 and the largest latency of the samples that started within [from, to). */
function latencies(samples, from, to) {
  const ms = sortedMs(samples.filter((s) => s.at >= from && s.at < to).map((s) => s.ms));
  return { requests: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms[ms.length - 1] ?? null };
}

export async function largeGroupDelete(ctx) {
  const { product } = ctx.peers;
  const size = ctx.profile.bigGroup;
  const {
    rows: [realm],
  } = await ctx.admin.query(`SELECT id FROM realms WHERE name = $1`, [ctx.realmName]);
  const realmId = globalId('Realm', realm.id);
  ctx.log(`  W7 a group of ${size.toLocaleString('en')} members`);
  const {
    rows: [big],
  } = await ctx.admin.query(`INSERT INTO groups (realm_id, name) VALUES ($1, $2) RETURNING id`, [realm.id, `w7-big-${Date.now()}`]);
  await ctx.admin.query(
    `INSERT INTO group_memberships (group_id, identity_id, realm_id) SELECT $1, id, $2 FROM identities WHERE realm_id = $2 ORDER BY id LIMIT $3`,
    [big.id, realm.id, size],
  );
  // Writers: one in another realm, one in the same realm, each toggling one membership.
  const other = (await call(product, ctx.token, `mutation { createRealm(input: { name: "w7-other-${Date.now()}", displayName: "W7 other" }) { realm { id } } }`, {})).createRealm.realm;
  const fixture = async (inRealm, name) => {
    const identity = (await call(product, ctx.token, `mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id } } }`, {
      input: { realmId: inRealm, displayName: name, username: name, primaryEmail: `${name}@example.com` },
    })).createIdentity.identity;
    const group = (await call(product, ctx.token, `mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, { input: { realmId: inRealm, name } })).createGroup.group;
    return { identity: identity.id, group: group.id };
  };
  const stamp = Date.now().toString(36);
  const otherFixture = await fixture(other.id, `w7-writer-${stamp}`);
  const sameFixture = await fixture(realmId, `w7-writer-${stamp}`);
  // The subscriber on a second instance: the deletion has to cross PostgreSQL to reach it.
  const second = await productServer(ctx.root, { databaseUrl: ctx.databaseUrl, adminToken: ctx.token });
  const listener = await graphqlWsClient(second.url('/graphql').replace('http:', 'ws:'), ctx.token, {
    query: `subscription($realmId: ID!) { realmEvents(realmId: $realmId, types: [GROUP_DELETED, MEMBERSHIP_REMOVED]) { id type groupId } }`,
    variables: { realmId },
    field: 'realmEvents',
  });
  try {
    const writers = { otherRealm: writer(product, ctx.token, otherFixture.group, otherFixture.identity), sameRealm: writer(product, ctx.token, sameFixture.group, sameFixture.identity) };
    const baselineFrom = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const t0 = performance.now();
    await call(product, ctx.token, `mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: globalId('Group', big.id) });
    const deleteMs = performance.now() - t0;
    // The other instance's subscriber has it when GROUP_DELETED arrives (it comes after any removals).
    const deadline = Date.now() + 120_000;
    while (!listener.received.some((m) => m.type === 'GROUP_DELETED') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const heard = listener.received.find((m) => m.type === 'GROUP_DELETED');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const errors = { otherRealm: await writers.otherRealm.stop(), sameRealm: await writers.sameRealm.stop() };
    const figures = {
      members: size,
      deleteMs,
      eventsDelivered: listener.received.length,
      otherInstanceHeardMs: heard ? heard.at - t0 : null,
      otherRealm: { before: latencies(writers.otherRealm.samples, baselineFrom, t0), during: latencies(writers.otherRealm.samples, t0, t0 + deleteMs), errors: errors.otherRealm },
      sameRealm: { before: latencies(writers.sameRealm.samples, baselineFrom, t0), during: latencies(writers.sameRealm.samples, t0, t0 + deleteMs), errors: errors.sameRealm },
    };
    ctx.log(
      `  W7 deleteGroup ${deleteMs.toFixed(0)} ms; other realm's writes max ${figures.otherRealm.during.max?.toFixed(0)} ms during (p99 ${figures.otherRealm.before.p99?.toFixed(0)} ms before); ` +
        `same realm max ${figures.sameRealm.during.max?.toFixed(0)} ms; the other instance heard it after ${figures.otherInstanceHeardMs?.toFixed(0)} ms (${figures.eventsDelivered} events)`,
    );
    return figures;
  } finally {
    listener.socket.terminate();
    await second.stop();
    await ctx.admin.query(`DELETE FROM groups WHERE id = $1`, [big.id]);
    await call(product, ctx.token, `mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: other.id }).catch(() => {});
    await call(product, ctx.token, `mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: sameFixture.group }).catch(() => {});
    await call(product, ctx.token, `mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`, { id: sameFixture.identity }).catch(() => {});
  }
}
