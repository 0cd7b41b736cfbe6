import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createGroup, createIdentity, createRealm } from '../factories/graph';
import { eventually } from '../helpers/eventually';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';
import { signaturesOf, verifies, webhookEnv, WebhookReceiver, type ReceivedRequest } from '../helpers/conformance-receiver';

/*
 * Webhooks (issue #15, /work/shared-spec/webhooks-spec.md): the realm's event log pushed to HTTP
 * endpoints, signed as the Standard Webhooks specification says, in commit order per endpoint,
 * retried on a schedule, paused when it runs out, replayable. A real receiver on loopback
 * (test/helpers/conformance-receiver.ts) verifies every request with the `standardwebhooks` library, as a
 * customer's receiver would. The crash of a delivering instance: webhooks-crash.test.ts.
 */

let server: TestServer;
let second: TestServer;
let receiver: WebhookReceiver;
beforeAll(async () => {
  server = await startTestServer({ env: webhookEnv });
  // A second instance on the same database: it delivers too, so every test here is a two-instance test.
  second = await startTestServer({ db: server.db, env: webhookEnv });
  receiver = await WebhookReceiver.start();
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await second?.close();
  await server?.close();
});

// ——— the API, with every answer checked for leaks ———

/** Every secret the API showed; none may appear in any error, delivery error or log line. */
const secrets: string[] = [];

/** No stack trace and no secret in an error, in any form. */
function expectClean(errors: GraphQLResponse['errors'], where: string): void {
  for (const error of errors ?? []) {
    const text = JSON.stringify(error);
    expect({ where, text, stack: /\n\s+at |\bat .*\.(?:ts|js):\d+/.test(text) }).toMatchObject({ stack: false });
    expect(error.extensions).not.toHaveProperty('stacktrace');
    expect(error.extensions).not.toHaveProperty('exception');
    expect(text).not.toMatch(/whsec_/);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice('whsec_'.length));
    }
  }
}

const bearer = (token?: string): Record<string, string> => (token === undefined ? {} : { authorization: `Bearer ${token}` });

/** An operation over HTTP (admin token unless `token`), its errors checked for leaks. */
async function gql(s: TestServer, query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse> {
  const result = await s.graphql(query, variables, bearer(token));
  expectClean(result.errors, query.slice(0, 80));
  return result;
}

/** The data of an operation that must succeed. */
async function ok(s: TestServer, query: string, variables?: Record<string, unknown>, token?: string): Promise<any> {
  const result = await gql(s, query, variables, token);
  if (result.errors) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
  return result.data;
}

/** Refused with exactly `code` (at `inputPath` when given), the mutation's payload null beside it. */
function expectRefused(result: GraphQLResponse, codes: string | string[], inputPath?: Array<string | number>, root?: string): void {
  const allowed = Array.isArray(codes) ? codes : [codes];
  expect(result.errors).toHaveLength(1);
  const [error] = result.errors!;
  expect(allowed).toContain(error.extensions.code);
  if (inputPath) expect(error.extensions.inputPath).toEqual(inputPath);
  if (root) expect(result.data?.[root] ?? null).toBeNull();
}

const endpointFields = `id url description eventTypes status createdAt updatedAt failingSince lastDeliveredCursor realm { id }`;
const deliveryFields = `id eventId eventCursor eventType status attempts lastResponseCode lastError lastAttemptAt nextAttemptAt endpoint { id } event { id cursor type }`;
const eventFields = `id cursor type occurredAt groupId identityId invitationId actor { id name } data`;

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[] | null;
  status: 'ACTIVE' | 'PAUSED' | 'DISABLED';
  createdAt: string;
  updatedAt: string;
  failingSince: string | null;
  lastDeliveredCursor: string | null;
  realm: { id: string } | null;
}
interface Delivery {
  id: string;
  eventId: string;
  eventCursor: string;
  eventType: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  attempts: number;
  lastResponseCode: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  endpoint: { id: string } | null;
  event: { id: string; cursor: string; type: string } | null;
}
interface RealmEvent {
  id: string;
  cursor: string;
  type: string;
  occurredAt: string;
  groupId: string | null;
  identityId: string | null;
  invitationId: string | null;
  actor: { id: string; name: string } | null;
  data: Record<string, unknown>;
}

async function createEndpoint(
  s: TestServer,
  realmId: string,
  path: string,
  extra: { eventTypes?: string[] | null; description?: string } = {},
): Promise<{ endpoint: Endpoint; secret: string }> {
  const data = await ok(
    s,
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { ${endpointFields} } secret } }`,
    { input: { realmId, url: receiver.url(path), ...extra } },
  );
  const { webhookEndpoint, secret } = data.createWebhookEndpoint;
  secrets.push(secret);
  return { endpoint: webhookEndpoint, secret };
}

async function updateEndpoint(s: TestServer, input: Record<string, unknown>): Promise<Endpoint> {
  const data = await ok(s, `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { ${endpointFields} } } }`, { input });
  return data.updateWebhookEndpoint.webhookEndpoint;
}

/** The endpoint through node(id), with its newest deliveries (newest first). */
async function endpointState(s: TestServer, id: string, first = 100): Promise<Endpoint & { deliveries: Delivery[] }> {
  const data = await ok(
    s,
    `query($id: ID!, $first: Int) { node(id: $id) { ... on WebhookEndpoint { ${endpointFields} deliveries(first: $first) { edges { node { ${deliveryFields} } } } } } }`,
    { id, first },
  );
  const node = data.node;
  return { ...node, deliveries: node.deliveries.edges.map((edge: { node: Delivery }) => edge.node) };
}

const deliveryOf = (state: { deliveries: Delivery[] }, eventId: string) => state.deliveries.find((delivery) => delivery.eventId === eventId);

async function lastCursor(s: TestServer, realmId: string): Promise<string | null> {
  return (await ok(s, `query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor;
}

/** The realm's events after `after` (all when null), oldest first, as Realm.events shows them. */
async function eventsAfter(s: TestServer, realmId: string, after: string | null, types?: string[]): Promise<RealmEvent[]> {
  const events: RealmEvent[] = [];
  let cursor = after;
  for (;;) {
    const data = await ok(
      s,
      `query($id: ID!, $after: String, $types: [RealmEventType!]) {
        realm(id: $id) { events(first: 100, after: $after, types: $types) { edges { node { ${eventFields} } } pageInfo { hasNextPage endCursor } } }
      }`,
      { id: realmId, after: cursor, types },
    );
    const page = data.realm.events;
    events.push(...page.edges.map((edge: { node: RealmEvent }) => edge.node));
    if (!page.pageInfo.hasNextPage) return events;
    cursor = page.pageInfo.endCursor;
  }
}

