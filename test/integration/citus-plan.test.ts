import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * docs/citus.md, the plan for distributing by realm (issue #16), checked against the migrated
 * schema: a plan that does not know a table, or misses a key Citus would refuse, is stale.
 */
const plan = readFileSync(path.join(__dirname, '../../docs/citus.md'), 'utf8');

/** The plan's table: table name → kind and the "Changes first" text. */
function planTable(): Map<string, { kind: string; changes: string }> {
  const rows = new Map<string, { kind: string; changes: string }>();
  for (const line of plan.split('\n')) {
    const cells = /^\| `([a-z_]+)` \| ([^|]+) \| (.*) \|$/.exec(line);
    if (cells) rows.set(cells[1], { kind: cells[2].trim(), changes: cells[3] });
  }
  return rows;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

test('every table of the schema is in the plan, and only those', async () => {
  const tables: Array<{ name: string }> = await db.dataSource.query(
    `SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  expect([...planTable().keys()].sort()).toEqual(tables.map((table) => table.name));
  for (const { kind } of planTable().values()) expect(kind).toMatch(/^(distributed by `realm_id`|reference|local \(coordinator\))$/);
});

test('a distributed table has a NOT NULL realm_id, and each unique index or foreign key without it is named as a change', async () => {
  const distributed = [...planTable()].filter(([, row]) => row.kind.startsWith('distributed'));
  expect(distributed.length).toBeGreaterThan(5);
  for (const [table, row] of distributed) {
    const [column] = await db.dataSource.query(
      `SELECT a.attnotnull AS "notNull" FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'realm_id' AND NOT a.attisdropped`,
      [table],
    );
    expect({ table, realmId: column ?? null }).toEqual({ table, realmId: { notNull: true } });
    const keys: Array<{ name: string; columns: string[]; target: string | null }> = await db.dataSource.query(
      `SELECT i.indexrelid::regclass::text AS name, NULL AS target,
              array(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey))::text[] AS columns
         FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique
       UNION ALL
       SELECT c.conname, c.confrelid::regclass::text,
              array(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey))::text[]
         FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype = 'f'`,
      [table],
    );
    const distributedNames = new Set(distributed.map(([name]) => name));
    // A foreign key onto a reference table is allowed as it is; onto a distributed one it must be co-located.
    const relevant = keys.filter((key) => key.target === null || distributedNames.has(key.target));
    const missing = relevant.filter((key) => !key.columns.includes('realm_id') && !row.changes.includes(`\`${key.name}\``)).map((key) => key.name);
    expect({ table, keysWithoutRealmNotInPlan: missing }).toEqual({ table, keysWithoutRealmNotInPlan: [] });
  }
});
