import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * Migrations are the schema's truth and entities describe it. If they drift, TypeORM's schema
 * builder has statements to run; then an entity changed without a migration (or the reverse).
 */
describe('entities and migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  test('describe the same schema: synchronising would change nothing', async () => {
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });
});
