import { Client, escapeIdentifier } from 'pg';
import type { DataSource } from 'typeorm';
import { ConfigError, type Config } from '../config';
import type { Logger } from '../logger';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded';
import { StatementCounter } from './statement-counter';

export interface Database {
  readonly dataSource: DataSource;
  readonly url: string;
  /**
   * A direct (session) connection to the same database: DATABASE_DIRECT_URL, else `url`. The LISTEN
   * connection's; migrations have run on it.
   */
  readonly directUrl: string;
  readonly statements: StatementCounter;
  close(): Promise<void>;
}

const embeddedDatabaseName = 'realmgraph';

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL when it is unset, and applies
 * pending migrations (on DATABASE_DIRECT_URL when it is set).
 *
 * DATABASE_DIRECT_URL set means DATABASE_URL goes through a transaction-mode pooler (PgBouncer):
 * each transaction, or each statement outside one, may run on another server connection, shared with
 * other clients. So the pool keeps no state in a session — no named prepared statement, no `SET`,
 * no session-level advisory lock, no LISTEN (the notification listener connects to the direct URL)
 * — and sends no startup parameter a pooler does not know: the statement timeout is the database's
 * own setting for the role, checked here (docs/decisions.md, "Behind a transaction pooler").
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (url === undefined) {
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, logger });
    stopEmbedded = embedded.stop;
    url = await ensureDatabase(embedded.adminUrl, embeddedDatabaseName);
  }
  const directUrl = config.databaseDirectUrl ?? url;
  const pooled = config.databaseDirectUrl !== undefined;
  const statements = new StatementCounter(logger);
  const dataSource = createDataSource(url, statements, {
    statementTimeoutMs: pooled ? undefined : config.limits.statementTimeoutMs,
    connectTimeoutMs: config.database.connectTimeoutMs,
    queryTimeoutMs: config.database.queryTimeoutMs,
  });
  try {
    await applyMigrations(directUrl, statements, logger, config.database.connectTimeoutMs);
    await dataSource.initialize();
    if (pooled) await checkPooledStatementTimeout(dataSource, config.limits.statementTimeoutMs);
    if (!(await foldsCase(dataSource))) {
      logger.warn(
        'this database does not fold the case of non-ASCII letters (its LC_CTYPE is "C"?): usernames, emails and group ' +
          'names will be unique case-insensitively for ASCII letters only. Use a UTF-8 locale, e.g. the builtin C.UTF-8 provider.',
      );
    }
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await stopEmbedded?.();
    throw explainPoolerRefusal(error, pooled);
  }
  return {
    dataSource,
    url,
    directUrl,
    statements,
    close: async () => {
      statements.closing = true;
      if (dataSource.isInitialized) await dataSource.destroy();
      await stopEmbedded?.();
    },
  };
}

/**
 * Applies pending migrations through a pool of their own, on a direct connection, without the
 * statement timeout — not the pool's, nor one the database sets for the role (a pooler's, see
 * openDatabase): building an index on a large table may rightly take longer than any request
 * should. So without the query timeout too, which would cut it client-side. It gets the connect
 * timeout and keepalive.
 *
 * Instances started together on one database (a compose file, the first rollout) would race: TypeORM
 * does not lock (two would create `typeorm_migrations` or apply a migration at once, and one would
 * fail). A session advisory lock on a connection of its own makes them take turns; whoever comes
 * second finds nothing pending. Session-level, so it needs a session: the direct connection, not a
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
    const migrator = createDataSource(url, statements, { connectTimeoutMs, withoutStatementTimeout: true });
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

/**
 * Behind a transaction pooler, STATEMENT_TIMEOUT_MS cannot travel with the connection: PgBouncer
 * refuses an unknown startup parameter, or drops it silently when told to ignore it, and a `SET`
 * would stay on a server connection other clients get next. It is the database's own setting for
 * the role, which PostgreSQL applies to every connection it opens, the pooler's included — so
 * start-up stops unless what a pooled connection gets is STATEMENT_TIMEOUT_MS: a limit README
 * "Limits" promises must not be silently gone.
 */
async function checkPooledStatementTimeout(dataSource: DataSource, expectedMs: number): Promise<void> {
  const [row] = await dataSource.query(
    `SELECT setting::int AS ms, current_user AS role, current_database() AS database FROM pg_settings WHERE name = 'statement_timeout'`,
  );
  if (row.ms === expectedMs) return;
  throw new ConfigError(
    `STATEMENT_TIMEOUT_MS is ${expectedMs}, but connections through DATABASE_URL get statement_timeout ${row.ms} ms: behind a pooler ` +
      `(DATABASE_DIRECT_URL is set) the statement timeout is the database's own setting for the role. Run on the database ` +
      `\`ALTER ROLE ${escapeIdentifier(row.role)} IN DATABASE ${escapeIdentifier(row.database)} SET statement_timeout = ${expectedMs};\`` +
      ` (the pooler's server connections opened before keep their value until replaced: RECONNECT in PgBouncer's console), or set STATEMENT_TIMEOUT_MS=${row.ms}.`,
  );
}

/** PgBouncer's answer to a startup parameter it does not know, e.g. `options` or `statement_timeout`. */
const poolerRefusal = /unsupported startup parameter: (\S+)/;

/** A pooler's refusal of a startup parameter, said as what to set; any other error as it is. */
function explainPoolerRefusal(error: unknown, pooled: boolean): unknown {
  const refused = error instanceof Error ? poolerRefusal.exec(error.message) : null;
  if (!refused) return error;
  return new ConfigError(
    pooled
      ? `DATABASE_DIRECT_URL must lead to PostgreSQL itself, not to a pooler: the one there refused the startup parameter "${refused[1]}".`
      : `DATABASE_URL leads to a connection pooler, which refused the startup parameter "${refused[1]}": set DATABASE_DIRECT_URL to a direct ` +
          'connection to the same database, for the LISTEN connection and migrations (README "Running behind PgBouncer").',
  );
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
