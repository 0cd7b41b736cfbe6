import { parseGlobalId } from '../../src/common/global-id';
import { decodeEventCursor } from '../../src/events/event-cursor';
import { pruneEvents } from '../../src/events/event.repository';
import { createGroup, createIdentity, createRealm } from '../factories/graph';
import { eventually } from '../helpers/eventually';
import { startTestServer, type TestServer } from '../helpers/server';
import { startWebhookReceiver, verifiesWith, type WebhookReceiver } from '../helpers/webhook-receiver';

/** Issue #15: a realm's log pushed to HTTP endpoints, signed, in order, retried, paused, replayed. */

let server: TestServer;
const receivers: WebhookReceiver[] = [];
beforeAll(async () => {
  server = await startTestServer({ env: { WEBHOOK_RETRY_DELAYS_MS: '200,400', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '2000' } });
});
afterAll(async () => {
  await server.close();
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
}

const endpointFields = 'id url description eventTypes status statusReason failingSince lastDeliveredCursor';

async function createEndpoint(realmId: string, url: string, extra: Record<string, unknown> = {}) {
  const data = await server.ok(
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { ${endpointFields} } secret } }`,
    { input: { realmId, url, ...extra } },
  );
  return data.createWebhookEndpoint as { webhookEndpoint: { id: string; status: string; lastDeliveredCursor: string }; secret: string };
}

const endpointById = async (id: string) =>
  (
    await server.ok(
      `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { ${endpointFields} deliveries(first: 50) { totalCount edges { node { id eventId eventCursor eventType status attempts lastResponseCode lastError nextAttemptAt endpoint { id } } } } } } }`,
      { id },
    )
  ).node;

describe('delivery', () => {
  test('the events committed after the creation arrive in order, signed, with the event as RealmEvent shows it', async () => {
    const hook = await receiver();
    const realm = await createRealm(server);
    await createIdentity(server, realm.id); // before the endpoint: not delivered
    const { webhookEndpoint, secret } = await createEndpoint(realm.id, hook.url, { description: 'audit' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookEndpoint.status).toBe('ACTIVE');
    const identity = await createIdentity(server, realm.id);
    const group = await createGroup(server, realm.id, undefined, [identity.id]);
    const received = await hook.waitFor(3);
    expect(received.map((delivery) => delivery.json.type)).toEqual(['IDENTITY_CREATED', 'GROUP_CREATED', 'MEMBERSHIP_ADDED']);
    for (const delivery of received) {
      expect(verifiesWith(secret, delivery)).toBe(true);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['webhook-id']).toBe(delivery.json.id);
      expect(Math.abs(Number(delivery.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    }
    expect(received[2].json).toEqual({
      id: expect.any(String),
      cursor: expect.any(String),
      type: 'MEMBERSHIP_ADDED',
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      realmId: realm.id,
      identityId: identity.id,
      groupId: group.id,
      invitationId: null,
      actor: { id: expect.any(String), name: expect.any(String) },
      data: {},
    });
    // As the log shows them.
    const log = await server.ok(`query($id: ID!) { realm(id: $id) { events(last: 3) { edges { node { id cursor type } } } } }`, { id: realm.id });
    expect(log.realm.events.edges.map((edge: { node: unknown }) => edge.node)).toEqual(received.map((delivery) => ({ id: delivery.json.id, cursor: delivery.json.cursor, type: delivery.json.type })));
    const endpoint = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.deliveries.edges.every((edge: any) => edge.node.status === 'SUCCEEDED') && e.lastDeliveredCursor === received[2].json.cursor, 200);
    // Newest first.
    expect(endpoint.deliveries.edges.map((edge: any) => edge.node.eventType)).toEqual(['MEMBERSHIP_ADDED', 'GROUP_CREATED', 'IDENTITY_CREATED']);
    expect(endpoint.deliveries.edges[0].node).toMatchObject({ attempts: 1, lastResponseCode: 200, eventId: received[2].json.id, eventCursor: received[2].json.cursor, endpoint: { id: webhookEndpoint.id } });
    const delivery = await server.ok(`query($id: ID!) { node(id: $id) { ... on WebhookDelivery { id status event { id type } } } }`, { id: endpoint.deliveries.edges[0].node.id });
    expect(delivery.node).toEqual({ id: endpoint.deliveries.edges[0].node.id, status: 'SUCCEEDED', event: { id: received[2].json.id, type: 'MEMBERSHIP_ADDED' } });
    const listed = await server.ok(`query($id: ID!) { realm(id: $id) { webhookEndpoints { totalCount edges { node { id description } } } } }`, { id: realm.id });
    expect(listed.realm.webhookEndpoints).toEqual({ totalCount: 1, edges: [{ node: { id: webhookEndpoint.id, description: 'audit' } }] });
  });

  test('eventTypes: only those types are delivered', async () => {
    const hook = await receiver();
    const realm = await createRealm(server);
    await createEndpoint(realm.id, hook.url, { eventTypes: ['GROUP_CREATED'] });
    await createIdentity(server, realm.id);
    await createGroup(server, realm.id);
    await createIdentity(server, realm.id);
    await createGroup(server, realm.id);
    const received = await hook.waitFor(2);
    expect(received.map((delivery) => delivery.json.type)).toEqual(['GROUP_CREATED', 'GROUP_CREATED']);
  });

  test('a failing receiver gets the event again (same webhook-id) and holds back the later ones, not another endpoint’s', async () => {
    const failing = await receiver();
    const healthy = await receiver();
    failing.answer = (_delivery, index) => (index < 2 ? 503 : 200);
    const realm = await createRealm(server);
    await createEndpoint(realm.id, failing.url);
    await createEndpoint(realm.id, healthy.url);
    const first = await createIdentity(server, realm.id);
    await createIdentity(server, realm.id);
    expect((await healthy.waitFor(2)).map((delivery) => delivery.json.identityId)[0]).toBe(first.id);
    const received = await failing.waitFor(4);
    expect(received.map((delivery) => delivery.status)).toEqual([503, 503, 200, 200]);
    expect(new Set(received.slice(0, 3).map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
    expect(received[3].json.identityId).not.toBe(first.id);
  });

  test('when the schedule runs out: the delivery FAILED, the endpoint PAUSED with an event; resumed, it goes on from that event', async () => {
    const hook = await receiver();
    hook.answer = () => 500;
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    const identity = await createIdentity(server, realm.id);
    await hook.waitFor(3); // the first attempt and the two retries
    const paused = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.status === 'PAUSED', 500);
    expect(paused.failingSince).not.toBeNull();
    expect(paused.statusReason).toBe('RETRIES_EXHAUSTED');
    expect(paused.deliveries.edges.map((edge: any) => edge.node)).toEqual([expect.objectContaining({ status: 'FAILED', attempts: 3, lastResponseCode: 500, nextAttemptAt: null })]);
    const events = await server.ok(`query($id: ID!) { realm(id: $id) { events(last: 1) { edges { node { type data } } } } }`, { id: realm.id });
    expect(events.realm.events.edges[0].node).toEqual({
      type: 'WEBHOOK_ENDPOINT_PAUSED',
      data: { webhookEndpointId: webhookEndpoint.id, url: hook.url, reason: 'RETRIES_EXHAUSTED', deliveryId: paused.deliveries.edges[0].node.id, eventId: hook.received[0].json.id },
    });
    hook.answer = () => 200;
    await server.ok(`mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, status: ACTIVE }) { webhookEndpoint { status } } }`, { id: webhookEndpoint.id });
    const received = await hook.waitFor(5);
    expect(received[3].json).toMatchObject({ type: 'IDENTITY_CREATED', identityId: identity.id });
    expect(received[4].json.type).toBe('WEBHOOK_ENDPOINT_PAUSED');
    const resumed = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.failingSince === null, 200);
    expect(resumed).toMatchObject({ status: 'ACTIVE', statusReason: null });
  });

  test('410 Gone disables the endpoint', async () => {
    const hook = await receiver();
    hook.answer = () => 410;
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    await createIdentity(server, realm.id);
    await hook.waitFor(1);
    const disabled = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.status === 'DISABLED', 500);
    expect(disabled.deliveries.edges[0].node).toMatchObject({ status: 'FAILED', lastResponseCode: 410 });
    expect(disabled.statusReason).toBe('GONE');
  });

  test('retryWebhookDelivery sends a FAILED delivery again and resumes its endpoint', async () => {
    const hook = await receiver();
    hook.answer = () => 500;
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    await createIdentity(server, realm.id);
    const paused = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.status === 'PAUSED', 500);
    hook.answer = () => 200;
    const retried = await server.ok(`mutation($id: ID!) { retryWebhookDelivery(input: { id: $id }) { webhookDelivery { id status } } }`, { id: paused.deliveries.edges[0].node.id });
    expect(retried.retryWebhookDelivery.webhookDelivery).toEqual({ id: paused.deliveries.edges[0].node.id, status: 'PENDING' });
    await hook.waitFor(4);
    expect(hook.received[3].json.id).toBe(hook.received[0].json.id);
    const done = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.deliveries.edges.some((edge: any) => edge.node.status === 'SUCCEEDED'), 500);
    expect(done.status).toBe('ACTIVE');
    const again = await server.graphql(`mutation($id: ID!) { retryWebhookDelivery(input: { id: $id }) { webhookDelivery { id } } }`, { id: paused.deliveries.edges[0].node.id });
    expect(again.errors?.[0].extensions?.code).toBe('INVALID_STATUS_TRANSITION');
  });

  test('replayWebhookEndpoint delivers again the events after a cursor, with their webhook-ids', async () => {
    const hook = await receiver();
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    await createIdentity(server, realm.id);
    await createIdentity(server, realm.id);
    const received = await hook.waitFor(2);
    await server.ok(`mutation($id: ID!, $after: String!) { replayWebhookEndpoint(input: { id: $id, after: $after }) { webhookEndpoint { id } } }`, {
      id: webhookEndpoint.id,
      after: webhookEndpoint.lastDeliveredCursor,
    });
    const again = await hook.waitFor(4);
    expect(again.slice(2).map((delivery) => delivery.headers['webhook-id'])).toEqual(received.map((delivery) => delivery.headers['webhook-id']));
    const bad = await server.graphql(`mutation($id: ID!) { replayWebhookEndpoint(input: { id: $id, after: "nope" }) { webhookEndpoint { id } } }`, { id: webhookEndpoint.id });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['input', 'after'] });
  });

  test('rotateWebhookSecret: during the grace period each delivery carries both signatures, the new one first', async () => {
    const hook = await receiver();
    const realm = await createRealm(server);
    const { webhookEndpoint, secret: old } = await createEndpoint(realm.id, hook.url);
    const rotated = await server.ok(`mutation($id: ID!) { rotateWebhookSecret(input: { id: $id, graceSeconds: 60 }) { secret } }`, { id: webhookEndpoint.id });
    const secret = rotated.rotateWebhookSecret.secret;
    await createIdentity(server, realm.id);
    const [delivery] = await hook.waitFor(1);
    const signatures = String(delivery.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(verifiesWith(secret, { ...delivery, headers: { ...delivery.headers, 'webhook-signature': signatures[0] } })).toBe(true);
    expect(verifiesWith(old, { ...delivery, headers: { ...delivery.headers, 'webhook-signature': signatures[1] } })).toBe(true);
    await server.ok(`mutation($id: ID!) { rotateWebhookSecret(input: { id: $id, graceSeconds: 0 }) { secret } }`, { id: webhookEndpoint.id });
    await createIdentity(server, realm.id);
    const [, next] = await hook.waitFor(2);
    expect(String(next.headers['webhook-signature']).split(' ')).toHaveLength(1);
  });

  test('deleteWebhookEndpoint: nothing more is sent, and its ID finds nothing', async () => {
    const hook = await receiver();
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    const deleted = await server.ok(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedWebhookEndpointId } }`, { id: webhookEndpoint.id });
    expect(deleted.deleteWebhookEndpoint.deletedWebhookEndpointId).toBe(webhookEndpoint.id);
    expect((await server.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: webhookEndpoint.id })).node).toBeNull();
  });
});

