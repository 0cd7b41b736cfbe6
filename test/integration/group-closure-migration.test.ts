import { GroupClosure1795520000000 } from '../../migrations/1795520000000-GroupClosure';
import { closureDifferences, closureSize } from '../helpers/closure';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * Nestings made before the closure table existed: the migration builds it from them (the template
 * has run it already, on no groups; here it is undone, nestings are written as the earlier version
 * wrote them, and it runs again).
 */
describe('the GroupClosure migration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const run = async (step: 'up' | 'down') => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await new GroupClosure1795520000000()[step](runner);
    } finally {
      await runner.release();
    }
  };

  test('backfills a self row per group and every pair below, paths counted through diamonds', async () => {
    await run('down');
    const [{ id: realm }] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('closure', 'Closure') RETURNING id`);
    const group = async (name: string): Promise<string> =>
      (await db.dataSource.query(`INSERT INTO groups (realm_id, name) VALUES ($1, $2) RETURNING id`, [realm, name]))[0].id;
    const [top, left, right, bottom, leaf, alone] = [await group('top'), await group('left'), await group('right'), await group('bottom'), await group('leaf'), await group('alone')];
    for (const [parent, child] of [[top, left], [top, right], [left, bottom], [right, bottom], [bottom, leaf], [top, leaf]]) {
      await db.dataSource.query(`INSERT INTO group_nestings (realm_id, parent_id, child_id) VALUES ($1, $2, $3)`, [realm, parent, child]);
    }

    await run('up');

    expect(await closureDifferences(db.dataSource, realm)).toEqual([]);
    const [{ paths }] = await db.dataSource.query(`SELECT paths::int AS paths FROM group_closure WHERE ancestor_id = $1 AND descendant_id = $2`, [top, leaf]);
    // top → left → bottom → leaf, top → right → bottom → leaf, top → leaf.
    expect(paths).toBe(3);
    // 6 self rows; top over 4, left and right over 2 each, bottom over 1.
    expect(await closureSize(db.dataSource, realm)).toBe(6 + 4 + 2 + 2 + 1);
    expect(alone).toBeDefined();
    // The triggers are in place again: a new nesting is closed at once.
    await db.dataSource.query(`INSERT INTO group_nestings (realm_id, parent_id, child_id) VALUES ($1, $2, $3)`, [realm, alone, top]);
    expect(await closureDifferences(db.dataSource, realm)).toEqual([]);
  });
});