/** `count` changes (identities created one after another); returns the events they logged. */
async function changes(s: TestServer, realmId: string, count: number): Promise<RealmEvent[]> {
  const before = await lastCursor(s, realmId);
  for (let n = 0; n < count; n++) await createIdentity(s, realmId);
  return eventsAfter(s, realmId, before);
}

const idsOf = (events: readonly RealmEvent[]) => events.map((event) => event.id);

// ——— what a receiver checks ———

/**
 * A request as the contract says: a POST of JSON, webhook-id the event's id, a timestamp in unix
 * seconds near its arrival, `v1,` signatures that `secret` verifies with standardwebhooks (and a
 * wrong secret does not), and the body exactly the RealmEvent as the API shows it, with its realm's id.
 */
function expectSignedEvent(request: ReceivedRequest, secret: string, event: RealmEvent, realmId: string): void {
  expect(request.method).toBe('POST');
  expect(request.headers['content-type']).toMatch(/^application\/json\b/);
  expect(request.webhookId).toBe(event.id);
  expect(request.headers['webhook-timestamp']).toMatch(/^\d+$/);
  expect(Math.abs(Number(request.headers['webhook-timestamp']) - request.receivedAt / 1000)).toBeLessThan(300);
  for (const signature of signaturesOf(request)) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
  expect(verifies(request, secret)).toBe(true);
  expect(verifies(request, wrongSecret)).toBe(false);
  // What the library hands the receiver is the event.
  expect(new Webhook(secret).verify(request.body, request.headers)).toEqual({ ...event, realmId });
  expect(request.json).toEqual({ ...event, realmId });
}

const wrongSecret = `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The requests to one endpoint, in arrival order, are the events `ids` in order: each request is
 * the event after the last one answered 2xx — the same one again after a failure (a retry), the
 * next one after a success — and every event ends answered 2xx. So a later event never went out
 * before an earlier one was delivered, and none was delivered twice.
 */
function expectOrderedDelivery(requests: readonly ReceivedRequest[], ids: readonly string[]): void {
  const trace = requests.map((request) => `${ids.indexOf(request.webhookId ?? '')}:${request.status ?? request.outcome}`).join(' ');
  let next = 0;
  for (const request of requests) {
    const at = ids.indexOf(request.webhookId ?? '');
    if (at !== next) throw new Error(`expected event #${next} (${ids[next]}) but received #${at} (${request.webhookId}); positions:statuses so far: ${trace}`);
    if (request.status !== undefined && request.status >= 200 && request.status < 300) next++;
  }
  if (next !== ids.length) throw new Error(`only ${next} of ${ids.length} events delivered: ${trace}`);
}

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

// ——— the tests ———

