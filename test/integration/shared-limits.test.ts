import { createLogger } from '../../src/logger';
import { SharedRateLimiter } from '../../src/shared-limits/rate-budget';
import { createSharedLimits } from '../../src/shared-limits/shared-limits';
import { leaseTokens } from '../../src/shared-limits/shared-limits.repository';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { freePort } from '../helpers/net';

describe('the shared token bucket', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());
  /** A limiter whose buckets are in the test database. */
  const sharedLimiter = (scope: string, perMinute: number) =>
    new SharedRateLimiter({
      scope,
      perMinute,
      store: (scope, key, capacity, maxGrant, returned) => leaseTokens(db.dataSource, scope, key, capacity, maxGrant, returned),
      logger: createLogger('error'),
    });

  test('a lease takes at most 5 % of the budget, at most a quarter of what is left, one request near the end, none when empty', async () => {
    const grants: number[] = [];
    for (;;) {
      const lease = await leaseTokens(db.dataSource, 'requests:60', 'token:lease-sizes', 60, 3, 0);
      grants.push(lease.granted);
      if (lease.granted === 0) break;
    }
    expect(grants.slice(0, 3)).toEqual([3, 3, 3]);
    expect(grants.slice(-4)).toEqual([1, 1, 1, 0]);
    // What refilled while the test ran (one a second) may be granted too.
    const total = grants.reduce((sum, granted) => sum + granted, 0);
    expect(total).toBeGreaterThanOrEqual(60);
    expect(total).toBeLessThanOrEqual(62);
  });

  test('far from its limit, an instance sends one statement per slice of the budget', async () => {
    const limiter = sharedLimiter('requests:600', 600);
    const decisions = [];
    for (let i = 0; i < 60; i++) decisions.push(await limiter.take('token:far'));
    expect(decisions.every((decision) => decision.allowed)).toBe(true);
    expect(decisions.slice(0, 3).map((decision) => decision.remaining)).toEqual([599, 598, 597]);
    // 600 / 20 = 30 requests a lease.
    expect(limiter.statements).toBe(2);
  });

  test('what is refunded goes back: takes that run together and are all refunded never empty the bucket', async () => {
    const limiter = sharedLimiter('auth-failures:30', 30);
    // As the authenticator does for tokens that turn out good: take, look up (the other takes run meanwhile), refund.
    const lookup = async () => {
      const decision = await limiter.take('address:192.0.2.10');
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (decision.allowed) limiter.refund('address:192.0.2.10');
      return decision.allowed;
    };
    const bursts = [];
    for (let burst = 0; burst < 5; burst++) bursts.push((await Promise.all(Array.from({ length: 20 }, lookup))).filter(Boolean).length);
    expect(bursts).toEqual([20, 20, 20, 20, 20]);
  });

  test('a key found empty is refused without a statement until a request’s worth has refilled', async () => {
    const limiter = sharedLimiter('requests:2', 2);
    const decisions = [];
    for (let i = 0; i < 10; i++) decisions.push(await limiter.take('address:192.0.2.9'));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, ...Array(8).fill(false)]);
    expect(decisions[2]).toMatchObject({ remaining: 0, retryAfterSeconds: expect.any(Number) });
    expect(decisions[2].retryAfterSeconds).toBeGreaterThan(25);
    // Two grants of one, and the lease that found the bucket empty.
    expect(limiter.statements).toBe(3);
  });
});

describe('the cleanup job', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  test('deletes buckets idle for a minute (full again) and connection counts past their expiry, and nothing else', async () => {
    await db.dataSource.query(
      `INSERT INTO rate_limit_buckets (scope, key, tokens, granted, updated_at)
       VALUES ('requests:60', 'idle', 0, 1, now() - interval '61 seconds'), ('requests:60', 'recent', 0, 1, now() - interval '30 seconds')`,
    );
    await db.dataSource.query(
      `INSERT INTO ws_connection_counts (key, instance, connections, expires_at)
       VALUES ('token:crashed', gen_random_uuid(), 2, now() - interval '1 second'), ('token:live', gen_random_uuid(), 1, now() + interval '1 minute')`,
    );
    const shared = createSharedLimits({ url: db.url, connectTimeoutMs: 5000, maxConnectionsPerToken: 2, connectionTtlMs: 30_000, logger: createLogger('error') });
    try {
      await shared.cleanupJob.run();
    } finally {
      await shared.stop();
    }
    expect(await db.dataSource.query(`SELECT key FROM rate_limit_buckets`)).toEqual([{ key: 'recent' }]);
    expect(await db.dataSource.query(`SELECT key FROM ws_connection_counts`)).toEqual([{ key: 'token:live' }]);
  });
});

describe('with PostgreSQL out of reach', () => {
  test('the limits decide on this instance’s own budget and say so: no refusal, no error', async () => {
    const logs: string[] = [];
    const shared = createSharedLimits({
      url: `postgres://realmgraph@127.0.0.1:${await freePort()}/realmgraph`,
      connectTimeoutMs: 5000,
      maxConnectionsPerToken: 2,
      connectionTtlMs: 30_000,
      logger: createLogger('info', (line) => logs.push(line)),
    });
    try {
      const requests = shared.rateBudget('requests', 3);
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await requests.take('token:outage'));
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
      expect(requests.fallingBack).toBe(true);
      const admissions = [];
      for (let i = 0; i < 3; i++) admissions.push(await shared.connections.admit('token:outage'));
      expect(admissions).toEqual([true, true, false]);
      expect(logs.filter((line) => line.includes('out of reach'))).toEqual([
        expect.stringContaining('the shared rate limit is out of reach: this instance limits on its own budget until it answers'),
        expect.stringContaining('the shared WebSocket connection counts are out of reach'),
      ]);
    } finally {
      await shared.stop();
    }
  });
});
