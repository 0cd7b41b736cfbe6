import type { ApolloServerPlugin } from '@apollo/server';
import { OperationTypeNode } from 'graphql';
import { AppError, ErrorCode } from '../common/errors';
import type { Logger } from '../logger';
import type { Context } from '../common/context';
import { formatError } from './errors';

/**
 * GraphQL over HTTP runs queries and mutations; a subscription needs a stream, which is the
 * WebSocket endpoint's. 400, not 405: the method is not what is wrong — no method would do — and a
 * 405 must name in `Allow` one that would (docs/decisions.md 78).
 */
export const subscriptionOverHttp = () =>
  new AppError(
    ErrorCode.SUBSCRIPTION_OVER_HTTP,
    'Subscriptions run over WebSocket, not HTTP: open ws://…/graphql (wss:// behind TLS; the same host and path) with the graphql-ws protocol and subscribe there.',
    undefined,
    { http: { status: 400 } },
  );

/**
 * Refuses a subscription over HTTP before anything of it runs. Without this, Apollo executed the
 * subscription field as if it were a query: its resolver ran, with no argument or scope checked,
 * and the answer was a 200 with "Cannot return null for non-nullable field". Placed before the
 * cost and authentication plugins, so that it is the answer with or without a token, whatever its
 * scopes. (A token that is not usable was refused earlier, when the context was built: 401.)
 */
export function refuseSubscriptionsOverHttp(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        // POST: the operation is chosen, nothing has run yet.
        async didResolveOperation({ operation }) {
          if (operation?.operation === OperationTypeNode.SUBSCRIPTION) throw subscriptionOverHttp();
        },
        // GET: Apollo answers any operation but a query with its own 405 ("GET supports only query
        // operations", Allow: POST) before the hook above, which would send the client to a POST
        // that is refused too. Its answer is replaced by ours; nothing ran either way.
        async willSendResponse({ request, operation, response, contextValue }) {
          if (request.http?.method !== 'GET' || operation?.operation !== OperationTypeNode.SUBSCRIPTION) return;
          response.http.status = 400;
          response.http.headers.delete('allow');
          response.body = { kind: 'single', singleResult: { errors: [formatError(subscriptionOverHttp(), contextValue.requestId, logger)] } };
        },
      };
    },
  };
}