describe('an endpoint', () => {
  test('gets a secret whsec_ + base64 of 32 bytes, shown only by createWebhookEndpoint; reads back through node and Realm.webhookEndpoints', async () => {
    const realm = await createRealm(server);
    const a = await createEndpoint(server, realm.id, '/crud-a', { description: 'Slack bot', eventTypes: ['MEMBERSHIP_ADDED'] });
    const b = await createEndpoint(server, realm.id, '/crud-b');
    for (const { secret } of [a, b]) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    }
    expect(a.secret).not.toBe(b.secret);
    expect(a.endpoint).toMatchObject({
      url: receiver.url('/crud-a'),
      description: 'Slack bot',
      eventTypes: ['MEMBERSHIP_ADDED'],
      status: 'ACTIVE',
      failingSince: null,
      realm: { id: realm.id },
    });
    expect(b.endpoint).toMatchObject({ eventTypes: null, description: null, status: 'ACTIVE' });

    // No field of WebhookEndpoint (nor of its deliveries) holds the secret.
    const types = await ok(server, `{ e: __type(name: "WebhookEndpoint") { fields { name } } d: __type(name: "WebhookDelivery") { fields { name } } }`);
    for (const type of [types.e, types.d]) for (const field of type.fields) expect(field.name).not.toMatch(/secret/i);

    const read = await ok(
      server,
      `query($id: ID!, $realm: ID!) {
        node(id: $id) { id ... on WebhookEndpoint { ${endpointFields} deliveries(first: 5) { edges { node { id } } } } }
        realm(id: $realm) { webhookEndpoints(first: 10) { edges { node { id url } } pageInfo { hasNextPage } } }
      }`,
      { id: a.endpoint.id, realm: realm.id },
    );
    expect(read.node).toMatchObject({ ...a.endpoint, deliveries: { edges: [] } });
    expect(read.realm.webhookEndpoints.edges.map((edge: { node: { id: string } }) => edge.node.id).sort()).toEqual([a.endpoint.id, b.endpoint.id].sort());
    const everything = JSON.stringify(read);
    expect(everything).not.toContain(a.secret.slice('whsec_'.length));
    expect(server.logs.join('\n')).not.toContain(a.secret.slice('whsec_'.length));
    expect(second.logs.join('\n')).not.toContain(a.secret.slice('whsec_'.length));

    const updated = await updateEndpoint(server, { id: b.endpoint.id, description: 'SIEM', eventTypes: ['GROUP_CREATED', 'GROUP_DELETED'] });
    expect(updated).toMatchObject({ id: b.endpoint.id, description: 'SIEM', eventTypes: ['GROUP_CREATED', 'GROUP_DELETED'], status: 'ACTIVE' });

    const deleted = await ok(server, `mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedWebhookEndpointId } }`, { id: b.endpoint.id });
    expect(deleted.deleteWebhookEndpoint).toEqual({ deletedWebhookEndpointId: b.endpoint.id });
    expect((await ok(server, `query($id: ID!) { node(id: $id) { id } }`, { id: b.endpoint.id })).node).toBeNull();
    expectRefused(
      await gql(server, `mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedWebhookEndpointId } }`, { id: b.endpoint.id }),
      'NOT_FOUND',
      ['input', 'id'],
      'deleteWebhookEndpoint',
    );
  });

  test('is sent each event committed after its creation, signed (standardwebhooks verifies), its body the RealmEvent, in commit order though 50 changes come from concurrent writers on two instances', async () => {
    const realm = await createRealm(server);
    // Committed before the endpoint: never sent to it.
    await createIdentity(server, realm.id);
    await createGroup(server, realm.id);
    const { endpoint, secret } = await createEndpoint(server, realm.id, '/ordered');
    const start = await lastCursor(server, realm.id);

    const writers = Array.from({ length: 50 }, (_, n) => createIdentity(n % 2 === 0 ? server : second, realm.id));
    await Promise.all(writers);
    const log = await eventsAfter(server, realm.id, start);
    expect(log).toHaveLength(50);
    const ids = idsOf(log);

    await receiver.waitForDelivered('/ordered', ids);
    const requests = receiver.at('/ordered');
    expectOrderedDelivery(requests, ids);
    for (const request of requests) expectSignedEvent(request, secret, log[ids.indexOf(request.webhookId!)], realm.id);
    expect(receiver.overlaps.filter((overlap) => overlap.path === '/ordered')).toEqual([]);

    const state = await eventually(
      () => endpointState(server, endpoint.id),
      (now) => now.lastDeliveredCursor === log[49].cursor,
    );
    expect(state).toMatchObject({ status: 'ACTIVE', failingSince: null });
    // Deliveries newest first, one per event, each SUCCEEDED at the first attempt.
    expect(state.deliveries.map((delivery) => delivery.eventId)).toEqual([...ids].reverse());
    for (const delivery of state.deliveries) {
      const event = log[ids.indexOf(delivery.eventId)];
      expect(delivery).toMatchObject({
        eventCursor: event.cursor,
        eventType: 'IDENTITY_CREATED',
        status: 'SUCCEEDED',
        attempts: 1,
        lastResponseCode: 200,
        nextAttemptAt: null,
        endpoint: { id: endpoint.id },
        event: { id: event.id, cursor: event.cursor, type: event.type },
      });
      expect(delivery.lastAttemptAt).not.toBeNull();
    }
  }, 60_000);

  test('retries through receiver failures (500, 500, then 200): attempts 3, the later events held back until then and delivered in order; another endpoint is not held back meanwhile', async () => {
    const realm = await createRealm(server);
    const flaky = await createEndpoint(server, realm.id, '/flaky');
    const steady = await createEndpoint(server, realm.id, '/steady');
    const checked = deferred();
    const known = deferred();
    let ids: string[] = [];
    receiver.respond('/flaky', (request) => {
      if (request.nth < 2) return { status: 500, body: 'try later' };
      // The third attempt is answered only once the other endpoint has had every event, and the test
      // has looked at the delivery meanwhile — within 4 s, below WEBHOOK_TIMEOUT_MS.
      if (request.nth === 2) {
        const steadyDone = known.promise.then(() => receiver.waitForDelivered('/steady', ids, 4_000));
        const looked = Promise.race([checked.promise, new Promise((resolve) => setTimeout(resolve, 4_000))]);
        return { status: 200, until: Promise.all([steadyDone, looked]) };
      }
      return { status: 200 };
    });

    const log = await changes(server, realm.id, 5);
    ids = idsOf(log);
    known.resolve();
    const [first] = log;

    // Between the failed attempts: PENDING, the last answer 500, the next attempt set, after the last one.
    const waiting = await eventually(
      () => endpointState(server, flaky.endpoint.id),
      (now) => deliveryOf(now, first.id)?.lastResponseCode === 500 && deliveryOf(now, first.id)?.nextAttemptAt !== null,
    );
    const pending = deliveryOf(waiting, first.id)!;
    expect(pending).toMatchObject({ status: 'PENDING', eventCursor: first.cursor, eventType: 'IDENTITY_CREATED' });
    expect([1, 2]).toContain(pending.attempts);
    expect(Date.parse(pending.nextAttemptAt!)).toBeGreaterThan(Date.parse(pending.lastAttemptAt!));
    expect(waiting.status).toBe('ACTIVE');
    // The later events of this endpoint were not sent while the first one fails.
    await receiver.waitForRequests('/flaky', 3);
    expect(receiver.idsAt('/flaky')).toEqual([first.id, first.id, first.id]);
    checked.resolve();

    await receiver.waitForDelivered('/flaky', ids);
    const requests = receiver.at('/flaky');
    expect(requests.map((request) => request.webhookId)).toEqual([first.id, first.id, first.id, ...ids.slice(1)]);
    expect(requests.map((request) => request.status)).toEqual([500, 500, 200, 200, 200, 200, 200]);
    expectOrderedDelivery(requests, ids);
    for (const request of requests) expectSignedEvent(request, flaky.secret, log[ids.indexOf(request.webhookId!)], realm.id);
    // Each attempt the same webhook-id and body, a timestamp of its own time.
    expect(new Set(requests.slice(0, 3).map((request) => request.text)).size).toBe(1);
    const stamps = requests.slice(0, 3).map((request) => Number(request.headers['webhook-timestamp']));
    expect([...stamps].sort((x, y) => x - y)).toEqual(stamps);

    // The other endpoint had all five before the failing one's first event got through.
    const steadyRequests = receiver.at('/steady');
    expectOrderedDelivery(steadyRequests, ids);
    for (const request of steadyRequests) expect(verifies(request, steady.secret)).toBe(true);
    expect(Math.max(...steadyRequests.map((request) => request.endedAt!))).toBeLessThanOrEqual(requests[2].endedAt!);

    const done = await eventually(
      () => endpointState(server, flaky.endpoint.id),
      // The endpoint and its deliveries are read by separate statements: one read may fall between
      // the last success's commit and the other, so wait for both.
      (now) => now.deliveries.length === 5 && now.deliveries.every((delivery) => delivery.status === 'SUCCEEDED') && now.lastDeliveredCursor === log[4].cursor,
    );
    expect(done.deliveries.map((delivery) => delivery.eventId)).toEqual([...ids].reverse());
    expect(deliveryOf(done, first.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 3, lastResponseCode: 200, nextAttemptAt: null });
    for (const id of ids.slice(1)) expect(deliveryOf(done, id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1, lastResponseCode: 200 });
    expect(done).toMatchObject({ status: 'ACTIVE', failingSince: null, lastDeliveredCursor: log[4].cursor });

    // The deliveries connection pages newest first, and each delivery is a Node.
    const page = async (after?: string) =>
      (
        await ok(server, `query($id: ID!, $after: String) { node(id: $id) { ... on WebhookEndpoint { deliveries(first: 2, after: $after) { edges { node { eventId } } pageInfo { hasNextPage endCursor } } } } }`, {
          id: flaky.endpoint.id,
          after,
        })
      ).node.deliveries;
    const one = await page();
    const two = await page(one.pageInfo.endCursor);
    expect([...one.edges, ...two.edges].map((edge: { node: { eventId: string } }) => edge.node.eventId)).toEqual([ids[4], ids[3], ids[2], ids[1]]);
    expect(two.pageInfo.hasNextPage).toBe(true);
    const delivery = deliveryOf(done, first.id)!;
    const again = await ok(server, `query($id: ID!) { node(id: $id) { id ... on WebhookDelivery { status attempts eventId endpoint { id } } } }`, { id: delivery.id });
    expect(again.node).toEqual({ id: delivery.id, status: 'SUCCEEDED', attempts: 3, eventId: first.id, endpoint: { id: flaky.endpoint.id } });
  }, 60_000);

  test('a slow endpoint slows nobody else: another gets all 20 events while the slow one holds its first', async () => {
    const realm = await createRealm(server);
    const slow = await createEndpoint(server, realm.id, '/slow');
    await createEndpoint(server, realm.id, '/fast');
    const known = deferred();
    let ids: string[] = [];
    // Its first answer waits until the other endpoint has had all 20 (at most 4 s, below WEBHOOK_TIMEOUT_MS).
    receiver.respond('/slow', (request) =>
      request.nth === 0 ? { status: 200, until: known.promise.then(() => receiver.waitForDelivered('/fast', ids, 4_000)) } : { status: 200 },
    );
    const log = await changes(server, realm.id, 20);
    ids = idsOf(log);
    known.resolve();
    await receiver.waitForDelivered('/slow', ids);
    expectOrderedDelivery(receiver.at('/fast'), ids);
    expectOrderedDelivery(receiver.at('/slow'), ids);
    expect(Math.max(...receiver.at('/fast').map((request) => request.endedAt!))).toBeLessThanOrEqual(receiver.at('/slow')[0].endedAt!);
    for (const request of receiver.at('/slow')) expect(verifies(request, slow.secret)).toBe(true);
  }, 60_000);

  test('a network error or a timeout is retried, with the same webhook-id and body', async () => {
    const realm = await createRealm(server);
    const { endpoint, secret } = await createEndpoint(server, realm.id, '/flap');
    const never = deferred();
    // First the socket closed under it, then no answer at all (past WEBHOOK_TIMEOUT_MS), then 200.
    receiver.respond('/flap', (request) => (request.nth === 0 ? { close: true } : request.nth === 1 ? { until: never.promise } : { status: 200 }));
    const log = await changes(server, realm.id, 2);
    const ids = idsOf(log);
    await receiver.waitForDelivered('/flap', ids, 30_000);
    never.resolve();
    const requests = receiver.at('/flap');
    expect(requests.map((request) => request.webhookId)).toEqual([ids[0], ids[0], ids[0], ids[1]]);
    expect(requests.map((request) => request.outcome)).toEqual(['closed', 'aborted', 'answered', 'answered']);
    expect(new Set(requests.slice(0, 3).map((request) => request.text)).size).toBe(1);
    for (const request of requests) expectSignedEvent(request, secret, log[ids.indexOf(request.webhookId!)], realm.id);
    const state = await eventually(
      () => endpointState(server, endpoint.id),
      (now) => deliveryOf(now, ids[1])?.status === 'SUCCEEDED',
    );
    expect(deliveryOf(state, ids[0])).toMatchObject({ status: 'SUCCEEDED', attempts: 3, lastResponseCode: 200 });
  }, 60_000);

  test('eventTypes: only the events of those types, in order; changed by updateWebhookEndpoint', async () => {
    const realm = await createRealm(server);
    const filtered = await createEndpoint(server, realm.id, '/memberships', { eventTypes: ['MEMBERSHIP_ADDED', 'MEMBERSHIP_REMOVED'] });
    const all = await createEndpoint(server, realm.id, '/all');
    const start = await lastCursor(server, realm.id);
    const ann = await createIdentity(server, realm.id);
    const bob = await createIdentity(server, realm.id);
    const group = await createGroup(server, realm.id, undefined, [ann.id, bob.id]);
    await ok(server, `mutation($g: ID!, $i: ID!) { removeGroupMembers(input: { groupId: $g, identityIds: [$i] }) { group { id } } }`, { g: group.id, i: bob.id });
    const log = await eventsAfter(server, realm.id, start);
    const memberships = log.filter((event) => event.type === 'MEMBERSHIP_ADDED' || event.type === 'MEMBERSHIP_REMOVED');
    expect(memberships.map((event) => event.type)).toEqual(['MEMBERSHIP_ADDED', 'MEMBERSHIP_ADDED', 'MEMBERSHIP_REMOVED']);

    await receiver.waitForDelivered('/all', idsOf(log));
    await receiver.waitForDelivered('/memberships', idsOf(memberships));
    expectOrderedDelivery(receiver.at('/all'), idsOf(log));
    expectOrderedDelivery(receiver.at('/memberships'), idsOf(memberships));
    for (const request of receiver.at('/memberships')) expectSignedEvent(request, filtered.secret, log.find((event) => event.id === request.webhookId)!, realm.id);
    for (const request of receiver.at('/all')) expect(verifies(request, all.secret)).toBe(true);

    const updated = await updateEndpoint(server, { id: filtered.endpoint.id, eventTypes: ['GROUP_CREATED'] });
    expect(updated.eventTypes).toEqual(['GROUP_CREATED']);
    const middle = await lastCursor(server, realm.id);
    await createGroup(server, realm.id, undefined, [ann.id]);
    // The last event is a marker: had the membership been sent, it would have come before it.
    await createGroup(server, realm.id);
    const later = await eventsAfter(server, realm.id, middle);
    const groupsCreated = later.filter((event) => event.type === 'GROUP_CREATED');
    expect(groupsCreated).toHaveLength(2);
    await receiver.waitForDelivered('/memberships', idsOf(groupsCreated));
    expectOrderedDelivery(receiver.at('/memberships'), [...idsOf(memberships), ...idsOf(groupsCreated)]);
  }, 60_000);

  test('replayWebhookEndpoint from a cursor redelivers the events after it, in order, with the same webhook-ids and bodies, then goes on', async () => {
    const realm = await createRealm(server);
    const { endpoint, secret } = await createEndpoint(server, realm.id, '/replay');
    const log = await changes(server, realm.id, 5);
    const ids = idsOf(log);
    await receiver.waitForDelivered('/replay', ids);
    const firstRound = receiver.at('/replay');

    const replayed = await ok(server, `mutation($id: ID!, $after: String!) { replayWebhookEndpoint(input: { id: $id, after: $after }) { webhookEndpoint { id status } } }`, {
      id: endpoint.id,
      after: log[1].cursor,
    });
    expect(replayed.replayWebhookEndpoint.webhookEndpoint).toEqual({ id: endpoint.id, status: 'ACTIVE' });
    await receiver.waitForRequests('/replay', 8);
    const again = receiver.at('/replay').slice(5);
    expect(again.map((request) => request.webhookId)).toEqual(ids.slice(2));
    for (const request of again) {
      const original = firstRound.find((sent) => sent.webhookId === request.webhookId)!;
      expect(request.text).toBe(original.text);
      expectSignedEvent(request, secret, log[ids.indexOf(request.webhookId!)], realm.id);
    }

    const [next] = await changes(server, realm.id, 1);
    await receiver.waitForDelivered('/replay', [next.id]);
    expect(receiver.idsAt('/replay')).toEqual([...ids, ...ids.slice(2), next.id]);
    expect(receiver.overlaps.filter((overlap) => overlap.path === '/replay')).toEqual([]);
  }, 60_000);

  test('an endpoint that answers 410 is DISABLED at once (no retry); updateWebhookEndpoint status ACTIVE resumes it', async () => {
    const realm = await createRealm(server);
    const gone = await createEndpoint(server, realm.id, '/gone');
    await createEndpoint(server, realm.id, '/gone-control');
    receiver.respond('/gone', () => ({ status: 410 }));
    const [first] = await changes(server, realm.id, 1);
    const disabled = await eventually(
      () => endpointState(server, gone.endpoint.id),
      (now) => now.status === 'DISABLED',
    );
    expect(deliveryOf(disabled, first.id)).toMatchObject({ attempts: 1, lastResponseCode: 410, nextAttemptAt: null });
    expect(deliveryOf(disabled, first.id)!.status).not.toBe('SUCCEEDED');

    // Later events: the control endpoint of the same realm gets them; the disabled one nothing more.
    const later = await changes(server, realm.id, 2);
    await receiver.waitForDelivered('/gone-control', [first.id, ...idsOf(later)]);
    expect(receiver.idsAt('/gone')).toEqual([first.id]);
    expect((await endpointState(server, gone.endpoint.id)).status).toBe('DISABLED');

    receiver.respond('/gone', () => ({ status: 204 }));
    expect((await updateEndpoint(server, { id: gone.endpoint.id, status: 'ACTIVE' })).status).toBe('ACTIVE');
    await receiver.waitForDelivered('/gone', idsOf(later));
    // From where it stopped: the later events in order (the 410'd one first, if it is sent again).
    const resumed = receiver.at('/gone').slice(1);
    const expected = resumed[0].webhookId === first.id ? [first.id, ...idsOf(later)] : idsOf(later);
    expectOrderedDelivery(resumed, expected);
    for (const request of resumed) expect(verifies(request, gone.secret)).toBe(true);
  }, 60_000);

  test('redirects are not followed: a 307 is a failure, retried, then the endpoint PAUSED; the target never called', async () => {
    const realm = await createRealm(server);
    const { endpoint } = await createEndpoint(server, realm.id, '/redirect');
    receiver.respond('/redirect', () => ({ status: 307, headers: { location: receiver.url('/redirect-target') } }));
    const [first] = await changes(server, realm.id, 1);
    const paused = await eventually(
      () => endpointState(server, endpoint.id),
      (now) => now.status === 'PAUSED',
    );
    expect(deliveryOf(paused, first.id)).toMatchObject({ status: 'FAILED', attempts: 3, lastResponseCode: 307, nextAttemptAt: null });
    expect(receiver.idsAt('/redirect')).toEqual([first.id, first.id, first.id]);
    expect(receiver.at('/redirect-target')).toEqual([]);
  }, 60_000);

  test('a secret rotated: during the grace both secrets verify (new signature first), the new secret is shown once; after graceSeconds only the new one', async () => {
    const realm = await createRealm(server);
    const { endpoint, secret: original } = await createEndpoint(server, realm.id, '/rotate');
    const [e1] = await changes(server, realm.id, 1);
    const [sent1] = await receiver.waitForDelivered('/rotate', [e1.id]);
    expect(verifies(sent1, original)).toBe(true);
    expect(signaturesOf(sent1)).toHaveLength(1);

    const rotate = async (graceSeconds?: number) => {
      const data = await ok(server, `mutation($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { webhookEndpoint { ${endpointFields} } secret } }`, {
        input: { id: endpoint.id, ...(graceSeconds === undefined ? {} : { graceSeconds }) },
      });
      secrets.push(data.rotateWebhookSecret.secret);
      expect(data.rotateWebhookSecret.webhookEndpoint.id).toBe(endpoint.id);
      return data.rotateWebhookSecret.secret as string;
    };

    // The default grace: a day.
    const renewed = await rotate();
    expect(renewed).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(renewed).not.toBe(original);
    const [e2] = await changes(server, realm.id, 1);
    await receiver.waitForDelivered('/rotate', [e2.id]);
    const sent2 = receiver.deliveredAt('/rotate').find((request) => request.webhookId === e2.id)!;
    expectSignedEvent(sent2, renewed, e2, realm.id);
    expect(verifies(sent2, original)).toBe(true);
    const [newer, older] = signaturesOf(sent2);
    expect(signaturesOf(sent2)).toHaveLength(2);
    expect(verifies(sent2, renewed, newer)).toBe(true);
    expect(verifies(sent2, original, older)).toBe(true);
    expect(verifies(sent2, original, newer)).toBe(false);

    // A grace of one second: once it has passed, only the newest secret signs.
    const newest = await rotate(1);
    expect([original, renewed]).not.toContain(newest);
    const last = await eventually(
      async () => {
        const [event] = await changes(server, realm.id, 1);
        const [request] = (await receiver.waitForDelivered('/rotate', [event.id])).filter((sent) => sent.webhookId === event.id);
        if (verifies(request, renewed)) await new Promise((resolve) => setTimeout(resolve, 200)); // the grace is still running: a fresh event in a moment
        return { event, request };
      },
      ({ request }) => !verifies(request, renewed),
      100,
    );
    expectSignedEvent(last.request, newest, last.event, realm.id);
    expect(signaturesOf(last.request)).toHaveLength(1);
    expect(verifies(last.request, renewed)).toBe(false);
    expect(verifies(last.request, original)).toBe(false);
    // Every request of this endpoint verified with a secret that was valid for it.
    for (const request of receiver.at('/rotate')) expect([original, renewed, newest].some((secret) => verifies(request, secret))).toBe(true);

    const everything = JSON.stringify(await endpointState(server, endpoint.id));
    for (const secret of [original, renewed, newest]) {
      expect(everything).not.toContain(secret.slice('whsec_'.length));
      expect(server.logs.join('\n')).not.toContain(secret.slice('whsec_'.length));
      expect(second.logs.join('\n')).not.toContain(secret.slice('whsec_'.length));
    }
    expectRefused(
      await gql(server, `mutation($id: ID!) { rotateWebhookSecret(input: { id: $id, graceSeconds: 604801 }) { secret } }`, { id: endpoint.id }),
      'INVALID_INPUT',
      ['input', 'graceSeconds'],
      'rotateWebhookSecret',
    );
    expectRefused(
      await gql(server, `mutation($id: ID!) { rotateWebhookSecret(input: { id: $id, graceSeconds: -1 }) { secret } }`, { id: endpoint.id }),
      'INVALID_INPUT',
      ['input', 'graceSeconds'],
      'rotateWebhookSecret',
    );
  }, 60_000);

  test('a deleted endpoint is sent nothing more', async () => {
    const realm = await createRealm(server);
    const doomed = await createEndpoint(server, realm.id, '/doomed');
    await createEndpoint(server, realm.id, '/doomed-control');
    const [e1] = await changes(server, realm.id, 1);
    await receiver.waitForDelivered('/doomed', [e1.id]);
    await ok(server, `mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedWebhookEndpointId } }`, { id: doomed.endpoint.id });
    const later = await changes(server, realm.id, 3);
    await receiver.waitForDelivered('/doomed-control', [e1.id, ...idsOf(later)]);
    expect(receiver.idsAt('/doomed')).toEqual([e1.id]);
  });
});

