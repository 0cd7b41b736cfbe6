import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, getOperationAST, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import type { Config } from '../config';
import { readiness } from '../db/database';
import { acceptPage } from '../invitation/accept-page';
import { EmailDeliveryJob } from '../email/email-delivery.job';
import { createEmailTransport } from '../email/email-transport';
import { EventRelay } from '../events/event-relay';
import { NotificationListener } from '../db/notification-listener';
import { eventRetentionJob } from '../events/retention.job';
import { InvitationExpiryJob } from '../invitation/invitation-expiry.job';
import type { Logger } from '../logger';
import type { Context } from './context';
import { callerKey, createRequestLimits, logClientProtocolErrors, withLimitCode } from './limits';
import { bodyErrorResponse, formatError, isUnexpected, serviceUnavailableStatusPlugin } from './errors';
import { RequestLoaders } from '../common/loaders';
import { startJobs, type Job, type Jobs } from '../jobs/jobs';
import { authenticationPlugin, refusalClose } from './auth';
import { LiveConnections, tokenEndedClose } from '../auth/live-connections';
import { authenticationMiddleware, Authenticator, codeOf, httpAuthentication } from '../auth/authenticator';
import { clientAddressResolver } from './client-address';
import { Caller, unauthenticated } from '../auth/caller';
import { ErrorCode, serviceUnavailableRetryAfterSeconds } from '../common/errors';
import { createServices } from './services';
import { sharedSubscribe } from './shared-subscription';
import { refuseSubscriptionsOverHttp } from './subscription-over-http';
import { TokenCache } from '../auth/token-cache';
import { webPages } from './web-pages';

export interface App {
  readonly httpServer: Server;
  /** Starts listening; resolves with the bound port (useful with PORT=0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish, closes the WebSocket connections. */
  stop(): Promise<void>;
}

/**
 * Apollo Server (HTTP) and graphql-ws (WebSocket) on one HTTP server and one path: /graphql, and
 * the background jobs. `runJobs: false` leaves the jobs to other instances (tests use it).
 */