describe('retention and the endpoint’s position', () => {
  const day = 86_400_000;
  const uuidOf = (id: string) => parseGlobalId(id)!.uuid;
  const pauseQuery = `mutation($id: ID!, $status: WebhookEndpointStatus!) { updateWebhookEndpoint(input: { id: $id, status: $status }) { webhookEndpoint { status statusReason } } }`;

  /** Retention as it runs, on the realm's events up to `throughCursor` made a year old. */
  async function prune(realmId: string, throughCursor: string) {
    const realmUuid = uuidOf(realmId);
    const seq = decodeEventCursor(throughCursor, realmUuid, ['after']);
    await server.db.dataSource.query(`UPDATE events SET occurred_at = now() - interval '400 days' WHERE realm_id = $1 AND seq <= $2::bigint`, [realmUuid, seq]);
    await pruneEvents(server.db.dataSource, new Date(Date.now() - 300 * day));
  }

  const lastCursor = async (realmId: string) => (await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor as string;

  test('resuming an endpoint whose undelivered events were pruned is refused with the oldest cursor kept; replayed there, it resumes', async () => {
    const hook = await receiver();
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    const paused = await server.ok(pauseQuery, { id: webhookEndpoint.id, status: 'PAUSED' });
    expect(paused.updateWebhookEndpoint.webhookEndpoint).toEqual({ status: 'PAUSED', statusReason: 'REQUESTED' });
    await createIdentity(server, realm.id);
    await createIdentity(server, realm.id);
    await prune(realm.id, await lastCursor(realm.id));
    const kept = await createIdentity(server, realm.id);

    const refused = await server.graphql(pauseQuery, { id: webhookEndpoint.id, status: 'ACTIVE' });
    expect(refused.data?.updateWebhookEndpoint).toBeNull();
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'EVENT_CURSOR_EXPIRED', inputPath: ['input', 'status'], oldestCursor: expect.any(String) });
    expect(refused.errors?.[0].message).toMatch(/no longer kept/);
    expect((await endpointById(webhookEndpoint.id)).status).toBe('PAUSED');

    await server.ok(`mutation($id: ID!, $after: String!) { replayWebhookEndpoint(input: { id: $id, after: $after }) { webhookEndpoint { id } } }`, {
      id: webhookEndpoint.id,
      after: refused.errors?.[0].extensions?.oldestCursor,
    });
    const resumed = await server.ok(pauseQuery, { id: webhookEndpoint.id, status: 'ACTIVE' });
    expect(resumed.updateWebhookEndpoint.webhookEndpoint).toEqual({ status: 'ACTIVE', statusReason: null });
    const [first] = await hook.waitFor(1);
    expect(first.json).toMatchObject({ type: 'IDENTITY_CREATED', identityId: kept.id });
  });

  test('the delivery job pauses an endpoint (EVENTS_PRUNED, with an event) rather than go on past events pruned before it got them', async () => {
    const hook = await receiver();
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    await server.ok(pauseQuery, { id: webhookEndpoint.id, status: 'PAUSED' });
    await createIdentity(server, realm.id);
    await createIdentity(server, realm.id);
    await prune(realm.id, await lastCursor(realm.id));
    // A resumption that raced retention (its check saw the events kept): the job is the one to find the gap.
    // Made active only after the prune, so the job cannot deliver those events in between.
    await server.db.dataSource.query(`UPDATE webhook_endpoints SET status = 'ACTIVE', status_reason = NULL WHERE id = $1`, [uuidOf(webhookEndpoint.id)]);
    await createIdentity(server, realm.id); // wakes the job
    const stopped = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.status === 'PAUSED', 200);
    expect(stopped).toMatchObject({ statusReason: 'EVENTS_PRUNED', deliveries: { totalCount: 0 } });
    const events = await server.ok(`query($id: ID!) { realm(id: $id) { events(last: 1) { edges { node { type data } } } } }`, { id: realm.id });
    expect(events.realm.events.edges[0].node).toEqual({
      type: 'WEBHOOK_ENDPOINT_PAUSED',
      data: { webhookEndpointId: webhookEndpoint.id, url: hook.url, reason: 'EVENTS_PRUNED', deliveryId: null, eventId: null },
    });
    expect(hook.received).toHaveLength(0);
  });

  test('retryWebhookDelivery of an event the endpoint has gone past is refused with the cursor to replay from; replayed, it comes again', async () => {
    const hook = await receiver();
    hook.answer = () => 500;
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url, { eventTypes: ['IDENTITY_CREATED'] });
    await createIdentity(server, realm.id);
    const paused = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.status === 'PAUSED', 500);
    const failed = paused.deliveries.edges[0].node;
    hook.answer = () => 200;
    await server.ok(pauseQuery, { id: webhookEndpoint.id, status: 'ACTIVE' });
    const [, , , delivered] = await hook.waitFor(4);
    expect(delivered.headers['webhook-id']).toBe(failed.eventId);
    // SUCCEEDED: the cursor is past it.
    await eventually(() => endpointById(webhookEndpoint.id), (e) => e.deliveries.edges.some((edge: any) => edge.node.status === 'SUCCEEDED'), 200);

    const refused = await server.graphql(`mutation($id: ID!) { retryWebhookDelivery(input: { id: $id }) { webhookDelivery { id } } }`, { id: failed.id });
    expect(refused.data?.retryWebhookDelivery).toBeNull();
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'WEBHOOK_DELIVERY_NOT_NEXT',
      inputPath: ['input', 'id'],
      deliveredThroughCursor: expect.any(String), // past the event, and the WEBHOOK_ENDPOINT_PAUSED after it (not of the endpoint's types)
      replayAfter: expect.any(String),
    });
    await server.ok(`mutation($id: ID!, $after: String!) { replayWebhookEndpoint(input: { id: $id, after: $after }) { webhookEndpoint { id } } }`, {
      id: webhookEndpoint.id,
      after: refused.errors?.[0].extensions?.replayAfter,
    });
    const again = await hook.waitFor(5);
    expect(again[4].headers['webhook-id']).toBe(failed.eventId);
  });

  test('deliveries older than EVENT_RETENTION_DAYS leave the history with their events', async () => {
    const hook = await receiver();
    const realm = await createRealm(server);
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    await createIdentity(server, realm.id);
    await createIdentity(server, realm.id);
    const both = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.deliveries.edges.filter((edge: any) => edge.node.status === 'SUCCEEDED').length === 2, 200);
    const older = both.deliveries.edges[1].node;
    await server.db.dataSource.query(`UPDATE webhook_deliveries SET created_at = now() - interval '400 days' WHERE id = $1`, [uuidOf(older.id)]);
    // The retention job (every JOB_INTERVAL_MS here, default EVENT_RETENTION_DAYS of 30) removes it;
    // calling pruneDeliveries from the test raced that job.
    const after = await eventually(() => endpointById(webhookEndpoint.id), (e) => e.deliveries.totalCount === 1, 200);
    expect(after.deliveries.edges[0].node.id).toBe(both.deliveries.edges[0].node.id);
  });
});

