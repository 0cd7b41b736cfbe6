import { StoreSearchText1795480000000 } from '../../migrations/1795480000000-StoreSearchText';
import { identityFilterSql } from '../../src/identity/identity.columns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * Identities written before the search text was stored get it on upgrade (the backfill), and those
 * written or renamed after it by the trigger. (The template ran the migration on no identities; it is
 * run here again on identities as the earlier version left them, without the column.)
 */
describe('the StoreSearchText migration', () => {
  let db: TestDatabase;
  let realmId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    [{ id: realmId }] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('searched', 'Searched') RETURNING id`);
  });
  afterAll(() => db.drop());

  const migrate = async (step: 'up' | 'down') => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await new StoreSearchText1795480000000()[step](runner);
    } finally {
      await runner.release();
    }
  };
  const insert = (username: string, fullName: string) =>
    db.dataSource.query(
      `INSERT INTO identities (realm_id, display_name, username, primary_email, full_name, role, status, source)
       VALUES ($1, $2, $2, $2 || '@example.com', $3, 'GRANTEE', 'ACTIVE', 'MANUAL')`,
      [realmId, username, fullName],
    );
  const found = async (search: string): Promise<string[]> => {
    const params: unknown[] = [realmId];
    const where = identityFilterSql('i', { search }, params);
    const rows: Array<{ username: string }> = await db.dataSource.query(
      `SELECT i.username FROM identities i WHERE i.realm_id = $1 AND ${where.join(' AND ')} ORDER BY i.username`,
      params,
    );
    return rows.map((row) => row.username);
  };

  test('folds the identities that were there before it, and those written after it', async () => {
    await migrate('down');
    await insert('before1', 'Ada Lovelace');
    await insert('before2', 'Zoë Dvořák');
    await migrate('up');
    await insert('after1', 'Grace Yilmaz');

    expect(await found('LOVELACE')).toEqual(['before1']);
    expect(await found('dvorak')).toEqual(['before2']);
    expect(await found('yilmaz')).toEqual(['after1']);

    await db.dataSource.query(`UPDATE identities SET full_name = 'Ada Yılmaz' WHERE username = 'before1'`);
    expect(await found('yilmaz')).toEqual(['after1', 'before1']);
  });
});
