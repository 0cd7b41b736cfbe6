import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded';
import { StatementCounter } from './statement-counter';

export interface Database {
  readonly dataSource: DataSource;
  readonly url: string;
  readonly statements: StatementCounter;
  close(): Promise<void>;
}

const embeddedDatabaseName = 'realmgraph';

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL when it is unset, and applies
 * pending migrations.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (url === undefined) {
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, logger });
    stopEmbedded = embedded.stop;
    url = await ensureDatabase(embedded.adminUrl, embeddedDatabaseName);
  }
  const statements = new StatementCounter(logger);
  const dataSource = createDataSource(url, statements, {
    statementTimeoutMs: config.limits.statementTimeoutMs,
    connectTimeoutMs: config.database.connectTimeoutMs,
    queryTimeoutMs: config.database.queryTimeoutMs,
  });
  try {
    await applyMigrations(url, statements, logger, config.database.connectTimeoutMs);
    await dataSource.initialize();
    if (!(await foldsCase(dataSource))) {
      logger.warn(
        'this database does not fold the case of non-ASCII letters (its LC_CTYPE is "C"?): usernames, emails and group ' +
          'names will be unique case-insensitively for ASCII letters only. Use a UTF-8 locale, e.g. the builtin C.UTF-8 provider.',
      );
    }
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await stopEmbedded?.();
    throw error;
  }
  return {
    dataSource,
    url,
    statements,
    close: async () => {
      statements.closing = true;
      if (dataSource.isInitialized) await dataSource.destroy();
      await stopEmbedded?.();
    },
  };
}

/**
 * Applies pending migrations through a pool of their own, without the statement timeout: building
 * an index on a large table may rightly take longer than any request should — so without the query
 * timeout too, which would cut it client-side. It gets the connect timeout and keepalive.
 *
 * Instances started together on one database (a compose file, the first rollout) would race: TypeORM
 * does not lock (two would create `typeorm_migrations` or apply a migration at once, and one would
 * fail). A session advisory lock on a connection of its own makes them take turns; whoever comes
 * second finds nothing pending. Session-level, so it needs a session: a direct connection, not a
 * transaction pooler's.
 */
export async function applyMigrations(url: string, statements: StatementCounter, logger: Logger, connectTimeoutMs: number): Promise<void> {
  const lock = new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true });
  await lock.connect();
  try {
    // Tried, not waited for: a session blocked inside pg_advisory_lock holds a snapshot, and a
    // migration building an index CONCURRENTLY waits for every such snapshot — a deadlock.
    while (!(await lock.query(`SELECT pg_try_advisory_lock(hashtextextended('realmgraph.migrations', 0)) AS taken`)).rows[0].taken) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const migrator = createDataSource(url, statements, { connectTimeoutMs });
    await migrator.initialize();
    try {
      const applied = await migrator.runMigrations({ transaction: 'each' });
      for (const migration of applied) logger.info('migration applied', { name: migration.name });
    } finally {
      await migrator.destroy();
    }
  } finally {
    // Ending the session releases the lock, whatever happened.
    await lock.end();
  }
}

/** Creates `name` on the server behind `adminUrl` unless it exists; returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Whether lower() folds non-ASCII letters, on which case-insensitive uniqueness relies. */
export async function foldsCase(dataSource: DataSource): Promise<boolean> {
  const [row] = await dataSource.query(`SELECT lower('ÄΣЖ') = 'äσж' AS folds`);
  return row.folds;
}

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * What /readyz reports: ready when the database answers within `deadlineMs` and no migration is
 * pending. The reason never quotes the driver (it names the database's address).
 */
export async function readiness(dataSource: DataSource, deadlineMs: number): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Readiness>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, reason: `The database did not answer within ${deadlineMs} ms.` }), deadlineMs);
  });
  const check = (async (): Promise<Readiness> => {
    try {
      await dataSource.query('SELECT 1');
      if (await dataSource.showMigrations()) return { ready: false, reason: 'Migrations are pending.' };
      return { ready: true };
    } catch {
      return { ready: false, reason: 'The database cannot be reached.' };
    }
  })();
  try {
    // The check goes on after the deadline, bounded by the pool's own timeouts; only its answer is dropped.
    return await Promise.race([check, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
