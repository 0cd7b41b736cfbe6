import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { outageSettings, startAppOn, type RunningApp } from '../helpers/app-process';
import { eventually } from '../helpers/eventually';
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres';
import { RawConnection } from '../helpers/raw-connection';
import { testAdminToken } from '../helpers/server';

/**
 * Issue #10, "outages said as outages": with the database frozen (SIGSTOP) or stopped, every
 * answer comes while it is still down, coded SERVICE_UNAVAILABLE (HTTP 503 + Retry-After,
 * WebSocket 1013), naming no address; once it is back, realmgraph serves again without a restart
 * and the streams lose nothing. On a PostgreSQL of this file's own, never the shared one.
 */
jest.setTimeout(60_000);

let pg: OwnPostgres;
let app: RunningApp;
let base: string;
let url: string;
let wsUrl: string;

beforeAll(async () => {
  pg = await startOwnPostgres();
  // Short timeouts, so that an outage is said quickly; no token cache, so that every request and
  // every WebSocket operation meets the database to authenticate.
  app = await startAppOn(pg.url, { ...outageSettings, CORS_ORIGINS: browserOrigin });
  ({ base, url, wsUrl } = app);
});

afterAll(async () => {
  await pg?.thaw();
  await app?.close();
  await pg?.destroy();
});

/** The requests come from a page of a listed origin, which must be able to read an outage's answer and its Retry-After. */
const browserOrigin = 'http://localhost:5173';

/** Every answer and close reason a client got during an outage: none may name an address or the driver. */
const said: string[] = [];
const internals = () => new RegExp(`ECONN|127\\.0\\.0\\.1|localhost|::1|\\b${pg.port}\\b|timeout|terminated|Context creation`, 'i');

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: Array<{ message: string; extensions: Record<string, unknown> }> };
}

async function post(query: string, variables?: Record<string, unknown>, token: string | null = testAdminToken): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: browserOrigin, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  said.push(text);
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

async function ok(query: string, variables?: Record<string, unknown>): Promise<any> {
  const answer = await post(query, variables);
  if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
  return answer.body.data;
}

/**
 * A realm with one event already, and the cursor after it: a subscription `after` it replays what
 * comes later whenever the server registers it (a fresh realm's cursor is null, and `after: null`
 * would be "from when the subscription starts", which races the first write).
 */
async function createRealm(name: string): Promise<{ id: string; cursor: string }> {
  const data = await ok(`mutation($input: CreateRealmInput!) { createRealm(input: $input) { realm { id } } }`, { input: { name, displayName: name } });
  const { id } = data.createRealm.realm;
  await createIdentity(id, `${name}-first`);
  const { realm } = await ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id });
  return { id, cursor: realm.lastEventCursor };
}

async function createIdentity(realmId: string, username: string): Promise<void> {
  await ok(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id } } }`, {
    input: { realmId, displayName: username, username, primaryEmail: `${username}@example.com` },
  });
}

/** The realm's log after `after`, oldest first. */
async function eventLog(realmId: string, after: string): Promise<string[]> {
  const data = await ok(`query($id: ID!, $after: String) { realm(id: $id) { events(after: $after, first: 100) { edges { node { id } } } } }`, { id: realmId, after });
  return data.realm.events.edges.map((edge: { node: { id: string } }) => edge.node.id);
}

/** The database answers again: a real request, asked again until it succeeds (no event says so). */
const serving = () => eventually(() => post('{ realms { totalCount } }'), (answer) => answer.status === 200, 200);

/** The first way a new connection's connection_init ends: acknowledged, or closed. */
async function connectionInit(): Promise<{ code: number; reason: string } | 'acknowledged'> {
  try {
    const connection = await RawConnection.open(wsUrl, { authorization: `Bearer ${testAdminToken}` });
    await connection.close();
    return 'acknowledged';
  } catch (error) {
    const { code, reason } = error as { code: number; reason: string };
    said.push(reason);
    return { code, reason };
  }
}

const realmEvents = `subscription($realmId: ID!, $after: String) { realmEvents(realmId: $realmId, after: $after) { id cursor type } }`;

/**
 * A subscriber that reacts as the README tells clients to: it keeps the cursor of the last event
 * it handled and, on SERVICE_UNAVAILABLE, subscribes again after it (after a short backoff). What
 * it received, in order, is `events`; `received(n)` waits until it has n in all (counted from the
 * start, not from the call: events may arrive before a test asks for them).
 */
function resumingSubscriber(client: Client, realmId: string, after: string) {
  const events: Array<{ id: string; cursor: string }> = [];
  const waiters: Array<() => void> = [];
  let cursor: string = after;
  let failure: unknown;
  const start = (): void => {
    client.subscribe<{ realmEvents: { id: string; cursor: string } }>(
      { query: realmEvents, variables: { realmId, after: cursor } },
      {
        next: ({ data, errors }) => {
          if (errors) return retryOrFail(errors);
          events.push(data!.realmEvents);
          cursor = data!.realmEvents.cursor;
          for (const wake of waiters.splice(0)) wake();
        },
        error: (error) => retryOrFail(error),
        complete: () => {},
      },
    );
  };
  const retryOrFail = (error: unknown) => {
    const errors = Array.isArray(error) ? error : [];
    said.push(JSON.stringify(error));
    if (errors.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) setTimeout(start, 250);
    else {
      failure = error;
      for (const wake of waiters.splice(0)) wake();
    }
  };
  start();
  return {
    events,
    received: async (count: number) => {
      while (events.length < count) {
        if (failure) throw new Error(`the subscription failed: ${JSON.stringify(failure)}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

