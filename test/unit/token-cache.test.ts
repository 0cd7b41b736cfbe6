import type { NotificationListener } from '../../src/db/notification-listener';
import { Caller } from '../../src/auth/caller';
import { tokenRevokedChannel } from '../../src/auth/api-token.repository';
import { TokenCache, type AuthenticatedToken } from '../../src/auth/token-cache';

let now = 1_000_000;
const clock = () => now;

function token(uuid: string, expiresAt: number | null = null): AuthenticatedToken {
  return { uuid, expiresAt, caller: Caller.of({ uuid, actor: { id: `id-${uuid}`, name: uuid }, realmUuid: null, scopes: new Set(['realms:read']) }) };
}

/** A lookup that counts its calls, as the database would count statements. */
const lookupOf = (found: AuthenticatedToken | undefined) => jest.fn(async () => found);

/** What TokenCache uses of a NotificationListener, driven by the test. */
function fakeListener() {
  const handlers = new Map<string, (payload: string) => void>();
  const reconnected: Array<() => void> = [];
  const listener = {
    listening: true,
    listen: async (channel: string, handler: (payload: string) => void) => void handlers.set(channel, handler),
    onReconnect: (callback: () => void) => void reconnected.push(callback),
    notify: (channel: string, payload: string) => handlers.get(channel)?.(payload),
    reconnect: () => reconnected.forEach((callback) => callback()),
  };
  return listener;
}

beforeEach(() => {
  now = 1_000_000;
});

describe('the token cache', () => {
  test('a token found is kept: asked again within the TTL, it costs no lookup', async () => {
    const cache = new TokenCache({ ttlMs: 5000, maxEntries: 10, now: clock });
    const lookup = lookupOf(token('a'));
    expect((await cache.find('hash-a', lookup))?.uuid).toBe('a');
    now += 4999;
    expect((await cache.find('hash-a', lookup))?.uuid).toBe('a');
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  test('an entry is kept no longer than the TTL', async () => {
    const cache = new TokenCache({ ttlMs: 5000, maxEntries: 10, now: clock });
    const lookup = lookupOf(token('a'));
    await cache.find('hash-a', lookup);
    now += 5000;
    await cache.find('hash-a', lookup);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  test('an entry never outlives the token’s expiry', async () => {
    const cache = new TokenCache({ ttlMs: 5000, maxEntries: 10, now: clock });
    const lookup = jest.fn().mockResolvedValueOnce(token('a', now + 1000)).mockResolvedValueOnce(undefined);
    expect(await cache.find('hash-a', lookup)).toBeDefined();
    now += 999;
    expect(await cache.find('hash-a', lookup)).toBeDefined();
    now += 1;
    expect(await cache.find('hash-a', lookup)).toBeUndefined();
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  test('what the lookup does not find is not kept', async () => {
    const cache = new TokenCache({ ttlMs: 5000, maxEntries: 10, now: clock });
    const lookup = lookupOf(undefined);
    await cache.find('hash-x', lookup);
    await cache.find('hash-x', lookup);
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
  });

  test('a TTL of 0 keeps nothing', async () => {
    const cache = new TokenCache({ ttlMs: 0, maxEntries: 10, now: clock });
    const lookup = lookupOf(token('a'));
    await cache.find('hash-a', lookup);
    await cache.find('hash-a', lookup);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  test('it holds at most maxEntries, the oldest going first', async () => {
    const cache = new TokenCache({ ttlMs: 5000, maxEntries: 2, now: clock });
    for (const name of ['a', 'b', 'c']) await cache.find(`hash-${name}`, lookupOf(token(name)));
    expect(cache.size).toBe(2);
    const lookupA = lookupOf(token('a'));
    const lookupC = lookupOf(token('c'));
    await cache.find('hash-c', lookupC);
    await cache.find('hash-a', lookupA);
    expect(lookupC).not.toHaveBeenCalled();
    expect(lookupA).toHaveBeenCalledTimes(1);
  });

  test('evicting a token forgets it', async () => {
    const cache = new TokenCache({ ttlMs: 5000, maxEntries: 10, now: clock });
    await cache.find('hash-a', lookupOf(token('a')));
    await cache.find('hash-b', lookupOf(token('b')));
    cache.evict('a');
    const lookup = lookupOf(undefined);
    expect(await cache.find('hash-a', lookup)).toBeUndefined();
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(cache.size).toBe(1);
  });

  test('a lookup under way when an eviction comes is not kept: it may have read the row before the revocation', async () => {
    const cache = new TokenCache({ ttlMs: 5000, maxEntries: 10, now: clock });
    let answer: (found: AuthenticatedToken) => void = () => {};
    const pending = cache.find('hash-a', () => new Promise((resolve) => (answer = resolve)));
    cache.evict('a');
    answer(token('a'));
    expect((await pending)?.uuid).toBe('a');
    expect(cache.size).toBe(0);
  });
});

describe('the token cache on a notification listener', () => {
  async function listening() {
    const listener = fakeListener();
    const cache = new TokenCache({ ttlMs: 5000, maxEntries: 10, now: clock });
    await cache.listenTo(listener as unknown as NotificationListener);
    return { listener, cache };
  }

  test('a revocation notified by any instance evicts the token', async () => {
    const { listener, cache } = await listening();
    await cache.find('hash-a', lookupOf(token('a')));
    listener.notify(tokenRevokedChannel, 'a');
    expect(cache.size).toBe(0);
  });

  test('while the listener is down, the cache answers nothing and keeps nothing', async () => {
    const { listener, cache } = await listening();
    await cache.find('hash-a', lookupOf(token('a')));
    listener.listening = false;
    const lookup = lookupOf(token('a'));
    await cache.find('hash-a', lookup);
    await cache.find('hash-a', lookup);
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
  });

  test('when the listener reconnects, everything is forgotten: notifications may have been lost', async () => {
    const { listener, cache } = await listening();
    await cache.find('hash-a', lookupOf(token('a')));
    await cache.find('hash-b', lookupOf(token('b')));
    listener.reconnect();
    expect(cache.size).toBe(0);
  });
});
