import { RateLimiter, type RateBudget, type RateDecision } from '../common/token-bucket';
import type { Logger } from '../logger';
import type { Lease } from './shared-limits.repository';

/** Where the shared buckets are (shared-limits.repository.ts' leaseTokens, bound to the limiter's pool). */
export type LeaseStore = (scope: string, key: string, capacity: number, maxGrant: number, returned: number) => Promise<Lease>;

/** The share of a budget one lease takes at most: 5 %, at least one request. */
export const leaseShare = 1 / 20;
/** A lease's leftovers go back to the shared bucket with the next lease after this long (its figures are stale by then). */
export const leaseLifetimeMs = 10_000;
/** After a failed lease, the instance limits on its own for this long before it asks PostgreSQL again. */
export const fallbackMs = 5_000;

/** What this instance holds of one key's shared bucket. */
interface Held {
  /** Requests leased and not yet spent. */
  tokens: number;
  /** What the shared bucket held after the last lease, and when (this instance's clock). */
  shared: number;
  at: number;
  /** Set when the last lease found the bucket empty: no request is allowed before, and none asks. */
  refusedUntil: number;
  /** A lease under way: the key's other requests wait for it rather than start their own. */
  pending: Promise<void> | undefined;
}

const minute = 60_000;

/**
 * One budget per key across every instance on the database: the token bucket of RateLimiter
 * (common/token-bucket.ts) kept in PostgreSQL (`rate_limit_buckets`), spent through leases. An
 * instance takes a slice of a key's bucket at once — at most `leaseShare` of the budget, at most a
 * quarter of what the bucket holds — and spends it without a statement; it asks again when the
 * slice is spent or `leaseLifetimeMs` old (handing back what is left in the same statement). Far
 * from the limit a request costs no round trip; near it leases shrink to one request, so every
 * request asks and the count is exact. A key found empty is refused here, without a statement,
 * until a request's worth has refilled.
 *
 * Accuracy: a token is spent only after the shared bucket granted it, so the instances together
 * admit at most what one bucket admits, plus what they hold in leases while the bucket refills
 * behind them: at most instances × max(1, ⌊budget / 20⌋) extra requests, and as many may go
 * unspent (a slice held by an instance the caller no longer reaches).
 *
 * Outage: a lease that fails (PostgreSQL down, slow, the table missing) is no refusal: the
 * instance falls back to a bucket of its own (the per-instance limit) for `fallbackMs`, says so
 * once in the log, and asks PostgreSQL again after.
 */
export class SharedRateLimiter implements RateBudget {
  private readonly held = new Map<string, Held>();
  private readonly local: RateLimiter;
  private readonly perMs: number;
  private readonly maxGrant: number;
  private readonly now: () => number;
  private readonly maxKeys: number;
  private fallbackUntil = 0;
  private lastSweep: number;
  /** Statements sent (leases), for the benchmark and the tests. */
  statements = 0;

  constructor(
    private readonly options: {
      /** The limit's name and budget, e.g. `requests:600`: instances configured alike share a bucket. */
      scope: string;
      perMinute: number;
      store: LeaseStore;
      logger: Logger;
      now?: () => number;
      maxKeys?: number;
    },
  ) {
    if (!(options.perMinute > 0)) throw new Error('A rate limiter needs a budget above 0.');
    this.now = options.now ?? Date.now;
    this.perMs = options.perMinute / minute;
    this.maxGrant = Math.max(1, Math.floor(options.perMinute * leaseShare));
    this.maxKeys = options.maxKeys ?? 100_000;
    this.local = new RateLimiter(options.perMinute, { now: this.now, maxKeys: this.maxKeys });
    this.lastSweep = this.now();
  }

  get perMinute(): number {
    return this.options.perMinute;
  }

  /** Whether decisions are this instance's alone for now (the last lease failed). */
  get fallingBack(): boolean {
    return this.now() < this.fallbackUntil;
  }

