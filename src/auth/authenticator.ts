import type { RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { ErrorCode, serviceUnavailable } from '../common/errors';
import type { Queryable } from '../db/queryable';
import { isDatabaseUnavailable } from '../db/unavailable';
import type { Logger } from '../logger';
import { authenticate, cachedCaller, credentialOf } from './api-token.service';
import type { TokenCache } from './token-cache';
import { Caller } from './caller';
import type { ClientAddressOf } from '../server/client-address';
import { sendRefusal } from '../server/errors';
import { authFailuresError, type RateLimiter } from '../server/limits/rate-limit';

/**
 * Who a request is, for HTTP and WebSocket alike, with the two rules an edge adds to the token
 * lookup (docs/decisions.md 71, 72):
 *
 * - **Failed authentications are counted per client address** (AUTH_FAILURES_PER_MINUTE, a token
 *   bucket). An address that has used its budget is refused (RATE_LIMITED) without a lookup: a
 *   guess costs the database nothing any more. A token this instance has in its cache still passes
 *   (no lookup either), so that users behind a NAT an attacker shares are not locked out. A lookup
 *   takes one from the budget before it starts — so that a thousand guesses at once cannot all get
 *   past an empty check — and gives it back when it succeeds, or when the database failed it.
 * - **An outage is an outage**: a lookup that cannot reach the database is SERVICE_UNAVAILABLE,
 *   not UNAUTHENTICATED, and never the driver's message.
 * - **One lookup per token at a time**: requests carrying a token whose lookup is under way wait for
 *   that lookup rather than start (and reserve budget for) their own. A hundred dashboards on one
 *   token reconnecting at once cost one statement, and are not taken for a hundred guesses.
 */
export class Authenticator {
  /** Lookups under way, by client address and the SHA-256 of the token's secret. */
  private readonly lookups = new Map<string, Promise<Caller>>();

  constructor(
    private readonly db: Queryable,
    private readonly tokens: TokenCache,
    private readonly failures: RateLimiter | undefined,
  ) {}

  /** The caller `authorization` stands for; throws UNAUTHENTICATED, RATE_LIMITED or SERVICE_UNAVAILABLE (coded GraphQLErrors). */
  async authenticate(authorization: unknown, address: string): Promise<Caller> {
    const credential = credentialOf(authorization);
    if (credential.kind === 'none') return Caller.anonymous;
    if (credential.kind === 'malformed') return this.lookUp(authorization, address);
    const cached = await cachedCaller(this.db, this.tokens, credential.hash);
    if (cached) return cached;
    const key = `${address} ${credential.hash.toString('base64')}`;
    let lookup = this.lookups.get(key);
    if (!lookup) {
      lookup = this.lookUp(authorization, address).finally(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    return lookup;
  }

  private async lookUp(authorization: unknown, address: string): Promise<Caller> {
    const budget = this.failures?.take(address);
    if (budget && !budget.allowed) throw authFailuresError(budget);
    try {
      const caller = await authenticate(this.db, this.tokens, authorization);
      this.failures?.refund(address);
      return caller;
    } catch (error) {
      if (codeOf(error) === ErrorCode.UNAUTHENTICATED) throw error;
      this.failures?.refund(address);
      if (isDatabaseUnavailable(error)) throw serviceUnavailable();
      throw error;
    }
  }
}

export function codeOf(error: unknown): unknown {
  return error instanceof GraphQLError ? error.extensions.code : undefined;
}

/** What the authentication middleware leaves for what follows it on /graphql. */
export interface HttpAuthentication {
  readonly requestId: string;
  /** Anonymous when refused. */
  readonly caller: Caller;
  /** The client's address key (src/server/client-address.ts). */
  readonly address: string;
  /** Why the request is refused, answered once the rate limit has counted it. */
  readonly refusal?: GraphQLError;
}

export function httpAuthentication(res: Response): HttpAuthentication {
  return res.locals.authentication as HttpAuthentication;
}

/**
 * Express middleware on /graphql, in two steps around the rate limit: `identify` says who is asking
 * (the rate limit spends that caller's budget — an address's, for a request it refuses, so that
 * guesses share one), `refuse` answers a refused request: 401, 429 or 503 with Retry-After, in
 * GraphQL's error shape. Both come before the body is parsed. Apollo's context then only reads the
 * caller, so context creation cannot fail (Apollo would answer "Context creation failed: <message>",
 * 500).
 */
export function authenticationMiddleware(options: {
  authenticator: Authenticator;
  addressOf: ClientAddressOf;
  requestIdOf: (header: string | string[] | undefined) => string;
  logger: Logger;
}): { identify: RequestHandler; refuse: RequestHandler } {
  const { authenticator, addressOf, requestIdOf, logger } = options;
  return {
    identify: async (req, res, next) => {
      const requestId = requestIdOf(req.headers['x-request-id']);
      const address = addressOf(req);
      let authentication: HttpAuthentication;
      try {
        authentication = { requestId, address, caller: await authenticator.authenticate(req.headers.authorization, address) };
      } catch (error) {
        const refusal = error instanceof GraphQLError ? error : new GraphQLError('unexpected', { originalError: error as Error });
        authentication = { requestId, address, caller: Caller.anonymous, refusal };
      }
      res.locals.authentication = authentication;
      next();
    },
    refuse: (_req, res, next) => {
      const { refusal, requestId } = httpAuthentication(res);
      if (refusal) sendRefusal(res, refusal, requestId, logger);
      else next();
    },
  };
}