describe('two instances on one database', () => {
  test('never deliver to one endpoint two requests at once, nor one event twice; each endpoint in commit order through failures', async () => {
    const realm = await createRealm(server);
    const paths = ['/pair-0', '/pair-1', '/pair-2', '/pair-3'];
    const endpoints: Array<{ endpoint: Endpoint; secret: string }> = [];
    for (const [n, path] of paths.entries()) {
      endpoints.push(await createEndpoint(n % 2 === 0 ? server : second, realm.id, path));
      // Answers that take a while, so that requests in flight last; every fifth one a 500, retried.
      receiver.respond(path, (request) => ({ status: request.nth % 5 === 4 ? 500 : 200, delayMs: 5 + ((request.nth * 7) % 20) }));
    }
    const start = await lastCursor(server, realm.id);
    await Promise.all(Array.from({ length: 60 }, (_, n) => createIdentity(n % 2 === 0 ? server : second, realm.id)));
    const log = await eventsAfter(server, realm.id, start);
    expect(log).toHaveLength(60);
    const ids = idsOf(log);
    for (const path of paths) await receiver.waitForDelivered(path, ids, 120_000);

    for (const [n, path] of paths.entries()) {
      expect({ path, overlaps: receiver.overlaps.filter((overlap) => overlap.path === path) }).toEqual({ path, overlaps: [] });
      expectOrderedDelivery(receiver.at(path), ids);
      for (const request of receiver.at(path)) expect(verifies(request, endpoints[n].secret)).toBe(true);
    }
  }, 150_000);
});

