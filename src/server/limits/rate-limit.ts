import type { Request, RequestHandler, Response } from 'express';
import { ErrorCode } from '../../common/errors';
import type { Caller } from '../../auth/caller';
import { formatCount, limitError } from './limit-error';

/**
 * Whose budget a request spends: its authenticated API token's (by the token's key, so the same
 * over HTTP and WebSocket, and whatever spelling of the header), else its client address's
 * (src/server/client-address.ts). A value that is not a usable token is no key of its own:
 * keyed on its value, every guess got a fresh budget (issue #10).
 */
export function callerKey(caller: Caller, address: string): string {
  return caller.token ? `token:${caller.token.uuid}` : `address:${address}`;
}

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
  private lastSweep: number;

  constructor(
    readonly perMinute: number,
    options: { now?: () => number; maxKeys?: number } = {},
  ) {
    if (!(perMinute > 0)) throw new Error('A rate limiter needs a budget above 0.');
    this.perMs = perMinute / minute;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
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

const rateLimitedMessage = (decision: RateDecision) =>
  `Too many requests: an API token (or an address, without one) may make ${formatCount(decision.limit)} a minute. ` +
  `Try again in ${decision.retryAfterSeconds} s.`;

/**
 * An address past AUTH_FAILURES_PER_MINUTE: refused before any lookup (src/auth/authenticator.ts).
 * Short enough for a WebSocket close reason (123 bytes, with its `RATE_LIMITED: ` prefix).
 */
export const authFailuresError = (decision: RateDecision) =>
  limitError(
    ErrorCode.RATE_LIMITED,
    `Too many failed authentications from this address (${formatCount(decision.limit)} a minute). Try again in ${decision.retryAfterSeconds} s.`,
    { limit: decision.limit, retryAfterSeconds: decision.retryAfterSeconds },
  );

/** The refusal over WebSocket, where there are no headers. */
export const rateLimitedError = (decision: RateDecision) =>
  limitError(ErrorCode.RATE_LIMITED, rateLimitedMessage(decision), { limit: decision.limit, retryAfterSeconds: decision.retryAfterSeconds });

/**
 * Express middleware in front of /graphql, after authentication (which says whose budget it is:
 * `keyOf`) and before the body is parsed. Every answer carries the IETF RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers, the three-field form); a refusal is 429 with Retry-After
 * and a GraphQL-shaped body.
 */
export function rateLimitMiddleware(limiter: RateLimiter, keyOf: (req: Request, res: Response) => string): RequestHandler {
  const policy = `${limiter.perMinute};w=60`;
  return (req, res, next) => {
    const decision = limiter.take(keyOf(req, res));
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit-Limit', String(decision.limit));
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    res.setHeader('RateLimit-Reset', String(decision.resetSeconds));
    if (decision.allowed) {
      next();
      return;
    }
    res.setHeader('Retry-After', String(decision.retryAfterSeconds));
    res.status(429).json({
      errors: [
        {
          message: rateLimitedMessage(decision),
          extensions: { code: ErrorCode.RATE_LIMITED, limit: decision.limit, retryAfterSeconds: decision.retryAfterSeconds },
        },
      ],
    });
  };
}
