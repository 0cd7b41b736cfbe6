import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { RawConnection } from '../helpers/raw-connection';
import { startTestServer, type TestServer } from '../helpers/server';
import { startServerProcess } from '../helpers/server-process';

/*
 * One budget across instances (issue #16): two real instances on one database, the requests sent
 * to each in turn. On their own buckets they would admit twice the budget; shared, they admit the
 * budget within the documented bound (src/shared-limits/rate-budget.ts): at most
 * instances × max(1, ⌊budget / 20⌋) more, or as many fewer, plus what refills while the test runs.
 */

const perMinute = 60;
const instances = 2;
/** The most one instance holds in a lease: 5 % of the budget, at least one request. */
const slice = (budget: number) => Math.max(1, Math.floor(budget / 20));

/** A request's worth refills every 60 000 / budget ms: what the bucket may add while requests are sent. */
async function timed<T>(work: () => Promise<T>, budget: number): Promise<{ result: T; refilled: number }> {
  const started = Date.now();
  const result = await work();
  return { result, refilled: Math.ceil(((Date.now() - started) * budget) / 60_000) };
}

async function post(url: string, headers: Record<string, string>, query = '{ __typename }') {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  await response.arrayBuffer();
  return response.status;
}

/** `count` requests, to each server in turn, one after another: their statuses. */
async function alternate(servers: readonly TestServer[], count: number, headers: (i: number) => Record<string, string>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push(await post(servers[i % servers.length].url, headers(i)));
  return statuses;
}

const outOfReach = (server: TestServer) => server.logs.filter((line) => line.includes('out of reach'));

describe('rate limits shared by two instances', () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { RATE_LIMIT_PER_MINUTE: String(perMinute), AUTH_FAILURES_PER_MINUTE: '10', TRUST_PROXY: 'loopback' };
    a = await startTestServer({ db, runJobs: false, env });
    b = await startTestServer({ db, runJobs: false, env });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await db.drop();
  });

  test('one token: the two admit its budget once, not twice', async () => {
    const { token } = await a.createToken(['realms:read']);
    const { result: statuses, refilled } = await timed(() => alternate([a, b], 2 * perMinute, () => ({ authorization: `Bearer ${token}` })), perMinute);
    const admitted = statuses.filter((status) => status === 200).length;
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(admitted).toBeLessThanOrEqual(perMinute + instances * slice(perMinute) + refilled);
    expect(admitted).toBeGreaterThanOrEqual(perMinute - instances * slice(perMinute));
    // Both instances admitted and refused: the budget was the pair's.
    expect(new Set(statuses.filter((_, i) => i % 2 === 0))).toEqual(new Set([200, 429]));
    expect(new Set(statuses.filter((_, i) => i % 2 === 1))).toEqual(new Set([200, 429]));
    expect([...outOfReach(a), ...outOfReach(b)]).toEqual([]);
  });

  test('one client address without a token: the two admit its budget once', async () => {
    const { result: statuses, refilled } = await timed(() => alternate([a, b], 2 * perMinute, () => ({ 'x-forwarded-for': '198.51.100.7' })), perMinute);
    const admitted = statuses.filter((status) => status === 200).length;
    expect(admitted).toBeLessThanOrEqual(perMinute + instances * slice(perMinute) + refilled);
    expect(admitted).toBeGreaterThanOrEqual(perMinute - instances * slice(perMinute));
  });

  test('failed authentications from one address: the two allow AUTH_FAILURES_PER_MINUTE once', async () => {
    const failures = 10;
    const { result: statuses, refilled } = await timed(
      () => alternate([a, b], 4 * failures, () => ({ 'x-forwarded-for': '203.0.113.7', authorization: `Bearer rg_${randomBytes(32).toString('base64url')}` })),
      failures,
    );
    const lookedUp = statuses.filter((status) => status === 401).length;
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    expect(lookedUp).toBeLessThanOrEqual(failures + instances * slice(failures) + refilled);
    expect(lookedUp).toBeGreaterThanOrEqual(failures - instances * slice(failures));
  });
});

describe('WebSocket connections per token across two instances', () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { MAX_WS_CONNECTIONS_PER_TOKEN: '2', WS_CONNECTION_TTL_MS: '1000' };
    a = await startTestServer({ db, runJobs: false, env });
    b = await startTestServer({ db, runJobs: false, env });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await db.drop();
  });

  const init = () => ({ authorization: `Bearer ${a.adminToken}` });
  const refusedAsFull = { code: 1013, reason: expect.stringMatching(/^TOO_MANY_CONNECTIONS: 2 connections/) };

  test('MAX_WS_CONNECTIONS_PER_TOKEN counts both: the third, on either, is closed 1013 TOO_MANY_CONNECTIONS until one closes', async () => {
    const first = await RawConnection.open(a.wsUrl, init());
    const second = await RawConnection.open(b.wsUrl, init());
    try {
      await expect(RawConnection.open(a.wsUrl, init())).rejects.toMatchObject(refusedAsFull);
      await expect(RawConnection.open(b.wsUrl, init())).rejects.toMatchObject(refusedAsFull);
      // Closing the one on A frees a place on B (A learns of the close a moment after the client).
      await first.close();
      const third = await eventually(
        () => RawConnection.open(b.wsUrl, init()).catch((error: { code: number }) => error),
        (outcome) => outcome instanceof RawConnection,
      );
      await (third as RawConnection).close();
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('a crashed instance’s connections stop counting once WS_CONNECTION_TTL_MS has passed', async () => {
    const crashing = await startServerProcess({ DATABASE_URL: db.url, MAX_WS_CONNECTIONS_PER_TOKEN: '2', WS_CONNECTION_TTL_MS: '1000' });
    const wsUrl = crashing.url.replace(/^http/, 'ws');
    const held = [await RawConnection.open(wsUrl, init()), await RawConnection.open(wsUrl, init())];
    await expect(RawConnection.open(b.wsUrl, init())).rejects.toMatchObject(refusedAsFull);
    // No shutdown, no close handler: its rows stay, and stop counting when their heartbeat does.
    crashing.child.kill('SIGKILL');
    await crashing.exited;
    await Promise.all(held.map((connection) => connection.closed));
    const admitted = await eventually(
      () => RawConnection.open(b.wsUrl, init()).catch((error: { code: number }) => error),
      (outcome) => outcome instanceof RawConnection,
    );
    expect((admitted as RawConnection) instanceof RawConnection).toBe(true);
    const another = await RawConnection.open(a.wsUrl, init());
    await expect(RawConnection.open(a.wsUrl, init())).rejects.toMatchObject(refusedAsFull);
    await another.close();
    await (admitted as RawConnection).close();
  });
});