describe('pausing after the schedule', () => {
  let fast: TestServer;
  beforeAll(async () => {
    fast = await startTestServer({ env: { ...webhookEnv, WEBHOOK_RETRY_DELAYS_MS: '100,100' } });
  }, 60_000);
  afterAll(() => fast?.close());

  /** An endpoint whose receiver always answers 500, PAUSED after its three attempts at the first of two events. */
  async function pausedEndpoint(path: string) {
    const realm = await createRealm(fast);
    receiver.respond(path, () => ({ status: 500 }));
    const { endpoint, secret } = await createEndpoint(fast, realm.id, path);
    const start = await lastCursor(fast, realm.id);
    await createIdentity(fast, realm.id);
    await createIdentity(fast, realm.id);
    const [e1, e2] = await eventsAfter(fast, realm.id, start);
    const paused = await eventually(
      () => endpointState(fast, endpoint.id),
      (now) => now.status === 'PAUSED',
    );
    const [pausedEvent] = await eventually(
      () => eventsAfter(fast, realm.id, start, ['WEBHOOK_ENDPOINT_PAUSED']),
      (events) => events.length > 0,
    );
    return { realm, endpoint, secret, e1, e2, paused, pausedEvent };
  }

  test('a receiver that always fails: the delivery FAILED after 3 attempts, the endpoint PAUSED, a WEBHOOK_ENDPOINT_PAUSED event; resumed with status ACTIVE it delivers on', async () => {
    const { realm, endpoint, secret, e1, e2, paused, pausedEvent } = await pausedEndpoint('/down');
    const failed = deliveryOf(paused, e1.id)!;
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 3, lastResponseCode: 500, nextAttemptAt: null });
    expect(paused.failingSince).not.toBeNull();
    // Three attempts at the first event; the second held back.
    expect(receiver.idsAt('/down')).toEqual([e1.id, e1.id, e1.id]);
    for (const request of receiver.at('/down')) expectSignedEvent(request, secret, e1, realm.id);

    expect(pausedEvent).toMatchObject({ type: 'WEBHOOK_ENDPOINT_PAUSED', actor: null });
    expect(pausedEvent.data).toEqual({ webhookEndpointId: endpoint.id, url: receiver.url('/down'), reason: 'RETRIES_EXHAUSTED', deliveryId: failed.id, eventId: e1.id });
    expect(JSON.stringify(pausedEvent)).not.toContain(secret.slice('whsec_'.length));
    const log = await eventsAfter(fast, realm.id, null);
    expect(idsOf(log).indexOf(pausedEvent.id)).toBeGreaterThan(idsOf(log).indexOf(e2.id));

    receiver.respond('/down', () => ({ status: 200 }));
    expect((await updateEndpoint(fast, { id: endpoint.id, status: 'ACTIVE' })).status).toBe('ACTIVE');
    // It delivers on: the held-back event, then the pause's own event (every type), in order.
    await receiver.waitForDelivered('/down', [e2.id, pausedEvent.id]);
    const resumed = receiver.at('/down').slice(3);
    const expected = resumed[0].webhookId === e1.id ? [e1.id, e2.id, pausedEvent.id] : [e2.id, pausedEvent.id];
    expectOrderedDelivery(resumed, expected);
    expectSignedEvent(resumed.find((request) => request.webhookId === e2.id)!, secret, e2, realm.id);
    expectSignedEvent(resumed.find((request) => request.webhookId === pausedEvent.id)!, secret, pausedEvent, realm.id);
    const state = await eventually(
      () => endpointState(fast, endpoint.id),
      (now) => now.lastDeliveredCursor === pausedEvent.cursor,
    );
    expect(state).toMatchObject({ status: 'ACTIVE', failingSince: null });
  }, 60_000);

  test('retryWebhookDelivery sends a FAILED delivery again, with the same webhook-id and body, and resumes its paused endpoint', async () => {
    const { realm, endpoint, secret, e1, e2, paused, pausedEvent } = await pausedEndpoint('/again');
    const failed = deliveryOf(paused, e1.id)!;
    const failedBody = receiver.at('/again')[0].text;
    receiver.respond('/again', () => ({ status: 200 }));
    const retried = await ok(fast, `mutation($id: ID!) { retryWebhookDelivery(input: { id: $id }) { webhookDelivery { id eventId status } } }`, { id: failed.id });
    expect(retried.retryWebhookDelivery.webhookDelivery).toMatchObject({ id: failed.id, eventId: e1.id });
    expect(['PENDING', 'SUCCEEDED']).toContain(retried.retryWebhookDelivery.webhookDelivery.status);

    await receiver.waitForDelivered('/again', [e1.id, e2.id, pausedEvent.id]);
    const after = receiver.at('/again').slice(3);
    expect(after[0].webhookId).toBe(e1.id);
    expect(after[0].text).toBe(failedBody);
    expectOrderedDelivery(after, [e1.id, e2.id, pausedEvent.id]);
    for (const request of after) expectSignedEvent(request, secret, [e1, e2, pausedEvent].find((event) => event.id === request.webhookId)!, realm.id);

    const state = await eventually(
      () => endpointState(fast, endpoint.id),
      (now) => deliveryOf(now, e1.id)?.status === 'SUCCEEDED' && now.lastDeliveredCursor === pausedEvent.cursor,
    );
    expect(state.status).toBe('ACTIVE');
    expect(deliveryOf(state, e1.id)).toMatchObject({ lastResponseCode: 200, nextAttemptAt: null });
    expect(deliveryOf(state, e1.id)!.attempts).toBeGreaterThanOrEqual(4);
  }, 60_000);
});