export async function createApp(options: {
  schema: GraphQLSchema;
  dataSource: DataSource;
  config: Config;
  logger: Logger;
  runJobs?: boolean;
}): Promise<App> {
  const { schema, dataSource, config, logger } = options;
  let jobs: Jobs | undefined;
  let boundPort: number | undefined;
  const liveConnections = new LiveConnections(dataSource, logger);
  // Its connection's heartbeat answers as fast as a connect: the same deadline.
  const notifications = new NotificationListener(connectionUrl(dataSource), logger, { timeoutMs: config.database.connectTimeoutMs });
  await notifications.start();
  const relay = new EventRelay(dataSource, notifications, logger, { windowSize: 5000, pollIntervalMs: 5000 });
  await relay.start();
  const tokens = new TokenCache({ ttlMs: config.tokenCacheTtlMs, maxEntries: 10_000 });
  await tokens.listenTo(notifications);
  const services = createServices({
    relay,
    dataSource,
    config,
    logger,
    wakeJob: (name) => jobs?.wake(name),
    publicUrl: () => config.publicUrl ?? `http://localhost:${boundPort ?? config.port}`,
    tokenRevoked: (uuid) => {
      tokens.evict(uuid);
      liveConnections.end(uuid);
    },
  });
  const backgroundJobs: Job[] = [
    eventRetentionJob(dataSource, config.eventRetentionDays),
    new InvitationExpiryJob(services.invitations),
    new EmailDeliveryJob(dataSource, createEmailTransport(config, logger), logger, { leaseMs: config.emailLeaseMs }),
    liveConnections.sweepJob(),
  ];
  const limits = { maxPageSize: config.maxPageSize, defaultPageSize: config.defaultPageSize };
  const newContext = (requestId: string, caller: Caller, cache: boolean): Context => ({
    requestId,
    caller,
    loaders: new RequestLoaders(dataSource, { cache, caller }),
    services,
    limits,
  });

  const requestLimits = createRequestLimits(schema, config, (_req, res) => {
    const { caller, address } = httpAuthentication(res);
    return callerKey(caller, address);
  });
  const addressOf = clientAddressResolver(config.trustProxy);
  const authenticator = new Authenticator(dataSource, tokens, requestLimits.authFailures);
  const app = express();
  const httpServer = createServer(app);

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: requestLimits.maxWsMessageBytes });
  const wsCleanup = useServer<Record<string, unknown>, { requestIds?: Map<string, string>; callers?: Map<string, Caller>; address?: string }>(
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
          if (!requestLimits.ws.admit(ctx, callerKey(caller, address))) return false;
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
        const requestId = randomUUID();
        (ctx.extra.requestIds ??= new Map()).set(id, requestId);
        const operation = getOperationAST(args.document, args.operationName);
        return newContext(requestId, ctx.extra.callers?.get(id) ?? Caller.anonymous, operation?.operation !== 'subscription');
      },
      // The limits Apollo applies over HTTP (tokens, depth, aliases, cost, rate), before any
      // resolver; then the token again, so that one revoked since the connection opened (on another
      // instance, before the sweep) runs nothing new and its connection closes as revoked.
      // An outage is the operation's error (SERVICE_UNAVAILABLE), the connection stays: the client
      // retries the operation, it need not reconnect.
      onSubscribe: async (ctx, id, payload) => {
        try {
          const prepared = requestLimits.ws.prepare(ctx, payload);
          if (Array.isArray(prepared)) return prepared;
          let caller: Caller;
          try {
            caller = await authenticator.authenticate(ctx.connectionParams?.authorization, ctx.extra.address ?? 'unknown');
          } catch (error) {
            if (codeOf(error) !== ErrorCode.UNAUTHENTICATED) throw error;
            ctx.extra.socket.close(tokenEndedClose, 'The API token was revoked or has expired.');
            return [error as GraphQLError];
          }
          (ctx.extra.callers ??= new Map()).set(id, caller);
          return prepared;
        } catch (error) {
          return [asGraphQLError(error)];
        }
      },
      // One execution per event for all subscribers with the same document, variables and rights;
      // its loaders cache, as they live for that one execution (decision 58).
      subscribe: neverThrows(sharedSubscribe((subscriber) => newContext(randomUUID(), subscriber.caller, true))),
      onClose: (ctx) => requestLimits.ws.release(ctx),
      // `result` may be shared with other subscribers: build a new one, never change it.
      onNext: (ctx, id, _payload, _args, result) => {
        if (!result.errors) return;
        const requestId = ctx.extra.requestIds?.get(id) ?? randomUUID();
        return { ...result, errors: result.errors.map((error) => formatError(error, requestId, logger)) };
      },
      // The `error` message: what onSubscribe refused, and what a subscription's stream threw
      // (graphql-ws wraps it with the thrown message): formatted like any other error.
      onError: (ctx, id, _payload, errors) => {
        const requestId = ctx.extra.requestIds?.get(id) ?? randomUUID();
        return errors.map((error) => formatError(error, requestId, logger));
      },
      onComplete: (ctx, id) => {
        ctx.extra.requestIds?.delete(id);
        ctx.extra.callers?.delete(id);
      },
    },
    wsServer,
  );
  wsServer.on('connection', (socket) => logClientProtocolErrors(socket, logger));

  const requestIdPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          response.http.headers.set('x-request-id', contextValue.requestId);
        },
      };
    },
  };

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // main.ts owns shutdown; Apollo's own handler would re-raise the signal and exit with 143.
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: !config.introspection,
    parseOptions: requestLimits.parseOptions,
    validationRules: requestLimits.validationRules,
    // formatError has no context; the request ID is attached in the `didEncounterErrors` hook below.
    formatError: (formatted, error) =>
      error instanceof GraphQLError ? formatError(withLimitCode(error), requestIdOf(error), logger) : formatted,
    plugins: [
      // Apollo installs cache control implicitly, wrapping every field: 43 % of nested-read throughput.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return { drainServer: async () => { await wsCleanup.dispose(); } };
        },
      },
      requestIdPlugin,
      serviceUnavailableStatusPlugin,
      refuseSubscriptionsOverHttp(logger),
      // The cost before authentication, like the other limits: their hooks run in this order.
      requestLimits.apolloPlugin,
      authenticationPlugin,
      {
        async requestDidStart() {
          return {
            async didEncounterErrors({ contextValue, errors }) {
              for (const error of errors) if (isUnexpected(error)) requestIds.set(error, contextValue.requestId);
            },
          };
        },
      },
      // Apollo's pages load Apollo Sandbox from its CDN; ours (/graphiql) is bundled and works offline.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/invitations/accept', (_req, res) => {
    res.type('html').send(acceptPage);
  });
  // /graphiql (where introspection is on) and /dashboard; a browser opening /graphql goes to /graphiql.
  app.use(webPages({ graphiql: config.introspection }));
  // Within DATABASE_CONNECT_TIMEOUT_MS, whatever the database does: a probe that hangs is no answer.
  app.get('/readyz', async (_req, res) => {
    const state = await readiness(dataSource, config.database.connectTimeoutMs);
    if (state.ready) {
      res.json({ status: 'ready' });
      return;
    }
    res.setHeader('Retry-After', String(serviceUnavailableRetryAfterSeconds));
    res.status(503).json({ status: 'not ready', reason: state.reason });
  });
  const authentication = authenticationMiddleware({ authenticator, addressOf, requestIdOf: (header) => headerRequestId(header) ?? randomUUID(), logger });
  app.use(
    '/graphql',
    // Who is asking first: the rate limit spends the caller's budget, not the header's.
    authentication.identify,
    ...requestLimits.http,
    authentication.refuse,
    express.json({ limit: requestLimits.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const { requestId, caller } = httpAuthentication(res);
        return newContext(requestId, caller, true);
      },
    }),
  );

  app.use((error: { type?: string; status?: number }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    if (error.status !== undefined && error.status < 500) {
      const { status, body } = bodyErrorResponse(error);
      res.status(status).json(body);
      return;
    }
    logger.error('unexpected HTTP error', { error: String(error) });
    res.status(500).json({ errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });

  return {
    httpServer,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          boundPort = (httpServer.address() as AddressInfo).port;
          if (options.runJobs !== false) jobs = startJobs(backgroundJobs, config.jobIntervalMs, logger);
          resolve(boundPort);
        });
      }),
    stop: async () => {
      await apollo.stop();
      await jobs?.stop();
      await relay.stop();
      await notifications.stop();
    },
  };
}

function connectionUrl(dataSource: DataSource): string {
  const { url } = dataSource.options as { url?: string };
  if (!url) throw new Error('The data source has no URL: the notification listener needs one for its LISTEN connection.');
  return url;
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

// Unexpected errors met during a request, keyed by the error, so that formatError can name the request.
const requestIds = new WeakMap<GraphQLError, string>();

function requestIdOf(error: GraphQLError): string {
  return requestIds.get(error) ?? randomUUID();
}

/** A caller's own request ID is kept when it is a sane token, so logs can be joined across services. */
function headerRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && /^[\w.-]{1,100}$/.test(value) ? value : undefined;
}
