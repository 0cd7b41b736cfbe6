/** Token buckets per key: the request rate limit and the budget of failed authentications. */

export interface RateDecision {
  readonly allowed: boolean;
  /** The budget: requests per minute, also the largest burst. */
  readonly limit: number;
  /** Whole requests left right now. */
  readonly remaining: number;
  /** Seconds until the budget is whole again (RateLimit-Reset). */
  readonly resetSeconds: number;
  /** When refused: seconds until the next request is allowed (Retry-After). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const minute = 60_000;

/**
 * A token bucket per key: it holds up to `perMinute` requests, refills at `perMinute` a minute, and
 * each request takes one. A key's burst is thus its minute's budget, and a steady caller gets
 * exactly the rate. Memory stays bounded: a bucket that has refilled says nothing a new one would
 * not, so once a minute the full ones are dropped; beyond `maxKeys` live keys, the least recently
 * used goes (the Map keeps keys in the order they were last used).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;
  private readonly onRefused: ((key: string) => void) | undefined;
  private lastSweep: number;

  /** `onRefused`: told of each refusal, with its key (the metrics count them). */
  constructor(
    readonly perMinute: number,
    options: { now?: () => number; maxKeys?: number; onRefused?: (key: string) => void } = {},
  ) {
    if (!(perMinute > 0)) throw new Error('A rate limiter needs a budget above 0.');
    this.perMs = perMinute / minute;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.onRefused = options.onRefused;
    this.lastSweep = this.now();
  }

  /** Spends one request of `key`'s budget, if there is one left. */
  take(key: string): RateDecision {
    const now = this.now();
    if (now - this.lastSweep >= minute) this.sweep(now);
    const bucket = this.buckets.get(key);
    let tokens = bucket ? this.refilled(bucket, now) : this.perMinute;
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (!allowed) this.onRefused?.(key);
    return {
      allowed,
      limit: this.perMinute,
      remaining: Math.floor(tokens),
      resetSeconds: Math.ceil((this.perMinute - tokens) / this.perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)),
    };
  }

  /** Gives back one request `take` spent (it turned out not to count), never past a full budget. */
  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    const now = this.now();
    bucket.tokens = Math.min(this.perMinute, this.refilled(bucket, now) + 1);
    bucket.at = now;
  }

  /** Keys held now (tests watch memory stay bounded). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(bucket: Bucket, now: number): number {
    return Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (this.refilled(bucket, now) >= this.perMinute) this.buckets.delete(key);
  }
}