describe('URLs that could reach inside the network (SSRF)', () => {
  let guarded: TestServer;
  let creator: TestServer;
  beforeAll(async () => {
    // WEBHOOK_ALLOW_PRIVATE_NETWORKS unset: the production default.
    guarded = await startTestServer({ env: { WEBHOOK_RETRY_DELAYS_MS: '200,400', RATE_LIMIT_PER_MINUTE: '0' } });
    // An instance that allows them, on the same database, delivering nothing itself: the guarded one delivers.
    creator = await startTestServer({ db: guarded.db, runJobs: false, env: webhookEnv });
  }, 60_000);
  afterAll(async () => {
    await creator?.close();
    await guarded?.close();
  });

  const create = (s: TestServer, realmId: string, url: string) =>
    gql(s, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } secret } }`, { input: { realmId, url } });

  test('loopback, private, link-local, CGNAT, unspecified and metadata addresses are refused with WEBHOOK_URL_NOT_ALLOWED at ["input","url"]', async () => {
    const realm = await createRealm(guarded);
    const refused = [
      `http://127.0.0.1:${new URL(receiver.origin).port}/hook`,
      'http://127.1.2.3/',
      'http://localhost/',
      'http://localhost:8080/hook',
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.1.1/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[::]/',
      'http://[fc00::1]/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:169.254.169.254]/',
      // Other spellings of 127.0.0.1 that a URL parser turns into it.
      'http://2130706433/',
      'http://0x7f.0.0.1/',
      'http://0177.0.0.1/',
    ];
    for (const url of refused) {
      const result = await create(guarded, realm.id, url);
      expect({ url, code: result.errors?.[0]?.extensions.code }).toEqual({ url, code: 'WEBHOOK_URL_NOT_ALLOWED' });
      expectRefused(result, 'WEBHOOK_URL_NOT_ALLOWED', ['input', 'url'], 'createWebhookEndpoint');
    }
    // A public address is fine (an IP literal: no DNS needed), and it cannot be changed into a private one.
    const allowed = await create(guarded, realm.id, 'https://1.1.1.1/hooks/realmgraph');
    expect(allowed.errors).toBeUndefined();
    secrets.push(allowed.data.createWebhookEndpoint.secret);
    const id = allowed.data.createWebhookEndpoint.webhookEndpoint.id;
    expectRefused(
      await gql(guarded, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, url: "http://169.254.169.254/" }) { webhookEndpoint { id } } }`, { id }),
      'WEBHOOK_URL_NOT_ALLOWED',
      ['input', 'url'],
      'updateWebhookEndpoint',
    );
    const unchanged = await ok(guarded, `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { url } } }`, { id });
    expect(unchanged.node.url).toBe('https://1.1.1.1/hooks/realmgraph');
    const listed = await ok(guarded, `query($id: ID!) { realm(id: $id) { webhookEndpoints(first: 50) { edges { node { url } } } } }`, { id: realm.id });
    expect(listed.realm.webhookEndpoints.edges.map((edge: { node: { url: string } }) => edge.node.url)).toEqual(['https://1.1.1.1/hooks/realmgraph']);
  });

  test('what is not an absolute http(s) URL without credentials, of at most 2 048 characters, is refused — private networks allowed or not', async () => {
    for (const s of [guarded, creator]) {
      const realm = await createRealm(s);
      const malformed = [
        'ftp://1.1.1.1/hook',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'gopher://1.1.1.1/',
        '/relative/hook',
        'not a url',
        '',
        'https://user:password@1.1.1.1/hook',
        'https://token@1.1.1.1/hook',
        `https://1.1.1.1/${'a'.repeat(2048)}`,
      ];
      for (const url of malformed) {
        const result = await create(s, realm.id, url);
        expect({ url, refused: result.errors !== undefined }).toEqual({ url, refused: true });
        expectRefused(result, ['INVALID_INPUT', 'WEBHOOK_URL_NOT_ALLOWED'], ['input', 'url'], 'createWebhookEndpoint');
      }
      // 2 048 characters exactly is fine.
      const longest = `https://1.1.1.1/${'a'.repeat(2048 - 'https://1.1.1.1/'.length)}`;
      const fine = await create(s, realm.id, longest);
      expect(fine.errors).toBeUndefined();
      secrets.push(fine.data.createWebhookEndpoint.secret);
    }
  });

  test('checked again at delivery: an endpoint on loopback is not called by an instance that does not allow private networks; the delivery says why', async () => {
    const realm = await createRealm(creator);
    const made = await create(creator, realm.id, receiver.url('/inside'));
    expect(made.errors).toBeUndefined();
    secrets.push(made.data.createWebhookEndpoint.secret);
    const id: string = made.data.createWebhookEndpoint.webhookEndpoint.id;
    const start = await lastCursor(creator, realm.id);
    await createIdentity(creator, realm.id);
    const [event] = await eventsAfter(creator, realm.id, start);
    const state = await eventually(
      () => endpointState(guarded, id),
      (now) => (deliveryOf(now, event.id)?.attempts ?? 0) >= 1 && deliveryOf(now, event.id)?.lastError != null,
    );
    const delivery = deliveryOf(state, event.id)!;
    expect(delivery.status).not.toBe('SUCCEEDED');
    expect(delivery.lastResponseCode).toBeNull();
    expect(delivery.lastError).toMatch(/loopback|private|not allowed/i);
    expect(delivery.lastError).not.toMatch(/\n\s+at /);
    expect(receiver.at('/inside')).toEqual([]);
  });
});

