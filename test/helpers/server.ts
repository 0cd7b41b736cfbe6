import 'reflect-metadata';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createLogger } from '../../src/logger';
import { getSchema } from '../../src/schema/build';
import { createApp, type App } from '../../src/server/app';
import { createTestDatabase, type TestDatabase } from './database';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions: { code: string; inputPath?: Array<string | number>; [key: string]: unknown } }>;
}

export interface TestServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly db: TestDatabase;
  readonly logs: string[];
  /** POSTs an operation to /graphql over real HTTP. */
  graphql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Like `graphql`, but fails the test on any error and returns `data`. */
  ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** How many SQL statements `work` sent. */
  countStatements(work: () => Promise<unknown>): Promise<number>;
  wsClient(): WsClient;
  close(): Promise<void>;
}

export interface TestServerOptions {
  maxPageSize?: number;
  defaultPageSize?: number;
  production?: boolean;
}

/** The real server (Apollo + graphql-ws) on a loopback port, over a database of its own. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const logs: string[] = [];
  const app: App = await createApp({
    schema: await getSchema(),
    dataSource: db.dataSource,
    config: {
      production: options.production ?? false,
      introspection: !(options.production ?? false),
      maxPageSize: options.maxPageSize ?? 100,
      defaultPageSize: options.defaultPageSize ?? 20,
    },
    logger: createLogger('info', (line) => logs.push(line)),
  });
  const port = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}/graphql`;
  const wsUrl = `ws://127.0.0.1:${port}/graphql`;
  const clients: WsClient[] = [];

  const graphql = async (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: GraphQLResponse['errors'] };
    return { status: response.status, headers: response.headers, data: body.data as any, errors: body.errors };
  };

  return {
    url,
    wsUrl,
    db,
    logs,
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
    wsClient: () => {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.dispose()));
      await app.stop();
      await db.drop();
    },
  };
}
