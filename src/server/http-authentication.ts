import type { Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticator';
import { Caller } from '../auth/caller';
import type { Logger } from '../logger';
import { requestNote } from './access-log';
import type { ClientAddressOf } from './client-address';
import { sendRefusal } from './errors';

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
  requestIdOf: (req: Request) => string;
  logger: Logger;
}): { identify: RequestHandler; refuse: RequestHandler } {
  const { authenticator, addressOf, requestIdOf, logger } = options;
  return {
    identify: async (req, res, next) => {
      const requestId = requestIdOf(req);
      const address = addressOf(req);
      let authentication: HttpAuthentication;
      try {
        authentication = { requestId, address, caller: await authenticator.authenticate(req.headers.authorization, address) };
      } catch (error) {
        const refusal = error instanceof GraphQLError ? error : new GraphQLError('unexpected', { originalError: error as Error });
        authentication = { requestId, address, caller: Caller.anonymous, refusal };
      }
      res.locals.authentication = authentication;
      const note = requestNote(res);
      if (note && authentication.caller.token) note.tokenId = authentication.caller.token.actor.id;
      next();
    },
    refuse: (_req, res, next) => {
      const { refusal, requestId } = httpAuthentication(res);
      if (refusal) sendRefusal(res, refusal, requestId, logger);
      else next();
    },
  };
}
