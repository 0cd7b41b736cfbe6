import { Client, fetchExchange, mapExchange, subscriptionExchange, type ExecutionResult } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { authorization, graphqlWsUrl } from '../shared/token';
import { consoleCache } from './cache';
import type { ConnectionStore } from './connection';

/** graphql-ws close codes the server uses for tokens (as /dashboard reads them, web/dashboard/live.ts). */
const unauthorizedClose = 4401;
const tokenEndedClose = 4403;
/** "Try Again Later": the database is out of reach, or too many connections; the reason says which. */
const tryAgainLaterClose = 1013;

/** 0.25 s, 0.5 s, 1 s … at most 5 s, with jitter so that many consoles do not come back at once. */
const backoff = (attempt: number) => Math.min(250 * 2 ** attempt, 5000) * (1 + Math.random() / 4);

const closeOf = (event: unknown): { code?: number; reason: string } =>
  typeof event === 'object' && event !== null && 'code' in event
    ? { code: Number((event as CloseEvent).code), reason: String((event as CloseEvent).reason ?? '') }
    : { reason: '' };

type GraphQLErrorLike = { message: string; extensions?: { code?: string } };
const codesOf = (errors: unknown): string[] =>
  Array.isArray(errors) ? (errors as GraphQLErrorLike[]).map((error) => error?.extensions?.code ?? '') : [];

/**
 * The console's client for one token: queries and mutations over HTTP (POST, so that no query and
 * no token lands in an access log's URL), subscriptions over one graphql-ws connection that
 * reconnects by itself, and graphcache between them and the views.
 */
export function consoleClient(token: string, connection: ConnectionStore): { client: Client; dispose(): void } {
  const ws: WsClient = createWsClient({
    url: graphqlWsUrl(),
    lazy: false,
    retryAttempts: Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoff(retries))),
    shouldRetry: (event) => {
      const { code } = closeOf(event);
      return code !== unauthorizedClose && code !== tokenEndedClose;
    },
    connectionParams: () => ({ authorization: authorization(token) }),
    onNonLazyError: () => {
      // Reported through `closed` below; the client keeps retrying as shouldRetry says.
    },
    on: {
      connecting: () => connection.connecting(),
      connected: () => connection.connected(),
      closed: (event) => {
        const { code, reason } = closeOf(event);
        if (code === unauthorizedClose) connection.closed(`The server refused the token: ${reason || 'sign out, then sign in again'}.`, true);
        else if (code === tokenEndedClose) connection.closed('The token was revoked or has expired. Sign out, then sign in with a valid token.', true);
        else if (code === tryAgainLaterClose) connection.closed(reason || 'The server asks to try again later.', false);
        else connection.closed(undefined, false);
      },
    },
  });

  const client = new Client({
    url: '/graphql',
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => {
      const headers: Record<string, string> = {};
      const header = authorization(token);
      if (header) headers.authorization = header;
      return { headers };
    },
    exchanges: [
      consoleCache(),
      // After the cache: only what goes to the server counts towards "waiting for the server".
      mapExchange({
        onOperation(operation) {
          if (operation.kind === 'query' || operation.kind === 'mutation') connection.sent(operation.key);
          else if (operation.kind === 'teardown') connection.answered(operation.key);
        },
        onResult(result) {
          connection.answered(result.operation.key);
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const payload = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              let attempt = 0;
              let stop = () => {};
              let timer: ReturnType<typeof setTimeout> | undefined;
              // A subscription refused because the database was out of reach is made again after a
              // backoff (the connection stays open); one whose cursor is no longer kept reloads the views.
              const start = () => {
                stop = ws.subscribe<Record<string, unknown>>(payload, {
                  next: (result) => {
                    attempt = 0;
                    sink.next(result as ExecutionResult);
                  },
                  error: (error: unknown) => {
                    const codes = codesOf(error);
                    if (codes.includes('SERVICE_UNAVAILABLE')) {
                      timer = setTimeout(start, backoff(attempt++));
                      return;
                    }
                    if (codes.includes('EVENT_CURSOR_EXPIRED')) connection.reload();
                    sink.error(error);
                  },
                  complete: () => sink.complete(),
                });
              };
              start();
              return {
                unsubscribe: () => {
                  clearTimeout(timer);
                  stop();
                },
              };
            },
          };
        },
      }),
    ],
  });
  return { client, dispose: () => void ws.dispose() };
}
