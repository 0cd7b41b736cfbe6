import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net';

/** PGBOUNCER_PATH when set, else where packages put it (Debian's: /usr/sbin); undefined when it is not there. */
export function pgbouncerBinary(): string | undefined {
  const candidates = process.env.PGBOUNCER_PATH ? [process.env.PGBOUNCER_PATH] : ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer', '/opt/homebrew/bin/pgbouncer'];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there; the next one
    }
  }
  return undefined;
}

export interface PgBouncer {
  /** A URL of the pooled database through the pooler, for the user of the database URL it was given. */
  readonly url: string;
  /** The pooler's console (`SHOW POOLS`, `SHOW SERVERS`, …), for the same user. */
  readonly adminUrl: string;
  /** Its log, line by line (it logs to stderr). */
  readonly output: string[];
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections to the database, at most (default_pool_size and max_db_connections). */
  readonly poolSize: number;
}

/**
 * A real PgBouncer in transaction mode, on a free loopback port, in front of the one database
 * `databaseUrl` names (its user and password are the ones the pooler logs in with). Clients log in
 * to it as that user without a password (auth_type trust: loopback, for a test). No
 * ignore_startup_parameters: whatever a client sends that PgBouncer does not know is refused, as it
 * would be in production.
 */
export async function startPgBouncer(binary: string, databaseUrl: string, options: PgBouncerOptions): Promise<PgBouncer> {
  const target = new URL(databaseUrl);
  const database = decodeURIComponent(target.pathname.slice(1));
  const user = decodeURIComponent(target.username);
  const password = decodeURIComponent(target.password);
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'realmgraph-pgbouncer-'));
  // As root, PgBouncer must be told to switch to another user (`-u`), who must read its files.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chmod(dir, 0o755);
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const server = [`host=${quote(target.hostname)}`, `port=${target.port || 5432}`, `dbname=${quote(database)}`, `user=${quote(user)}`];
  if (password) server.push(`password=${quote(password)}`);
  await writeFile(path.join(dir, 'userlist.txt'), `"${user.replace(/"/g, '""')}" ""\n`);
  await writeFile(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = ${server.join(' ')}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      `max_db_connections = ${options.poolSize}`,
      'max_client_conn = 200',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'nobody'] : []), path.join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        output.push(line);
        if (line.includes('process up')) resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`pgbouncer exited (${code}) before listening:\n${output.join('\n')}`)));
  });
  const address = (name: string) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  return {
    url: address(database),
    adminUrl: address('pgbouncer'),
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
