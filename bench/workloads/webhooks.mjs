/**
 * W11 (issue #15): webhooks — 10 endpoints × 10 000 events.
 *
 * Ten endpoints of the bench realm, filtered to MEMBERSHIP_ADDED, all pointing at a receiver in this
 * process on loopback (the product runs with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true for this), which
 * answers 204 at once and notes when each `webhook-id` arrived at each endpoint. Then 10 000
 * identities join a new group in ten `addGroupMembers` of 1 000, one after the other. Measured: when
 * each endpoint has every event (and the last of all), the latency of each delivery from its
 * batch's commit (the mutation's answer), deliveries per second overall, and what arrived twice or
 * out of the log's order.
 */
import http from 'node:http';
import { postJson } from '../lib/load.mjs';
import { globalId } from '../lib/queries.mjs';
import { percentile } from '../lib/subscribers.mjs';

const endpoints = 10;
const batches = 10;
const batchSize = 1000;

async function call(peer, token, query, variables) {
  const { status, json, text } = await postJson(peer.url('/graphql'), { query, variables }, { authorization: `Bearer ${token}` });
  if (status !== 200 || json?.errors) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
  return json.data;
}

/** A receiver on loopback: per path, each webhook-id with when it first arrived, and how many arrived. */
function receiver() {
  const paths = new Map();
  const server = http.createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk) => (bytes += chunk.length));
    request.on('end', () => {
      const at = performance.now();
      let seen = paths.get(request.url);
      if (!seen) paths.set(request.url, (seen = { first: new Map(), order: [], requests: 0, bytes: 0 }));
      seen.requests += 1;
      seen.bytes += bytes;
      const id = request.headers['webhook-id'];
      if (!seen.first.has(id)) {
        seen.first.set(id, at);
        seen.order.push(id);
      }
      response.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, paths, port: server.address().port })));
}

export async function webhooksWorkload(ctx) {
  const { product } = ctx.peers;
  const {
    rows: [realm],
  } = await ctx.admin.query(`SELECT id FROM realms WHERE name = $1`, [ctx.realmName]);
  const realmId = globalId('Realm', realm.id);
  const sink = await receiver();
  const made = [];
  const stamp = Date.now().toString(36);
  const group = (await call(product, ctx.token, `mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, { input: { realmId, name: `w11-${stamp}` } })).createGroup.group.id;
  try {
    for (let i = 0; i < endpoints; i++) {
      const created = await call(product, ctx.token, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } } }`, {
        input: { realmId, url: `http://127.0.0.1:${sink.port}/e${i}`, eventTypes: ['MEMBERSHIP_ADDED'], description: `W11 endpoint ${i}` },
      });
      made.push(created.createWebhookEndpoint.webhookEndpoint.id);
    }
    const { rows } = await ctx.admin.query(
      `SELECT id FROM identities i WHERE realm_id = $1 AND NOT EXISTS (SELECT 1 FROM group_memberships m WHERE m.identity_id = i.id AND m.group_id = $2) ORDER BY id LIMIT $3`,
      [realm.id, Buffer.from(group, 'base64url').toString().split(':')[1], batches * batchSize],
    );
    const ids = rows.map((row) => globalId('Identity', row.id));
    ctx.log(`  W11 ${endpoints} endpoints; ${batches} × addGroupMembers of ${batchSize}…`);
    const committedAt = [];
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      await call(product, ctx.token, `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { memberCount } } }`, {
        input: { groupId: group, identityIds: ids.slice(b * batchSize, (b + 1) * batchSize) },
      });
      committedAt.push(performance.now());
    }
    const writesMs = performance.now() - t0;
    // The log's order of the events, and which batch each came from.
    const { rows: logged } = await ctx.admin.query(
      `SELECT id::text, seq FROM events WHERE realm_id = $1 AND group_id = $2 AND type = 'membership.added' ORDER BY seq`,
      [realm.id, Buffer.from(group, 'base64url').toString().split(':')[1]],
    );
    const batchOf = new Map(logged.map((row, index) => [row.id, Math.floor(index / batchSize)]));
    const expected = logged.length;
    const deadline = Date.now() + 20 * 60_000;
    const complete = () => [...Array(endpoints).keys()].every((i) => (sink.paths.get(`/e${i}`)?.first.size ?? 0) >= expected);
    while (!complete() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const perEndpoint = [];
    const latencies = [];
    let lastAt = 0;
    for (let i = 0; i < endpoints; i++) {
      const seen = sink.paths.get(`/e${i}`) ?? { first: new Map(), order: [], requests: 0 };
      let outOfOrder = 0;
      seen.order.forEach((id, index) => {
        if (logged[index]?.id !== id) outOfOrder++;
      });
      const times = [...seen.first.entries()].map(([id, at]) => {
        latencies.push(at - committedAt[batchOf.get(id) ?? 0]);
        return at;
      });
      const last = times.length ? Math.max(...times) : null;
      if (last) lastAt = Math.max(lastAt, last);
      perEndpoint.push({ received: seen.first.size, requests: seen.requests, repeats: seen.requests - seen.first.size, outOfOrder, allMs: last === null ? null : last - t0 });
    }
    latencies.sort((a, b) => a - b);
    const figures = {
      endpoints,
      events: expected,
      writesMs,
      allMs: lastAt - t0,
      deliveriesPerSecond: (endpoints * expected * 1000) / (lastAt - t0),
      latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? null },
      perEndpoint,
    };
    figures.ok = perEndpoint.every((e) => e.received === expected && e.outOfOrder === 0);
    ctx.log(
      `  W11 ${expected} events × ${endpoints} endpoints: writes ${(writesMs / 1000).toFixed(1)} s; all delivered after ${(figures.allMs / 1000).toFixed(1)} s ` +
        `(${figures.deliveriesPerSecond.toFixed(0)} deliveries/s); latency p50 ${figures.latency.p50?.toFixed(0)} ms, p99 ${figures.latency.p99?.toFixed(0)} ms; ` +
        `repeats ${perEndpoint.reduce((n, e) => n + e.repeats, 0)}, out of order ${perEndpoint.reduce((n, e) => n + e.outOfOrder, 0)}${figures.ok ? '' : ' — NOT AS EXPECTED'}`,
    );
    return figures;
  } finally {
    for (const id of made) await call(product, ctx.token, `mutation($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { deletedWebhookEndpointId } }`, { input: { id } }).catch(() => {});
    await call(product, ctx.token, `mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: group }).catch(() => {});
    sink.server.close();
  }
}
