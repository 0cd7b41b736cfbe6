/*
 * Nested groups (#14): the closure table as built (docs/decisions.md 106), measured on the real
 * schema (every migration, the triggers included) and the repository's own statements. Not the
 * bench: a scratch measurement, as bench/scratch/transitive-membership.sql was for decision 105,
 * on the same tree — a root, 10 children, 100 leaves, 10 000 identities per leaf (1 000 000), the
 * first 1 000 of each leaf also in the next leaf, leaf 0 also under a second child — and "big", a
 * 100 000-member group outside the tree.
 *
 * How to run (about 3–4 minutes, ~2 GB of disk), on the built server (dist/):
 *   node scripts/build.mjs server
 *   node bench/scratch/group-closure.mjs                                  # an embedded PostgreSQL in a temporary directory
 *   DATABASE_URL=postgres://… node bench/scratch/group-closure.mjs        # a server where the user may CREATE DATABASE
 * It creates the database closure_measure, and drops it at the end.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { Client } = require('pg');
const { createDataSource } = require('../../dist/src/db/data-source.js');
const { startEmbeddedPostgres } = require('../../dist/src/db/embedded.js');
const { createLogger } = require('../../dist/src/logger.js');
const { childReachingParent } = require('../../dist/src/membership/nesting.repository.js');
const { groupsOfUsers } = require('../../dist/src/scim/scim.repository.js');
const {
  transitiveGroupCounts,
  transitiveGroupOrderingOf,
  transitiveGroupPages,
  transitiveMemberCounts,
  transitiveMemberPages,
} = require('../../dist/src/membership/transitive.repository.js');

const runs = 15;

/** Runs `work` `runs` times after one warm-up; the median and the range, in ms. */
async function timed(label, work, times = runs) {
  await work();
  const samples = [];
  for (let n = 0; n < times; n++) {
    const start = process.hrtime.bigint();
    await work();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(72)} median ${samples[Math.floor(samples.length / 2)].toFixed(2)} ms  (${samples[0].toFixed(2)}–${samples[samples.length - 1].toFixed(2)})`);
}

/** A Queryable that keeps the last statement it ran, to EXPLAIN it. */
function recording(db) {
  const wrapper = {
    query: (sql, params = []) => {
      wrapper.last = { sql, params };
      return db.query(sql, params);
    },
  };
  return wrapper;
}

async function main() {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'closure-measure-'));
    const embedded = await startEmbeddedPostgres({ dataDir, port: 55439, logger: createLogger('warn'), persistent: false });
    adminUrl = embedded.adminUrl;
    stop = async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS closure_measure');
  await admin.query('CREATE DATABASE closure_measure');
  // The API's short statements, as decision 105 measured them: timings comparable, no parallel plans.
  await admin.query('ALTER DATABASE closure_measure SET max_parallel_workers_per_gather = 0');
  const url = new URL(adminUrl);
  url.pathname = '/closure_measure';
  const db = createDataSource(url.toString());
  await db.initialize();
  try {
    await db.runMigrations({ transaction: 'each' });
    const [{ version }] = await db.query(`SELECT current_setting('server_version') AS version`);
    console.log(`PostgreSQL ${version}`);

    let start = Date.now();
    const [{ id: realm }] = await db.query(`INSERT INTO realms (name, display_name) VALUES ('measure', 'Measure') RETURNING id`);
    await db.query(
      `INSERT INTO groups (realm_id, name)
       SELECT $1::uuid, x FROM (VALUES ('root'), ('big')) v(x)
       UNION ALL SELECT $1::uuid, 'c' || i FROM generate_series(0, 9) i
       UNION ALL SELECT $1::uuid, 'l' || i FROM generate_series(0, 99) i`,
      [realm],
    );
    const named = new Map((await db.query(`SELECT name, id FROM groups WHERE realm_id = $1`, [realm])).map((row) => [row.name, row.id]));
    const g = (name) => named.get(name);
    // The tree, nesting by nesting in one statement: the triggers close it as they go.
    await db.query(
      `INSERT INTO group_nestings (realm_id, parent_id, child_id)
       SELECT $1::uuid, p, c FROM unnest($2::uuid[], $3::uuid[]) AS t(p, c)`,
      [
        realm,
        [...Array.from({ length: 10 }, () => g('root')), ...Array.from({ length: 100 }, (_, i) => g(`c${Math.floor(i / 10)}`)), g('c1')],
        [...Array.from({ length: 10 }, (_, i) => g(`c${i}`)), ...Array.from({ length: 100 }, (_, i) => g(`l${i}`)), g('l0')],
      ],
    );
    console.log(`tree: 111 nestings in ${Date.now() - start} ms; closure rows ${(await db.query(`SELECT count(*)::int AS n FROM group_closure`))[0].n}`);

    start = Date.now();
    await db.query(
      `INSERT INTO identities (realm_id, display_name, username, primary_email, role, status, source)
       SELECT $1::uuid, 'User ' || n, 'u' || n, 'u' || n || '@example.com', 'GRANTEE', 'ACTIVE', 'MANUAL' FROM generate_series(0, 1099999) n`,
      [realm],
    );
    console.log(`identities: 1 100 000 in ${((Date.now() - start) / 1000).toFixed(0)} s`);
    start = Date.now();
    await db.query(
      `INSERT INTO group_memberships (group_id, identity_id, realm_id, added_at)
       SELECT l.id, i.id, $1::uuid, timestamptz '2026-01-01' + (random() * 300) * interval '1 day'
         FROM identities i JOIN groups l ON l.realm_id = $1 AND l.name = 'l' || (substr(i.username, 2)::int / 10000)
        WHERE substr(i.username, 2)::int < 1000000
       UNION ALL
       SELECT l.id, i.id, $1::uuid, timestamptz '2026-01-01' + (random() * 300) * interval '1 day'
         FROM identities i JOIN groups l ON l.realm_id = $1 AND l.name = 'l' || ((substr(i.username, 2)::int / 10000 + 1) % 100)
        WHERE substr(i.username, 2)::int < 1000000 AND substr(i.username, 2)::int % 10000 < 1000
       UNION ALL
       SELECT $2::uuid, i.id, $1::uuid, timestamptz '2026-01-01' + (random() * 300) * interval '1 day'
         FROM identities i WHERE substr(i.username, 2)::int >= 1000000`,
      [realm, g('big')],
    );
    await db.query('VACUUM ANALYZE');
    console.log(`memberships: 1 200 000 in ${((Date.now() - start) / 1000).toFixed(0)} s`);

    const q = recording(db);
    const projection = { node: new Set(['id', 'username']), edge: new Set(['cursor', 'addedAt', 'direct']) };
    const page = (groupUuid, cursor, forward = true) =>
      transitiveMemberPages(q, [groupUuid], undefined, { forward, limit: 20, cursor: cursor ? [cursor] : null, hasCursor: cursor !== null }, projection);
    const [{ id: deep }] = await db.query(
      `SELECT identity_id::text AS id FROM (SELECT DISTINCT gm.identity_id FROM group_closure c JOIN group_memberships gm ON gm.group_id = c.descendant_id WHERE c.ancestor_id = $1) t ORDER BY 1 OFFSET 900000 LIMIT 1`,
      [g('root')],
    );
    console.log('\nreads (root: 1 000 000 identities, 111 groups below it)');
    await timed('Group.members(TRANSITIVE, first: 20), root, first page', () => page(g('root'), null));
    await timed('Group.members(TRANSITIVE, first: 20), root, after row 900 000', () => page(g('root'), deep));
    await timed('Group.members(TRANSITIVE, last: 20), root, last page', () => page(g('root'), null, false));
    await timed('Group.members(TRANSITIVE, first: 20), c3 (100 000), first page', () => page(g('c3'), null));
    await timed('Group.members(TRANSITIVE, first: 20, filter: { search: "u12345" }), root', () =>
      transitiveMemberPages(q, [g('root')], { search: 'u12345' }, { forward: true, limit: 20, cursor: null, hasCursor: false }, projection),
    );
    await timed('… the same for 10 groups at once (one statement: c0..c9)', () =>
      transitiveMemberPages(q, Array.from({ length: 10 }, (_, i) => g(`c${i}`)), undefined, { forward: true, limit: 20, cursor: null, hasCursor: false }, projection),
    );
    await page(g('root'), deep);
    const explained = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.last.sql}`, q.last.params);
    console.log(`  plan of the page after row 900 000: ${explained.find((row) => /Execution Time/.test(row['QUERY PLAN']))?.['QUERY PLAN']}; ${explained.filter((row) => /Index (Only )?Scan/.test(row['QUERY PLAN'])).length} index scans`);
    await timed('transitiveMemberCount, root (1 000 000)', () => transitiveMemberCounts(q, [g('root')], undefined), 3);
    await timed('transitiveMemberCount, c3 (100 000)', () => transitiveMemberCounts(q, [g('c3')], undefined), 5);
    await timed('transitiveMemberCount, a leaf (~11 000)', () => transitiveMemberCounts(q, [g('l5')], undefined));
    const [{ id: twice }] = await db.query(`SELECT id FROM identities WHERE username = 'u10500'`);
    const groupProjection = { node: new Set(['id', 'name']), edge: new Set(['cursor', 'direct']) };
    await timed('Identity.groups(TRANSITIVE): an identity in 2 leaves (5 groups), page + groups', () =>
      transitiveGroupPages(q, [twice], transitiveGroupOrderingOf(null), { forward: true, limit: 20, cursor: null, hasCursor: false }, groupProjection),
    );
    const hundred = (await db.query(`SELECT id FROM identities WHERE username LIKE 'u1050_' OR username LIKE 'u2050_' ORDER BY id LIMIT 100`)).map((row) => row.id);
    await timed('Identity.groups(TRANSITIVE) of 20 identities (one statement + groups)', () =>
      transitiveGroupPages(q, hundred.slice(0, 20), transitiveGroupOrderingOf(null), { forward: true, limit: 20, cursor: null, hasCursor: false }, groupProjection),
    );
    await timed('… their counts', () => transitiveGroupCounts(q, hundred.slice(0, 20)));
    await timed('SCIM groupsOfUsers, a page of 100 users', () => groupsOfUsers(q, hundred));
    const filtered = `SELECT i.id FROM identities i WHERE i.realm_id = $1 AND EXISTS (SELECT 1 FROM group_memberships gm JOIN group_closure gc ON gc.descendant_id = gm.group_id WHERE gm.identity_id = i.id AND gc.ancestor_id = $2) ORDER BY i.created_at, i.id LIMIT 100`;
    await timed('SCIM Users filter groups.value eq root, a page of 100', () => db.query(filtered, [realm, g('root')]), 5);
    await timed('SCIM Users filter groups.value eq a leaf (1 % of the realm), a page of 100', () => db.query(filtered, [realm, g('l7')]), 5);

    console.log('\nwrites (in a transaction each, rolled back)');
    const inTx = async (work) => {
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        await work(runner.manager);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    };
    await timed('baseline: an empty transaction (BEGIN, ROLLBACK)', () => inTx(async () => {}));
    await timed('cycle check: 1 child, one probe of group_closure', () => inTx((tx) => childReachingParent(tx, g('l5'), [g('root')])));
    await timed('cycle check: 100 children at once', () => inTx((tx) => childReachingParent(tx, g('root'), Array.from({ length: 100 }, (_, i) => g(`l${i}`)))));
    const nestBig = (tx) => tx.query(`INSERT INTO group_nestings (realm_id, parent_id, child_id) VALUES ($1, $2, $3)`, [realm, g('l5'), g('big')]);
    await timed('nest "big" (100 000 members) in a leaf: 1 nesting + 3 closure rows', () => inTx(nestBig));
    await timed('… and un-nest it in the same transaction', () => inTx(async (tx) => {
      await nestBig(tx);
      await tx.query(`DELETE FROM group_nestings WHERE parent_id = $1 AND child_id = $2`, [g('l5'), g('big')]);
    }));
    await timed('nest root (112 groups below it) in a new group: 112 closure rows', () => inTx(async (tx) => {
      const [{ id: top }] = await tx.query(`INSERT INTO groups (realm_id, name) VALUES ($1, 'top') RETURNING id`, [realm]);
      await tx.query(`INSERT INTO group_nestings (realm_id, parent_id, child_id) VALUES ($1, $2, $3)`, [realm, top, g('root')]);
    }), 5);
    await timed('baseline: the same transaction, the group inserted only', () => inTx((tx) => tx.query(`INSERT INTO groups (realm_id, name) VALUES ($1, 'top')`, [realm])), 5);
    await timed('un-nest c3 from root: 11 pairs lose their one path', () => inTx((tx) => tx.query(`DELETE FROM group_nestings WHERE parent_id = $1 AND child_id = $2`, [g('root'), g('c3')])), 5);
    const [{ size }] = await db.query(`SELECT pg_size_pretty(pg_total_relation_size('group_closure')) AS size`);
    console.log(`\ngroup_closure: ${(await db.query(`SELECT count(*)::int AS n FROM group_closure`))[0].n} rows, ${size}`);
  } finally {
    await db.destroy();
    await admin.query('DROP DATABASE IF EXISTS closure_measure');
    await admin.end();
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
