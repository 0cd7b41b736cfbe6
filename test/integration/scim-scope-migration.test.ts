import { ScimScope1795490000001 } from '../../migrations/1795490000001-ScimScope';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * Tokens made before the scope scim existed that held every scope hold it after the upgrade (a
 * creator grants only what it holds); the others do not. (The template ran the migration on no
 * tokens; it is run here again, down and up, on tokens as the earlier version made them.)
 */
describe('the ScimScope migration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const migrate = async (step: 'up' | 'down') => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await new ScimScope1795490000001()[step](runner);
    } finally {
      await runner.release();
    }
  };
  const token = async (name: string, scopes: string[]): Promise<string> => {
    const [row] = await db.dataSource.query(
      `INSERT INTO api_tokens (name, scopes, token_hash) VALUES ($1::text, $2::text[], sha256(convert_to($1::text, 'UTF8'))) RETURNING id`,
      [name, scopes],
    );
    return row.id;
  };
  const scopesOf = async (id: string): Promise<string[]> => (await db.dataSource.query(`SELECT scopes FROM api_tokens WHERE id = $1`, [id]))[0].scopes;

  test('gives scim to the tokens that held every scope, and to no other', async () => {
    await migrate('down');
    const every = ['realms:read', 'realms:write', 'identities:read', 'identities:write', 'groups:read', 'groups:write', 'invitations:read', 'invitations:write', 'events:read', 'tokens:write'];
    const admin = await token('first admin', every);
    const reader = await token('reader', ['realms:read', 'identities:read']);
    await migrate('up');
    expect(await scopesOf(admin)).toEqual([...every, 'scim']);
    expect(await scopesOf(reader)).toEqual(['realms:read', 'identities:read']);
  });
});
