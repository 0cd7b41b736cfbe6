import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * identity_counts (migration IdentityCounts): the sum of a realm's slots is its identities and its
 * DEPROVISIONED ones, whatever writes them — bulk SQL, single rows from several connections,
 * deletions, status changes into and out of DEPROVISIONED, a realm's deletion — checked against
 * count(*) after each step.
 */
describe('identity_counts', () => {
  let db: TestDatabase;
  let realm: string;
  let other: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    [{ id: realm }] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('counted', 'Counted') RETURNING id`);
    [{ id: other }] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('other', 'Other') RETURNING id`);
  });
  afterAll(() => db.drop());

  const insert = (realmUuid: string, from: number, to: number, status = 'ACTIVE') =>
    db.dataSource.query(
      `INSERT INTO identities (realm_id, display_name, username, primary_email, role, status, source)
       SELECT $1, 'User ' || n, 'user-' || n, 'user-' || n || '@example.com', 'GRANTEE', $4, 'MANUAL' FROM generate_series($2::int, $3::int) n`,
      [realmUuid, from, to, status],
    );

  async function counts(realmUuid: string) {
    const [kept] = await db.dataSource.query(
      `SELECT coalesce(sum(identities), 0)::int AS identities, coalesce(sum(deprovisioned), 0)::int AS deprovisioned FROM identity_counts WHERE realm_id = $1`,
      [realmUuid],
    );
    const [counted] = await db.dataSource.query(
      `SELECT count(*)::int AS identities, (count(*) FILTER (WHERE status = 'DEPROVISIONED'))::int AS deprovisioned FROM identities WHERE realm_id = $1`,
      [realmUuid],
    );
    return { kept, counted };
  }

  test('follows inserts in bulk and one by one over several connections', async () => {
    await insert(realm, 1, 500);
    await insert(other, 1, 7);
    const second = await db.newDataSource();
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? db.dataSource : second).query(
        `INSERT INTO identities (realm_id, display_name, username, primary_email, role, status, source) VALUES ($1, 'One', $2, $2 || '@example.com', 'GRANTEE', 'ACTIVE', 'MANUAL')`,
        [realm, `one-${i}`],
      )));
    } finally {
      await second.destroy();
    }
    await insert(realm, 1001, 1010, 'DEPROVISIONED');
    expect((await counts(realm)).kept).toEqual({ identities: 530, deprovisioned: 10 });
    expect((await counts(realm)).kept).toEqual((await counts(realm)).counted);
    expect((await counts(other)).kept).toEqual({ identities: 7, deprovisioned: 0 });
  });

  test('follows status changes into and out of DEPROVISIONED, and no other change', async () => {
    await db.dataSource.query(`UPDATE identities SET status = 'DEPROVISIONED' WHERE realm_id = $1 AND username IN ('user-1', 'user-2', 'user-3')`, [realm]);
    await db.dataSource.query(`UPDATE identities SET status = 'SUSPENDED' WHERE realm_id = $1 AND username IN ('user-3', 'user-4')`, [realm]);
    await db.dataSource.query(`UPDATE identities SET display_name = 'Renamed' WHERE realm_id = $1 AND username LIKE 'user-1%'`, [realm]);
    expect((await counts(realm)).kept).toEqual({ identities: 530, deprovisioned: 12 });
    expect((await counts(realm)).kept).toEqual((await counts(realm)).counted);
  });

  test('follows deletions, and a rolled-back write leaves it as it was', async () => {
    await db.dataSource.query(`DELETE FROM identities WHERE realm_id = $1 AND username LIKE 'user-2%'`, [realm]);
    await db.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM identities WHERE realm_id = $1`, [realm]);
      throw new Error('rolled back');
    }).catch(() => undefined);
    const { kept, counted } = await counts(realm);
    expect(kept).toEqual(counted);
    expect(kept.identities).toBeLessThan(530);
  });

  test('goes with its realm, and the other realms keep theirs', async () => {
    await db.dataSource.query(`DELETE FROM realms WHERE id = $1`, [realm]);
    expect(await db.dataSource.query(`SELECT * FROM identity_counts WHERE realm_id = $1`, [realm])).toEqual([]);
    expect((await counts(other)).kept).toEqual({ identities: 7, deprovisioned: 0 });
  });
});
