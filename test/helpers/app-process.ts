import 'reflect-metadata';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import { createApp } from '../../src/app/app';
import { bootstrapTokens } from '../../src/auth/bootstrap';
import { testAdminToken } from './server';

export interface RunningApp {
  readonly base: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly logs: string[];
  close(): Promise<void>;
}

/**
 * The whole server as main.ts starts it — openDatabase (migrations, the pool's timeouts), the admin
 * token, createApp — in this process, on `databaseUrl` with the settings `env` gives. For tests on a
 * PostgreSQL of their own (test/helpers/own-postgres.ts); the others use startTestServer.
 */
export async function startAppOn(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningApp> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, ADMIN_TOKEN: testAdminToken, ...env });
  const logs: string[] = [];
  const logger = createLogger('info', (line) => logs.push(line));
  const database = await openDatabase(config, logger);
  await bootstrapTokens(database.dataSource, testAdminToken);
  const app = await createApp({ dataSource: database.dataSource, config, logger, runJobs: false, listenUrl: database.directUrl });
  const port = await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: `${base}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    logs,
    close: async () => {
      await app.stop();
      await database.close();
    },
  };
}

/** Settings that make an outage quick to say: short database timeouts, and no token cache, so that every request meets the database. */
export const outageSettings = {
  STATEMENT_TIMEOUT_MS: '1000',
  DATABASE_QUERY_TIMEOUT_MS: '1500',
  DATABASE_CONNECT_TIMEOUT_MS: '500',
  TOKEN_CACHE_TTL_MS: '0',
};