  async take(key: string): Promise<RateDecision> {
    for (;;) {
      const now = this.now();
      if (now < this.fallbackUntil) return this.local.take(key);
      if (now - this.lastSweep >= minute) this.sweep(now);
      let held = this.held.get(key);
      if (held?.pending) {
        await held.pending;
        continue;
      }
      const fresh = held !== undefined && now - held.at < leaseLifetimeMs;
      if (held && fresh && held.tokens >= 1) {
        held.tokens -= 1;
        this.held.delete(key);
        this.held.set(key, held);
        return this.allowed(held, now);
      }
      if (held && now < held.refusedUntil) return this.refused(held, now);
      const returned = held ? Math.floor(held.tokens) : 0;
      if (!held) {
        held = { tokens: 0, shared: 0, at: now, refusedUntil: 0, pending: undefined };
        this.held.set(key, held);
        if (this.held.size > this.maxKeys) this.dropOldest();
      }
      held.tokens = 0;
      const renewing = held;
      renewing.pending = this.renew(key, renewing, returned).finally(() => (renewing.pending = undefined));
      await renewing.pending;
    }
  }

  /**
   * Gives back one request `take` spent. Kept here past a lease's size (and through a lease under
   * way) and handed back to the shared bucket with the next lease: capped at one lease, or overwritten
   * by the lease that followed, the refunds of lookups that ran together were lost, and thirty
   * dashboards with tokens of their own connecting at once from one address spent its
   * AUTH_FAILURES_PER_MINUTE without a single failure (W3, issue #17).
   */
  refund(key: string): void {
    const held = this.held.get(key);
    if (this.fallingBack || !held) this.local.refund(key);
    else held.tokens += 1;
  }

  private async renew(key: string, held: Held, returned: number): Promise<void> {
    try {
      this.statements += 1;
      const lease = await this.options.store(this.options.scope, key, this.options.perMinute, this.maxGrant, returned);
      const now = this.now();
      // Added: `take` set the slice to 0 before this lease, and what was refunded while it ran is kept.
      held.tokens += lease.granted;
      held.shared = lease.tokens;
      held.at = now;
      held.refusedUntil = held.tokens >= 1 ? 0 : now + Math.ceil((1 - lease.tokens) / this.perMs);
      if (this.fallbackUntil !== 0) {
        this.fallbackUntil = 0;
        this.options.logger.info('the shared rate limit answers again: one budget across instances', { scope: this.options.scope });
      }
    } catch (error) {
      this.held.delete(key);
      if (this.fallbackUntil === 0) {
        this.options.logger.warn('the shared rate limit is out of reach: this instance limits on its own budget until it answers', {
          scope: this.options.scope,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      this.fallbackUntil = this.now() + fallbackMs;
    }
  }

  /** What the key has left across instances: the bucket as last seen, refilled since, and this instance's slice. */
  private estimate(held: Held, now: number): number {
    return Math.min(this.perMinute, held.shared + Math.max(0, now - held.at) * this.perMs) + held.tokens;
  }

  private allowed(held: Held, now: number): RateDecision {
    const tokens = Math.min(this.perMinute, this.estimate(held, now));
    return {
      allowed: true,
      limit: this.perMinute,
      remaining: Math.floor(tokens),
      resetSeconds: Math.ceil((this.perMinute - tokens) / this.perMs / 1000),
      retryAfterSeconds: 0,
    };
  }

  private refused(held: Held, now: number): RateDecision {
    const tokens = Math.min(this.perMinute, this.estimate(held, now));
    return {
      allowed: false,
      limit: this.perMinute,
      remaining: 0,
      resetSeconds: Math.ceil((this.perMinute - tokens) / this.perMs / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((held.refusedUntil - now) / 1000)),
    };
  }

  /** Keys idle past a lease's lifetime: their slices are stale, and their leftovers (a few requests at most) are forgotten. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, held] of this.held) if (!held.pending && now - held.at >= leaseLifetimeMs && now >= held.refusedUntil) this.held.delete(key);
  }

  private dropOldest(): void {
    for (const [key, held] of this.held) {
      if (held.pending) continue;
      this.held.delete(key);
      return;
    }
  }
}
