import { TokenTree1795460531207 } from '../../migrations/1795460531207-TokenTree';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * Tokens made before revocations and expiries reached descendants may break the rule; the
 * migration mends them on upgrade. (The template has run it already, on no tokens; it is run here
 * again on rows written as the earlier version could leave them.)
 */
describe('the TokenTree migration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const token = async (name: string, fields: { createdBy?: string; expiresAt?: string; revoked?: boolean } = {}): Promise<string> => {
    const [row] = await db.dataSource.query(
      `INSERT INTO api_tokens (name, scopes, token_hash, created_by, expires_at, revoked_at)
       VALUES ($1::text, ARRAY['realms:read'], sha256(convert_to($1::text, 'UTF8')), $2::uuid, $3::timestamptz, CASE WHEN $4::boolean THEN now() END) RETURNING id`,
      [name, fields.createdBy ?? null, fields.expiresAt ?? null, fields.revoked ?? false],
    );
    return row.id;
  };
  const state = async (id: string) =>
    (await db.dataSource.query(`SELECT revoked_at IS NOT NULL AS revoked, expires_at AS "expiresAt" FROM api_tokens WHERE id = $1`, [id]))[0];

  test('revokes what a revoked token made, to the leaves, and ends what outlived its creator with it', async () => {
    const revokedRoot = await token('revoked root', { revoked: true });
    const orphanChild = await token('still working under a revoked root', { createdBy: revokedRoot });
    const orphanGrandchild = await token('and its own child', { createdBy: orphanChild });
    const expiring = await token('expires 2030', { expiresAt: '2030-01-01T00:00:00Z' });
    const forever = await token('never expires, made by it', { createdBy: expiring });
    const sooner = await token('expires 2029, made by that one', { createdBy: forever, expiresAt: '2029-01-01T00:00:00Z' });
    const later = await token('expires 2031, made by that one', { createdBy: forever, expiresAt: '2031-01-01T00:00:00Z' });
    const unrelated = await token('made with the token command');

    const runner = db.dataSource.createQueryRunner();
    try {
      await new TokenTree1795460531207().up(runner);
    } finally {
      await runner.release();
    }

    expect(await state(orphanChild)).toMatchObject({ revoked: true });
    expect(await state(orphanGrandchild)).toMatchObject({ revoked: true });
    expect(await state(forever)).toEqual({ revoked: false, expiresAt: new Date('2030-01-01T00:00:00Z') });
    expect(await state(sooner)).toEqual({ revoked: false, expiresAt: new Date('2029-01-01T00:00:00Z') });
    expect(await state(later)).toEqual({ revoked: false, expiresAt: new Date('2030-01-01T00:00:00Z') });
    expect(await state(unrelated)).toEqual({ revoked: false, expiresAt: null });
  });
});
