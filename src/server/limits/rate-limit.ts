import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ErrorCode } from '../../common/errors';
import { formatCount, limitError } from './limit-error';

/**
 * Whose budget a request spends: its API token's, else its address's. The token is hashed (SHA-256)
 * so that no secret sits in the limiter's memory and every key has the same small size; an
 * unknown or invalid token is a key like any other, so guessing tokens is rate limited too.
 */
export function callerKey(authorization: unknown, address: string | undefined): string {
  if (typeof authorization === 'string' && authorization !== '') {
    return `token:${createHash('sha256').update(authorization).digest('base64url')}`;
  }
  return `address:${address ?? 'unknown'}`;
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

/** The refusal over WebSocket, where there are no headers. */
export const rateLimitedError = (decision: RateDecision) =>
  limitError(ErrorCode.RATE_LIMITED, rateLimitedMessage(decision), { limit: decision.limit, retryAfterSeconds: decision.retryAfterSeconds });

/**
 * Express middleware in front of /graphql, before the body is parsed and before authentication
 * (brute-forcing tokens spends a budget too). Every answer carries the IETF RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers, the three-field form); a refusal is 429 with Retry-After
 * and a GraphQL-shaped body.
 */
export function rateLimitMiddleware(limiter: RateLimiter): RequestHandler {
  const policy = `${limiter.perMinute};w=60`;
  return (req, res, next) => {
    const decision = limiter.take(callerKey(req.headers.authorization, req.ip ?? req.socket.remoteAddress));
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
