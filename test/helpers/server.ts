import 'reflect-metadata';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createApp, type App } from '../../src/app/app';
import { bootstrapTokens } from '../../src/auth/bootstrap';
import { StatementCounter } from '../../src/db/statement-counter';
import { createTestDatabase, type TestDatabase } from './database';
import { expectKnownCodes } from './known-codes';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions: { code: string; inputPath?: Array<string | number>; [key: string]: unknown } }>;
}

export interface TestServer {
  /** An all-realms token with every scope (ADMIN_TOKEN), sent by default. */
  readonly adminToken: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly db: TestDatabase;
  readonly logs: string[];
  /** GET /metrics on its own port, when `env` sets METRICS_PORT. */
  readonly metricsUrl: string | undefined;
  /** POSTs an operation to /graphql over real HTTP, with the admin token unless `headers.authorization` says otherwise ('' for none). */
  graphql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Like `graphql`, but fails the test on any error and returns `data`. */
  ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** How many SQL statements `work` sent. */
  countStatements(work: () => Promise<unknown>): Promise<number>;
  /** Transactions of this instance that PostgreSQL aborted for a deadlock (and withTransaction ran again). */
  deadlocks(): number;
  /** A graphql-ws client; with the admin token unless another (or null: none) is given. */
  wsClient(token?: string | null): WsClient;
  /** A new API token through the API, e.g. read-only or bound to one realm. */
  createToken(scopes: string[], realmId?: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

/** The ADMIN_TOKEN every test server is given (at least 24 characters, as the config demands). */
export const testAdminToken = 'rg_test_admin_token_0123456789abcdef';

export interface TestServerOptions {
  maxPageSize?: number;
  defaultPageSize?: number;
  production?: boolean;
  /** Environment variables as the server would read them (e.g. SMTP_URL, JOB_INTERVAL_MS). */
  env?: Record<string, string>;
  runJobs?: boolean;
  /** Another server's database: two instances on one database. */
  db?: TestDatabase;
}

/** The real server (Apollo + graphql-ws) on a loopback port, over a database of its own. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDatabase = options.db === undefined;
  const db = options.db ?? (await createTestDatabase());
  const logs: string[] = [];
  const adminToken = options.env?.ADMIN_TOKEN ?? testAdminToken;
  await bootstrapTokens(db.dataSource, adminToken);
  const statements = ownDatabase ? db.statements : new StatementCounter();
  const app: App = await createApp({
    dataSource: ownDatabase ? db.dataSource : await db.newDataSource(statements),
    config: loadConfig({
      ...(options.production ? { NODE_ENV: 'production' } : {}),
      MAX_PAGE_SIZE: String(options.maxPageSize ?? 100),
      DEFAULT_PAGE_SIZE: String(options.defaultPageSize ?? 20),
      JOB_INTERVAL_MS: '100',
      ADMIN_TOKEN: adminToken,
      ...options.env,
    }),
    logger: createLogger('info', (line) => logs.push(line)),
    runJobs: options.runJobs,
  });
  const port = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}/graphql`;
  const wsUrl = `ws://127.0.0.1:${port}/graphql`;
  const clients: WsClient[] = [];

  const graphql = async (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const sent: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${adminToken}`, ...headers };
    if (sent.authorization === '') delete sent.authorization;
    const response = await fetch(url, {
      method: 'POST',
      headers: sent,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: GraphQLResponse['errors'] };
    expectKnownCodes(body.errors, 'HTTP');
    return { status: response.status, headers: response.headers, data: body.data as any, errors: body.errors };
  };

  return {
    adminToken,
    url,
    wsUrl,
    db,
    logs,
    metricsUrl: app.metricsPort === undefined ? undefined : `http://127.0.0.1:${app.metricsPort}/metrics`,
    graphql,
    ok: async (query, variables) => {
      const result = await graphql(query, variables);
      if (result.errors) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
      return result.data;
    },
    countStatements: async (work) => {
      const before = db.statements.count;
      await work();
      return db.statements.count - before;
    },
    deadlocks: () => statements.deadlocks,
    wsClient: (token = adminToken) => {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
      });
      clients.push(client);
      return client;
    },
    createToken: async (scopes, realmId) => {
      const result = await graphql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } token } }`,
        { input: { name: `test ${scopes.join(' ')}`.slice(0, 100), scopes, realmId } },
      );
      if (result.errors) throw new Error(`createApiToken: ${JSON.stringify(result.errors)}`);
      return { id: result.data.createApiToken.apiToken.id, token: result.data.createApiToken.token };
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.dispose()));
      await app.stop();
      if (ownDatabase) await db.drop();
    },
  };
}
