import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { migrations } from '../../migrations';
import { printSdl } from '../../src/schema/emit';
import { toGlobalId } from '../../src/common/global-id';
import { foldsCase } from '../../src/db/database';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

describe('committed artifacts', () => {
  test('schema/schema.graphql is what the code emits (run `npm run schema:emit` after an API change)', async () => {
    const committed = await readFile(path.join(__dirname, '../../schema/schema.graphql'), 'utf8');
    expect(committed).toBe(await printSdl());
  });

  test('every migration file is listed in migrations/index.ts, in order', async () => {
    const files = (await readdir(path.join(__dirname, '../../migrations'))).filter((file) => /^\d+-.+\.ts$/.test(file)).sort();
    // A migration class is named <Name><timestamp>, its file <timestamp>-<Name>.ts.
    const listed = migrations.map((migration) => migration.name.replace(/^(\D+)(\d+)$/, '$2-$1'));
    expect(files.map((file) => file.replace(/\.ts$/, ''))).toEqual(listed);
  });
});

describe('the database schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  test('global_id() in SQL makes the same IDs as the application', async () => {
    const uuids = ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff', '0fcece02-9c95-4f68-bdc5-39448f7447cb'];
    for (const type of ['Realm', 'Identity', 'Group'] as const) {
      const rows: Array<{ id: string }> = await db.dataSource.query(`SELECT global_id($1, u) AS id FROM unnest($2::uuid[]) AS u`, [type, uuids]);
      expect(rows.map((row) => row.id)).toEqual(uuids.map((uuid) => toGlobalId(type, uuid)));
    }
  });

  test('no migration is pending on a migrated database, and synchronize is off', async () => {
    expect(await db.dataSource.showMigrations()).toBe(false);
    expect(db.dataSource.options.synchronize).toBe(false);
  });
});

describe('the test database', () => {
  test('folds the case of every script, as case-insensitive uniqueness needs', async () => {
    const db = await createTestDatabase();
    try {
      expect(await foldsCase(db.dataSource)).toBe(true);
    } finally {
      await db.drop();
    }
  });
});