describe('URL rules (WEBHOOK_ALLOW_PRIVATE_NETWORKS unset)', () => {
  let strict: TestServer;
  let realmId: string;
  beforeAll(async () => {
    strict = await startTestServer({ runJobs: false, db: server.db });
    realmId = (await createRealm(strict)).id;
  });
  afterAll(() => strict.close());

  test.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    'http://10.1.2.3/hook',
    'http://192.168.0.1/hook',
    'http://172.16.5.5/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/hook',
    'http://0.0.0.0/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'https://user:pass@example.com/hook',
    'ftp://example.com/hook',
    'not a url',
    `https://example.com/${'a'.repeat(2048)}`,
  ].map((url) => [url.length > 60 ? `${url.slice(0, 30)}… (${url.length} characters)` : url, url]))('%s is refused with WEBHOOK_URL_NOT_ALLOWED', async (_label, url) => {
    const result = await strict.graphql(`mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`, { input: { realmId, url } });
    expect(result.data?.createWebhookEndpoint).toBeNull();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'WEBHOOK_URL_NOT_ALLOWED', inputPath: ['input', 'url'] });
  });

  test('a public address is accepted', async () => {
    const result = await strict.ok(`mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { url } } }`, {
      input: { realmId, url: 'https://93.184.215.14/hook' },
    });
    expect(result.createWebhookEndpoint.webhookEndpoint.url).toBe('https://93.184.215.14/hook');
  });
});

