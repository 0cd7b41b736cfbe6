import type { NotificationListener } from '../db/notification-listener';
import type { Caller } from './caller';
import { tokenRevokedChannel } from './api-token.repository';

/** A token that authenticated: the caller it stands for, and when it expires (ms since the epoch). */
export interface AuthenticatedToken {
  readonly uuid: string;
  readonly caller: Caller;
  readonly expiresAt: number | null;
}

export interface TokenCacheOptions {
  /** How long an entry is trusted at most (TOKEN_CACHE_TTL_MS); 0: nothing is kept. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

/**
 * The tokens this instance authenticated in the last few seconds, keyed by the SHA-256 of their
 * secret (never the secret: a heap dump shows no usable token). Without it every request paid a
 * SELECT for its token: one of the eight statements a membership write sent (W2, bench/RESULTS.md).
 *
 * The price is trusting a token a little longer than the database would, bounded (docs/decisions.md 59):
 * - an entry never outlives the token's expiry, nor the TTL;
 * - revoking a token evicts it here at once and, when the revocation commits, on every instance
 *   (revokeTree NOTIFYs `tokenRevokedChannel` for each token it revokes; `listenTo` evicts);
 * - while this instance's listener is down it hears no revocation, so the cache answers nothing,
 *   and it empties when the listener is back: what was notified meanwhile is lost;
 * - a lookup under way when an eviction comes is not kept: it may have read the row before the
 *   revocation committed.
 * Only tokens that authenticate are kept, so unknown secrets cannot fill it.
 */
export class TokenCache {
  private readonly entries = new Map<string, { token: AuthenticatedToken; until: number }>();
  /** Moves with every eviction, so that a lookup begun before one is not kept. */
  private generation = 0;
  private hearing: () => boolean = () => true;
  private readonly now: () => number;

  constructor(private readonly options: TokenCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Evicts the tokens whose revocation is notified; trusts nothing while notifications may be lost. */
  async listenTo(notifications: NotificationListener): Promise<void> {
    this.hearing = () => notifications.listening;
    notifications.onReconnect(() => this.clear());
    await notifications.listen(tokenRevokedChannel, (uuid) => this.evict(uuid));
  }

  /** The token with this hash: kept if it authenticated lately, else what `lookup` finds (and then kept). */
  async find(hash: string, lookup: () => Promise<AuthenticatedToken | undefined>): Promise<AuthenticatedToken | undefined> {
    const entry = this.entries.get(hash);
    if (entry !== undefined) {
      if (entry.until > this.now() && this.hearing()) return entry.token;
      this.entries.delete(hash);
    }
    const generation = this.generation;
    const token = await lookup();
    if (token !== undefined && generation === this.generation) this.keep(hash, token);
    return token;
  }

  /** Forgets a token: it was revoked. */
  evict(uuid: string): void {
    this.generation += 1;
    // A scan: revocations are rare, and the entries few (at most `maxEntries`).
    for (const [hash, entry] of this.entries) if (entry.token.uuid === uuid) this.entries.delete(hash);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private keep(hash: string, token: AuthenticatedToken): void {
    if (this.options.ttlMs <= 0 || !this.hearing()) return;
    const until = Math.min(this.now() + this.options.ttlMs, token.expiresAt ?? Infinity);
    this.entries.delete(hash);
    // Maps iterate in insertion order: the first entry is the oldest. With every entry gone within
    // the TTL, dropping the oldest is as good as dropping the least recently used, and cheaper.
    if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { token, until });
  }
}