function wsClient(options: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${testAdminToken}` },
    retryAttempts: 0,
    ...options,
  });
}

/** What every client sees while the database does not answer, asked at once (each waits out a timeout). */
async function expectOutageAnswers(open: RawConnection): Promise<void> {
  const [authenticated, anonymous, ready, init, operation] = await Promise.all([
    // Authentication cannot reach the database.
    post('{ realms { totalCount } }'),
    // No token, so no authentication: the resolver meets the outage (a well-formed token nobody issued).
    post(
      'mutation($token: String!) { acceptInvitation(input: { token: $token, displayName: "Ann", username: "ann" }) { identity { id } } }',
      { token: 'x'.repeat(43) },
      null,
    ),
    fetch(`${base}/readyz`).then(async (response) => ({ status: response.status, body: await response.text() })),
    connectionInit(),
    // An operation on a connection opened before: its re-authentication cannot reach the database.
    open.run('{ __typename }'),
  ]);
  for (const answer of [authenticated, anonymous]) {
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.headers.get('access-control-allow-origin')).toBe(browserOrigin);
    expect(answer.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/cannot reach its database/), extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: expect.any(Number) }) }),
    ]);
  }
  expect(ready.status).toBe(503);
  expect(JSON.parse(ready.body)).toEqual({ status: 'not ready', reason: expect.stringMatching(/^The database (did not answer|cannot be reached)/) });
  said.push(ready.body);
  // 1013 "Try Again Later": graphql-ws' client retries it, where it gives up on 4401 and 4403.
  expect(init).toEqual({ code: 1013, reason: expect.stringMatching(/^SERVICE_UNAVAILABLE: /) });
  said.push(JSON.stringify(operation));
  expect(operation).toEqual({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }) })] });
  expect(open.isOpen).toBe(true);
}

/** Back to serving, with no restart: requests, the connection that stayed open, new connections. */
async function expectRecovery(open: RawConnection): Promise<void> {
  await serving();
  expect(await open.run('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
  expect(await connectionInit()).toBe('acknowledged');
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
}

describe('the database frozen (SIGSTOP), then thawed', () => {
  test('every answer comes while it is frozen, coded and retryable; afterwards it serves again and the stream loses nothing', async () => {
    const realm = await createRealm('frozen');
    const client = wsClient();
    const subscriber = resumingSubscriber(client, realm.id, realm.cursor);
    await createIdentity(realm.id, 'before');
    await subscriber.received(1);
    const open = await RawConnection.open(wsUrl, { authorization: `Bearer ${testAdminToken}` });
    try {
      await pg.freeze();
      try {
        await expectOutageAnswers(open);
      } finally {
        await pg.thaw();
      }
      await expectRecovery(open);

      await createIdentity(realm.id, 'after-1');
      await createIdentity(realm.id, 'after-2');
      await subscriber.received(3);
      expect(subscriber.events.map((event) => event.id)).toEqual(await eventLog(realm.id, realm.cursor));
      expect(said.join('\n')).not.toMatch(internals());
    } finally {
      await open.close();
      await client.dispose();
    }
  });
});

describe('the database stopped, then started again on the same port and data', () => {
  test('every answer comes while it is down, none says ECONNREFUSED; graphql-ws’ own client retries 1013 until it is back', async () => {
    const realm = await createRealm('restarted');
    const client = wsClient();
    const subscriber = resumingSubscriber(client, realm.id, realm.cursor);
    await createIdentity(realm.id, 'before');
    await subscriber.received(1);
    const open = await RawConnection.open(wsUrl, { authorization: `Bearer ${testAdminToken}` });
    let retrying: Client | undefined;
    try {
      await pg.stop();
      try {
        await expectOutageAnswers(open);
        // A client that comes during the outage: refused with 1013, it retries by itself.
        const closes: Array<{ code: number; reason: string }> = [];
        let refused!: () => void;
        const firstRefusal = new Promise<void>((resolve) => (refused = resolve));
        retrying = wsClient({
          retryAttempts: 1000,
          retryWait: () => new Promise((resolve) => setTimeout(resolve, 200)),
          on: {
            closed: (event) => {
              const { code, reason } = event as { code: number; reason: string };
              closes.push({ code, reason: String(reason) });
              said.push(String(reason));
              refused();
            },
          },
        });
        const late = resumingSubscriber(retrying, realm.id, realm.cursor);
        await firstRefusal;
        expect(closes[0]).toEqual({ code: 1013, reason: expect.stringMatching(/^SERVICE_UNAVAILABLE: /) });
        await pg.start();
        await expectRecovery(open);

        await createIdentity(realm.id, 'after-1');
        await subscriber.received(2);
        await late.received(2);
        const log = await eventLog(realm.id, realm.cursor);
        expect(subscriber.events.map((event) => event.id)).toEqual(log);
        expect(late.events.map((event) => event.id)).toEqual(log);
      } finally {
        // Started again whatever happened, for the next test and for afterAll.
        await pg.start().catch(() => {});
      }
      expect(said.join('\n')).not.toMatch(/ECONNREFUSED/);
      expect(said.join('\n')).not.toMatch(internals());
    } finally {
      await open.close();
      await client.dispose();
      await retrying?.dispose();
    }
  });
});
