import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import type { Authenticator } from '../auth/authenticator';
import type { Caller } from '../auth/caller';
import type { Context } from '../common/context';
import { serviceUnavailableRetryAfterSeconds } from '../common/errors';
import type { Config } from '../config';
import { readiness } from '../db/database';
import type { ReadReplica } from '../db/read-replica';
import { acceptPage, acceptPageContentSecurityPolicy } from '../invitation/accept-page';
import type { Logger } from '../logger';
import { accessLog } from './access-log';
import { authenticationPlugin } from './auth';
import type { ClientAddressOf } from './client-address';
import { responseCompression } from './compression';
import type { OriginPolicy } from './cors';
import { bodyErrorResponse, formatError, isUnexpected, responseStatusPlugin } from './errors';
import { graphqlOverHttp, isGraphqlPath } from './graphql-http';
import { httpAuthenticationSteps } from './http-authentication';
import { withLimitCode, type RequestLimits } from './limits';
import { operationMetricsPlugin } from './operation-metrics';
import { setSecurityHeaders } from './security-headers';
import { replicaReadsPlugin } from './replica-reads';
import { refuseSubscriptionsOverHttp } from './subscription-over-http';
import { webPages } from './web-pages';

export interface HttpEdgeOptions {
  readonly httpServer: Server;
  readonly schema: GraphQLSchema;
  readonly config: Config;
  readonly limits: RequestLimits;
  readonly authenticator: Authenticator;
  readonly addressOf: ClientAddressOf;
  /** Which browser pages may call /graphql (CORS, src/server/cors.ts). */
  readonly origins: OriginPolicy;
  /** The request context of one HTTP request. */
  newContext(requestId: string, caller: Caller, cache: boolean): Context;
  /** For /readyz (the primary's: a replica that is down only sends queries to the primary). */
  readonly dataSource: DataSource;
  /** DATABASE_READ_URL's replica, for queries (src/server/replica-reads.ts); undefined: none. */
  readonly readReplica?: ReadReplica;
  /** SCIM 2.0 (src/scim), mounted at /scim/v2 behind the headers and compression every answer gets. */
  readonly scim: express.Router;
  /** What else to drain when the server stops (the WebSocket connections). */
  drain(): Promise<void>;
  readonly logger: Logger;
}

/**
 * The HTTP server's requests: GraphQL at /graphql (Apollo on node:http, src/server/graphql-http.ts:
 * the security headers, CORS, authentication, the rate limit, compression), and on Express, behind
 * the same security headers and compression, the pages (/graphiql, /dashboard, the invitation
 * page), SCIM and the probes (/healthz, /readyz). Every request is observed first (its ID, metrics
 * and access log line). Returns Apollo, which main.ts' shutdown stops (it drains the HTTP server
 * and `drain`).
 */
export async function httpEdge(options: HttpEdgeOptions): Promise<ApolloServer<Context>> {
  const { httpServer, schema, config, limits, authenticator, addressOf, origins, newContext, dataSource, logger } = options;
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
    // A request Apollo runs must be one a browser would have preflighted (CORS then decides): a
    // non-simple content type or one of these headers. A page cannot send an Authorization header
    // to another origin without a preflight, and a bearer token is never attached by the browser on
    // its own — a Basic one it may attach is no token here (401): so a GET with a token is no
    // forgery (docs/decisions.md 85).
    csrfPrevention: { requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'] },
    // main.ts owns shutdown; Apollo's own handler would re-raise the signal and exit with 143.
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: !config.introspection,
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    // formatError has no context; the request ID is attached in the `didEncounterErrors` hook below.
    formatError: (formatted, error) => (error instanceof GraphQLError ? formatError(withLimitCode(error), requestIdOf(error), logger) : formatted),
    plugins: [
      // Apollo installs cache control implicitly, wrapping every field (its cost: docs/decisions.md 82).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return { drainServer: options.drain };
        },
      },
      requestIdPlugin,
      operationMetricsPlugin,
      responseStatusPlugin,
      refuseSubscriptionsOverHttp(logger),
      // The cost before authentication, like the other limits: their hooks run in this order.
      limits.apolloPlugin,
      authenticationPlugin,
      ...(options.readReplica ? [replicaReadsPlugin(options.readReplica)] : []),
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

  const app = express();
  const observe = accessLog({ logger, addressOf, enabled: config.accessLog });
  const graphql = graphqlOverHttp({
    apollo,
    origins,
    authentication: httpAuthenticationSteps({ authenticator, addressOf, logger }),
    requests: limits.requests,
    maxBodyBytes: limits.maxBodyBytes,
    graphiql: config.introspection,
    newContext,
    logger,
  });
  // Observed before anything can answer, so that refusals, errors and 404s are counted and logged
  // like the rest (the request ID, the metrics, the access log line).
  httpServer.on('request', (req, res) => {
    observe(req, res);
    if (isGraphqlPath(req.url)) void graphql(req, res);
    else app(req, res);
  });

  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    setSecurityHeaders(res);
    next();
  }, responseCompression());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/invitations/accept', (_req, res) => {
    // no-store: a cache keyed by the address would keep the invitation's secret.
    res.set({ 'content-security-policy': acceptPageContentSecurityPolicy, 'cache-control': 'no-store' });
    res.type('html').send(acceptPage);
  });
  // /graphiql (where introspection is on) and /dashboard.
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
  app.use('/scim/v2', options.scim);

  app.use((_req: express.Request, res: express.Response) => {
    res.status(404).type('text/plain').send('Not found. The API is at /graphql.\n');
  });
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
  return apollo;
}

// Unexpected errors met during a request, keyed by the error, so that formatError can name the request.
const requestIds = new WeakMap<GraphQLError, string>();

function requestIdOf(error: GraphQLError): string {
  return requestIds.get(error) ?? randomUUID();
}
