import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Server } from 'node:http';
import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context as WsContext, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra as WsExtra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { codeOf, type Authenticator } from '../auth/authenticator';
import { Caller, unauthenticated } from '../auth/caller';
import { tokenEndedClose, type LiveConnections } from '../auth/live-connections';
import type { Context } from '../common/context';
import { ErrorCode } from '../common/errors';
import type { Logger } from '../logger';
import { refusalClose } from './auth';
import type { ClientAddressOf } from './client-address';
import type { OriginPolicy } from './cors';
import { formatError } from './errors';
import { callerKey, logClientProtocolErrors, type RequestLimits } from './limits';
import { WsOperationObserver, type WsObserved } from './operation-metrics';
import { coalesceSends } from './coalesced-sends';
import { sharedSubscribe } from './shared-subscription';

export interface WebSocketEdgeOptions {
  readonly httpServer: Server;
  readonly schema: GraphQLSchema;
  readonly limits: RequestLimits;
  readonly authenticator: Authenticator;
  readonly addressOf: ClientAddressOf;
  readonly liveConnections: LiveConnections;
  /** Which browser pages may open a connection (src/server/cors.ts). */
  readonly origins: OriginPolicy;
  /** The request context of one operation (`cache`: whether its loaders cache). */
  newContext(requestId: string, caller: Caller, cache: boolean): Context;
  /** The context of the shared executions of a burst of events (src/server/shared-subscription.ts): its loaders batch on the next turn. */
  eventContext(caller: Caller): Context;
  readonly logger: Logger;
  /** One log line per operation (ACCESS_LOG). */
  readonly accessLog: boolean;
}

type Extra = WsObserved & { requestIds?: Map<string, string>; callers?: Map<string, Caller>; address?: string };

/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's /graphql: authentication in
 * connection_init and again for each operation, the limits Apollo applies over HTTP, subscriptions
 * whose events are executed once for the subscribers alike. Returns what stops it.
 */