describe('scopes', () => {
  test('webhooks:read reads, webhooks:write changes; without them FORBIDDEN; a token of another realm finds nothing (NOT_FOUND)', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const { endpoint } = await createEndpoint(server, realm.id, '/scoped');
    const [event] = await changes(server, realm.id, 1);
    await receiver.waitForDelivered('/scoped', [event.id]);
    const delivery = deliveryOf(
      await eventually(
        () => endpointState(server, endpoint.id),
        (now) => deliveryOf(now, event.id)?.status === 'SUCCEEDED',
      ),
      event.id,
    )!;

    const none = await server.createToken(['realms:read', 'events:read', 'identities:write']);
    const reader = await server.createToken(['realms:read', 'webhooks:read']);
    const writer = await server.createToken(['realms:read', 'webhooks:write']);
    const foreign = await server.createToken(['realms:read', 'webhooks:write', 'events:read'], other.id);

    const list = `query($id: ID!) { realm(id: $id) { id webhookEndpoints(first: 10) { edges { node { id } } } } }`;
    const byNode = `query($id: ID!) { node(id: $id) { id ... on WebhookEndpoint { url deliveries(first: 5) { edges { node { id } } } } } }`;
    const writes: Array<[string, string, Record<string, unknown>, Array<string | number>]> = [
      ['createWebhookEndpoint', `mutation($v: ID!) { createWebhookEndpoint(input: { realmId: $v, url: "https://1.1.1.1/x" }) { secret } }`, { v: realm.id }, ['input', 'realmId']],
      ['updateWebhookEndpoint', `mutation($v: ID!) { updateWebhookEndpoint(input: { id: $v, description: "mallory" }) { webhookEndpoint { id } } }`, { v: endpoint.id }, ['input', 'id']],
      ['rotateWebhookSecret', `mutation($v: ID!) { rotateWebhookSecret(input: { id: $v }) { secret } }`, { v: endpoint.id }, ['input', 'id']],
      ['replayWebhookEndpoint', `mutation($v: ID!, $c: String!) { replayWebhookEndpoint(input: { id: $v, after: $c }) { webhookEndpoint { id } } }`, { v: endpoint.id, c: event.cursor }, ['input', 'id']],
      ['retryWebhookDelivery', `mutation($v: ID!) { retryWebhookDelivery(input: { id: $v }) { webhookDelivery { id } } }`, { v: delivery.id }, ['input', 'id']],
      ['deleteWebhookEndpoint', `mutation($v: ID!) { deleteWebhookEndpoint(input: { id: $v }) { deletedWebhookEndpointId } }`, { v: endpoint.id }, ['input', 'id']],
    ];

    // No webhooks scope: nothing read, nothing written.
    const hidden = await gql(server, list, { id: realm.id }, none.token);
    expect(hidden.data.realm).toEqual({ id: realm.id, webhookEndpoints: null });
    expect(hidden.errors?.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
    expect((await gql(server, byNode, { id: endpoint.id }, none.token)).data?.node ?? null).toBeNull();
    for (const [root, query, variables] of writes) {
      expectRefused(await gql(server, query, variables, none.token), 'FORBIDDEN', undefined, root);
      expectRefused(await gql(server, query, variables, reader.token), 'FORBIDDEN', undefined, root);
    }

    // webhooks:read reads all of it.
    const read = await gql(server, list, { id: realm.id }, reader.token);
    expect(read.errors).toBeUndefined();
    expect(read.data.realm.webhookEndpoints.edges).toEqual([{ node: { id: endpoint.id } }]);
    const node = await gql(server, byNode, { id: endpoint.id }, reader.token);
    expect(node.errors).toBeUndefined();
    expect(node.data.node).toEqual({ id: endpoint.id, url: receiver.url('/scoped'), deliveries: { edges: [{ node: { id: delivery.id } }] } });

    // A token bound to another realm: the endpoint and its delivery do not exist for it; its realm is not its to name.
    expect((await gql(server, byNode, { id: endpoint.id }, foreign.token)).data?.node ?? null).toBeNull();
    expect((await gql(server, `query($id: ID!) { node(id: $id) { id } }`, { id: delivery.id }, foreign.token)).data?.node ?? null).toBeNull();
    for (const [root, query, variables, inputPath] of writes) {
      expectRefused(await gql(server, query, variables, foreign.token), root === 'createWebhookEndpoint' ? 'FORBIDDEN' : 'NOT_FOUND', inputPath, root);
    }
    expect((await endpointState(server, endpoint.id)).description).toBeNull();

    // webhooks:write does all of it (and reads).
    const made = await gql(server, `mutation($v: ID!) { createWebhookEndpoint(input: { realmId: $v, url: "https://1.1.1.1/writer" }) { webhookEndpoint { id } secret } }`, { v: realm.id }, writer.token);
    expect(made.errors).toBeUndefined();
    secrets.push(made.data.createWebhookEndpoint.secret);
    const rotated = await gql(server, `mutation($v: ID!) { rotateWebhookSecret(input: { id: $v, graceSeconds: 0 }) { secret } }`, { v: made.data.createWebhookEndpoint.webhookEndpoint.id }, writer.token);
    expect(rotated.errors).toBeUndefined();
    secrets.push(rotated.data.rotateWebhookSecret.secret);
    const removed = await gql(server, `mutation($v: ID!) { deleteWebhookEndpoint(input: { id: $v }) { deletedWebhookEndpointId } }`, { v: made.data.createWebhookEndpoint.webhookEndpoint.id }, writer.token);
    expect(removed.errors).toBeUndefined();
    expect((await gql(server, list, { id: realm.id }, writer.token)).errors).toBeUndefined();
  });
});

describe('errors', () => {
  test('unknown IDs and cursors are refused without a stack trace or a secret', async () => {
    const realm = await createRealm(server);
    const { endpoint } = await createEndpoint(server, realm.id, '/errors');
    const identity = await createIdentity(server, realm.id);
    expectRefused(
      await gql(server, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, description: "x" }) { webhookEndpoint { id } } }`, { id: identity.id }),
      ['INVALID_ID', 'NOT_FOUND'],
      ['input', 'id'],
      'updateWebhookEndpoint',
    );
    expectRefused(
      await gql(server, `mutation($id: ID!) { retryWebhookDelivery(input: { id: $id }) { webhookDelivery { id } } }`, { id: endpoint.id }),
      ['INVALID_ID', 'NOT_FOUND'],
      ['input', 'id'],
      'retryWebhookDelivery',
    );
    expectRefused(
      await gql(server, `mutation($id: ID!) { replayWebhookEndpoint(input: { id: $id, after: "not-a-cursor" }) { webhookEndpoint { id } } }`, { id: endpoint.id }),
      ['INVALID_CURSOR', 'INVALID_INPUT', 'EVENT_CURSOR_EXPIRED'],
      ['input', 'after'],
      'replayWebhookEndpoint',
    );
  });
});
