import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticator';
import { Caller } from '../auth/caller';
import type { Logger } from '../logger';
import { requestIdOf, requestNote } from './access-log';
import type { ClientAddressOf } from './client-address';
import { sendRefusal } from './errors';

/** What authentication leaves for what follows it on /graphql. */
export interface HttpAuthentication {
  readonly requestId: string;
  /** Anonymous when refused. */
  readonly caller: Caller;
  /** The client's address key (src/server/client-address.ts). */
  readonly address: string;
  /** Why the request is refused, answered once the rate limit has counted it. */
  readonly refusal?: GraphQLError;
}

export interface HttpAuthenticationSteps {
  identify(req: IncomingMessage, res: ServerResponse): Promise<HttpAuthentication>;
  refuse(res: ServerResponse): boolean;
}

const authentications = new WeakMap<ServerResponse, HttpAuthentication>();

export function httpAuthentication(res: ServerResponse): HttpAuthentication {
  return authentications.get(res) as HttpAuthentication;
}

/**
 * /graphql's authentication, in two steps around the rate limit: `identify` says who is asking
 * (the rate limit spends that caller's budget — an address's, for a request it refuses, so that
 * guesses share one), `refuse` answers a refused request: 401, 429 or 503 with Retry-After, in
 * GraphQL's error shape, and says whether it did. Both come before the body is read. Apollo's
 * context then only reads the caller, so context creation cannot fail (Apollo would answer
 * "Context creation failed: <message>", 500).
 */
export function httpAuthenticationSteps(options: { authenticator: Authenticator; addressOf: ClientAddressOf; logger: Logger }): HttpAuthenticationSteps {
  const { authenticator, addressOf, logger } = options;
  return {
    identify: async (req, res) => {
      const requestId = requestIdOf(req);
      const address = addressOf(req);
      let authentication: HttpAuthentication;
      try {
        authentication = { requestId, address, caller: await authenticator.authenticate(req.headers.authorization, address) };
      } catch (error) {
        const refusal = error instanceof GraphQLError ? error : new GraphQLError('unexpected', { originalError: error as Error });
        authentication = { requestId, address, caller: Caller.anonymous, refusal };
      }
      authentications.set(res, authentication);
      const note = requestNote(res);
      if (note && authentication.caller.token) note.tokenId = authentication.caller.token.actor.id;
      return authentication;
    },
    refuse: (res) => {
      const { refusal, requestId } = httpAuthentication(res);
      if (!refusal) return false;
      sendRefusal(res, refusal, requestId, logger);
      return true;
    },
  };
}