export function websocketEdge(options: WebSocketEdgeOptions): { dispose(): Promise<void>; openConnections(): number } {
  const { schema, limits, authenticator, addressOf, liveConnections, newContext, logger } = options;
  const observer = new WsOperationObserver(logger, options.accessLog);
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: limits.maxWsMessageBytes,
    // A page of an origin not admitted is refused before the upgrade: browsers send an Origin on a
    // WebSocket but never preflight one, so CORS alone would not stop it (docs/decisions.md 85).
    verifyClient: ({ req }, done) => {
      const refusal = options.origins.websocketRefusal(req);
      if (!refusal) return done(true);
      // The operator's clue when the own pages are refused behind a proxy that rewrites Host.
      logger.info('WebSocket upgrade refused: origin not allowed', { origin: req.headers.origin, host: req.headers.host });
      done(false, refusal.status, refusal.message, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    },
  });
  /** An operation's end, however it ends: counted, logged, and its entries gone. */
  const forget = (extra: Extra, id: string) => {
    observer.ended(extra, id);
    extra.requestIds?.delete(id);
    extra.callers?.delete(id);
  };
  /**
   * The limits Apollo applies over HTTP (tokens, depth, aliases, cost, rate), before any resolver;
   * then the token again, so that one revoked since the connection opened (on another instance,
   * before the sweep) runs nothing new and its connection closes as revoked. An outage is the
   * operation's error (SERVICE_UNAVAILABLE), the connection stays: the client retries the
   * operation, it need not reconnect.
   */
  const prepare = async (ctx: WsContext<Record<string, unknown>, WsExtra & Extra>, id: string, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
    try {
      const prepared = await limits.ws.prepare(ctx, payload);
      if (isRefusal(prepared)) return prepared;
      let caller: Caller;
      try {
        caller = await authenticator.authenticate(ctx.connectionParams?.authorization, ctx.extra.address ?? 'unknown');
      } catch (error) {
        if (codeOf(error) !== ErrorCode.UNAUTHENTICATED) throw error;
        ctx.extra.socket.close(tokenEndedClose, 'The API token was revoked or has expired.');
        return [error as GraphQLError];
      }
      (ctx.extra.callers ??= new Map()).set(id, caller);
      const operation = getOperationAST(prepared.document, prepared.operationName);
      observer.resolved(ctx.extra, id, { name: operation?.name?.value ?? null, type: operation?.operation ?? 'unknown', tokenId: caller.token?.actor.id });
      return prepared;
    } catch (error) {
      return [asGraphQLError(error)];
    }
  };
  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      // graphql-ws puts a thrown error's message in its 4500 close reason outside production; none
      // of our hooks lets one reach it (below), and none may ever name a database's address.
      isProd: true,
      // The token comes in connection_init's payload, as `authorization: "Bearer <token>"`. Every
      // refusal closes with a code the client can act on (refusalClose): 4401 without a usable
      // token, 1013 when the address failed too often or the database is out of reach.
      onConnect: async (ctx) => {
        try {
          const address = (ctx.extra.address = addressOf(ctx.extra.request));
          const caller = await authenticator.authenticate(ctx.connectionParams?.authorization, address);
          if (caller.token === null) throw unauthenticated('Send `authorization: "Bearer <token>"` in connection_init.');
          if (!(await limits.ws.admit(ctx, callerKey(caller, address)))) return false;
          liveConnections.add(caller.token.uuid, ctx.extra.socket);
          return true;
        } catch (error) {
          const { code, reason } = refusalClose(error, logger);
          ctx.extra.socket.close(code, reason);
          return false;
        }
      },
      // Once per operation. A subscription's own context serves its source stream (authorization,
      // realm, cursor) and outlives its events: its loaders do not cache. Its events are executed
      // in contexts of their own, one per event, shared by the subscribers alike (below).
      context: (ctx, id, _payload, args) => {
        const requestId = ctx.extra.requestIds?.get(id) ?? randomUUID();
        const operation = getOperationAST(args.document, args.operationName);
        observer.executing(ctx.extra, id);
        return newContext(requestId, ctx.extra.callers?.get(id) ?? Caller.anonymous, operation?.operation !== 'subscription');
      },
      // Every operation is observed from here to its end (src/server/operation-metrics.ts).
      onSubscribe: async (ctx, id, payload) => {
        const requestId = randomUUID();
        (ctx.extra.requestIds ??= new Map()).set(id, requestId);
        observer.asked(ctx.extra, id, requestId, payload.operationName, ctx.extra.address);
        const prepared = await prepare(ctx, id, payload);
        // Refused: graphql-ws sends the errors (onError) only if the client has not completed the operation meanwhile.
        if (isRefusal(prepared) && !(id in ctx.subscriptions)) forget(ctx.extra, id);
        return prepared;
      },
      // One execution per event for all subscribers with the same document, variables and rights,
      // and one context for the executions of a burst of events of one rights class, whose loaders
      // cache: they live for that burst (decision 58).
      subscribe: neverThrows(sharedSubscribe((subscriber) => options.eventContext(subscriber.caller))),
      onClose: (ctx) => {
        observer.closed(ctx.extra);
        limits.ws.release(ctx);
      },
      // `result` may be shared with other subscribers: build a new one, never change it.
      onNext: (ctx, id, _payload, _args, result) => {
        if (!result.errors) return;
        const requestId = ctx.extra.requestIds?.get(id) ?? randomUUID();
        const errors = result.errors.map((error) => formatError(error, requestId, logger));
        observer.answered(ctx.extra, id, errors);
        return { ...result, errors };
      },
      // The `error` message: what onSubscribe refused, and what a subscription's stream threw
      // (graphql-ws wraps it with the thrown message): formatted like any other error.
      onError: (ctx, id, _payload, errors) => {
        const requestId = ctx.extra.requestIds?.get(id) ?? randomUUID();
        const formatted = errors.map((error) => formatError(error, requestId, logger));
        // Refused before it ran: graphql-ws calls no onComplete.
        if (observer.failed(ctx.extra, id, formatted)) forget(ctx.extra, id);
        return formatted;
      },
      onComplete: (ctx, id) => forget(ctx.extra, id),
    },
    wsServer,
  );
  wsServer.on('connection', (socket, request) => {
    logClientProtocolErrors(socket, logger);
    coalesceSends(socket, request.socket as Socket);
  });
  return { dispose: async () => void (await server.dispose()), openConnections: () => wsServer.clients.size };
}

function isRefusal(prepared: ExecutionArgs | readonly GraphQLError[]): prepared is readonly GraphQLError[] {
  return Array.isArray(prepared);
}

/** Something thrown where graphql-ws expects errors: unexpected, so formatError masks it (or says SERVICE_UNAVAILABLE). */
function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(cause.message, { originalError: cause });
}

/**
 * graphql-ws' `subscribe`, returning what it throws as an error result: thrown, graphql-ws would
 * close the connection with 4500 and the message (and print it on the console).
 */
function neverThrows<A>(subscribe: (args: A) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>) {
  return async (args: A): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    try {
      return await subscribe(args);
    } catch (error) {
      return { errors: [asGraphQLError(error)] };
    }
  };
}
