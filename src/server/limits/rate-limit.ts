import type { ServerResponse } from 'node:http';
import { ErrorCode } from '../../common/errors';
import type { Caller } from '../../auth/caller';
import type { RateBudget, RateDecision } from '../../common/token-bucket';
import { sendJson } from '../http-answer';
import { formatCount, limitError } from './limit-error';

export { RateLimiter, type RateBudget, type RateDecision } from '../../common/token-bucket';

/**
 * Whose budget a request spends: its authenticated API token's (by the token's key, so the same
 * over HTTP and WebSocket, and whatever spelling of the header), else its client address's
 * (src/server/client-address.ts). A value that is not a usable token is no key of its own:
 * keyed on its value, every guess got a fresh budget (issue #10).
 */
export function callerKey(caller: Caller, address: string): string {
  return caller.token ? `token:${caller.token.uuid}` : `address:${address}`;
}

export const rateLimitedMessage = (decision: RateDecision) =>
  `Too many requests: an API token (or an address, without one) may make ${formatCount(decision.limit)} a minute. ` +
  `Try again in ${decision.retryAfterSeconds} s.`;

/** The refusal over WebSocket, where there are no headers. */
export const rateLimitedError = (decision: RateDecision) =>
  limitError(ErrorCode.RATE_LIMITED, rateLimitedMessage(decision), { limit: decision.limit, retryAfterSeconds: decision.retryAfterSeconds });

/** The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers, the three-field form) of a decision. */
export function rateLimitHeaders(limiter: RateBudget, decision: RateDecision): Record<string, string> {
  return {
    'RateLimit-Policy': `${limiter.perMinute};w=60`,
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
  };
}

/**
 * /graphql's rate limit, after authentication (which says whose budget it is: `key`) and before
 * the body is read. Every answer carries the IETF RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers, the three-field form); a refusal is 429 with Retry-After
 * and a GraphQL-shaped body. Says whether the request may go on.
 */
export async function spendRequest(limiter: RateBudget, key: string, res: ServerResponse): Promise<boolean> {
  const decision = await limiter.take(key);
  for (const [name, value] of Object.entries(rateLimitHeaders(limiter, decision))) res.setHeader(name, value);
  if (decision.allowed) return true;
  res.setHeader('Retry-After', String(decision.retryAfterSeconds));
  sendJson(res, 429, {
    errors: [
      {
        message: rateLimitedMessage(decision),
        extensions: { code: ErrorCode.RATE_LIMITED, limit: decision.limit, retryAfterSeconds: decision.retryAfterSeconds },
      },
    ],
  });
  return false;
}