describe('scopes and realms', () => {
  test('webhooks:read reads, not writes; another realm’s endpoint is not found', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const hook = await receiver();
    const { webhookEndpoint } = await createEndpoint(realm.id, hook.url);
    const reader = await server.createToken(['webhooks:read'], realm.id);
    const outsider = await server.createToken(['webhooks:read', 'webhooks:write'], other.id);
    const read = await server.graphql(`query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { id } } }`, { id: webhookEndpoint.id }, { authorization: `Bearer ${reader.token}` });
    expect(read.data?.node).toEqual({ id: webhookEndpoint.id });
    const write = await server.graphql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedWebhookEndpointId } }`, { id: webhookEndpoint.id }, { authorization: `Bearer ${reader.token}` });
    expect(write.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const hidden = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: webhookEndpoint.id }, { authorization: `Bearer ${outsider.token}` });
    expect(hidden.data?.node).toBeNull();
    const refused = await server.graphql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedWebhookEndpointId } }`, { id: webhookEndpoint.id }, { authorization: `Bearer ${outsider.token}` });
    expect(refused.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('two instances', () => {
  test('deliver each event once, in order, never two requests to one endpoint at once', async () => {
    const second = await startTestServer({ db: server.db, env: { WEBHOOK_RETRY_DELAYS_MS: '200,400', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
    try {
      const hook = await receiver();
      // Slow enough that both instances' jobs run while a request is open.
      hook.delayMs = 30;
      const realm = await createRealm(server);
      await createEndpoint(realm.id, hook.url);
      const made: string[] = [];
      for (let i = 0; i < 15; i++) made.push((await createIdentity(i % 2 ? second : server, realm.id)).id);
      const received = await hook.waitFor(15);
      expect(received.map((delivery) => delivery.json.identityId)).toEqual(made);
      // Nothing more arrives: no event twice.
      await createGroup(server, realm.id);
      await hook.waitFor(16);
      expect(new Set(hook.received.map((delivery) => delivery.headers['webhook-id'])).size).toBe(hook.received.length);
      expect(hook.maxConcurrent).toBe(1);
    } finally {
      await second.close();
    }
  });
});
