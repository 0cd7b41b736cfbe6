import { Caller } from '../../src/auth/caller';
import { callerKey, RateLimiter } from '../../src/server/limits/rate-limit';

/** A limiter on a clock the test moves: no sleeps. */
function limiter(perMinute: number, maxKeys?: number) {
  let now = 1_000_000;
  const limiter = new RateLimiter(perMinute, { now: () => now, maxKeys });
  return { limiter, advance: (ms: number) => (now += ms) };
}

describe('rate limiter (token bucket)', () => {
  test('a key may spend its minute’s budget at once, then is refused until a request’s worth refills', () => {
    const { limiter: rate } = limiter(60);
    const decisions = Array.from({ length: 61 }, () => rate.take('a'));
    expect(decisions.slice(0, 60).every((decision) => decision.allowed)).toBe(true);
    expect(decisions.slice(0, 3).map((decision) => decision.remaining)).toEqual([59, 58, 57]);
    expect(decisions[61 - 1]).toEqual({ allowed: false, limit: 60, remaining: 0, resetSeconds: 60, retryAfterSeconds: 1 });
  });

  test('refills at the budget’s rate, never beyond the budget', () => {
    const { limiter: rate, advance } = limiter(6); // one request every 10 s
    for (let i = 0; i < 6; i++) rate.take('a');
    expect(rate.take('a')).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
    advance(4_000);
    expect(rate.take('a')).toMatchObject({ allowed: false, retryAfterSeconds: 6 });
    advance(6_000);
    expect(rate.take('a')).toMatchObject({ allowed: true, remaining: 0 });
    advance(10 * 60_000);
    expect(rate.take('a')).toMatchObject({ allowed: true, remaining: 5, resetSeconds: 10 });
  });

  test('keys have budgets of their own', () => {
    const { limiter: rate } = limiter(1);
    expect(rate.take('a').allowed).toBe(true);
    expect(rate.take('a').allowed).toBe(false);
    expect(rate.take('b').allowed).toBe(true);
  });

  test('memory stays bounded: idle keys are dropped once refilled, and the least recently used beyond maxKeys', () => {
    const { limiter: rate, advance } = limiter(10, 3);
    for (const key of ['a', 'b', 'c']) rate.take(key);
    expect(rate.size).toBe(3);
    rate.take('a'); // a is now the most recently used
    rate.take('d');
    expect(rate.size).toBe(3);
    // b went: its budget is whole again, while a's is still spent.
    expect(rate.take('b').remaining).toBe(9);
    expect(rate.take('a').remaining).toBe(7);

    advance(60_000); // everything has refilled: the next request sweeps the idle keys
    rate.take('e');
    expect(rate.size).toBe(1);
  });

  test('a forgotten key starts with a whole budget, as a refilled one would', () => {
    const { limiter: rate, advance } = limiter(2);
    rate.take('a');
    rate.take('a');
    advance(60_000);
    rate.take('other');
    expect(rate.take('a')).toMatchObject({ allowed: true, remaining: 1 });
  });
});

describe('refund', () => {
  test('gives back what take spent, never past the full budget', () => {
    const { limiter: rate } = limiter(2);
    rate.take('a');
    rate.take('a');
    expect(rate.take('a').allowed).toBe(false);
    rate.refund('a');
    expect(rate.take('a')).toMatchObject({ allowed: true, remaining: 0 });
    rate.refund('b'); // a key never taken from is full already
    rate.refund('a');
    rate.refund('a');
    rate.refund('a');
    expect(rate.take('a').remaining).toBe(1);
  });
});

describe('caller key', () => {
  const token = (uuid: string) => Caller.of({ uuid, actor: { id: 'ApiToken:1', name: 'n' }, realmUuid: null, scopes: new Set() });

  test('is the authenticated token’s key, whatever the address', () => {
    const key = callerKey(token('0b8d6f2e-0000-4000-8000-000000000001'), '10.0.0.1');
    expect(key).toBe('token:0b8d6f2e-0000-4000-8000-000000000001');
    expect(callerKey(token('0b8d6f2e-0000-4000-8000-000000000001'), '10.0.0.2')).toBe(key);
    expect(callerKey(token('0b8d6f2e-0000-4000-8000-000000000002'), '10.0.0.1')).not.toBe(key);
  });

  test('is the address without a token', () => {
    expect(callerKey(Caller.anonymous, '10.0.0.1')).toBe('address:10.0.0.1');
  });
});
