import { withTransaction } from '../../src/db/transaction';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/*
 * What a transaction asks to run after its commit (Tx.afterCommit: the email job's wake, a revoked
 * token's announcement) runs once the commit is done, and its failure changes nothing the caller is
 * told: the write committed, so it answers its result, once.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.dataSource.query(`CREATE TABLE after_commit_probe (n integer)`);
});
afterAll(() => db.drop());

test('a failing after-commit callback neither fails the committed write nor runs it again; the others still run', async () => {
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  let attempts = 0;
  const ran: string[] = [];
  try {
    const result = await withTransaction(db.dataSource, async (tx) => {
      attempts++;
      await tx.query(`INSERT INTO after_commit_probe VALUES (1)`);
      tx.afterCommit(() => {
        // Coded as a deadlock: were it inside the retry, the work would run again.
        throw Object.assign(new Error('the wake failed'), { code: '40P01' });
      });
      tx.afterCommit(() => ran.push('second'));
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(warn.mock.calls.map(([message]) => message)).toEqual(['What a committed transaction asked to run after it failed: the wake failed']);
  } finally {
    warn.mockRestore();
  }
  expect(attempts).toBe(1);
  expect(ran).toEqual(['second']);
  expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM after_commit_probe`)).toEqual([{ n: 1 }]);
});

test('a callback runs only after the commit, and not at all when the work fails', async () => {
  const seen: number[] = [];
  await withTransaction(db.dataSource, async (tx) => {
    await tx.query(`INSERT INTO after_commit_probe VALUES (2)`);
    tx.afterCommit(() => seen.push(1));
    expect(seen).toEqual([]);
  });
  expect(seen).toEqual([1]);
  await expect(
    withTransaction(db.dataSource, async (tx) => {
      tx.afterCommit(() => seen.push(2));
      await tx.query(`INSERT INTO after_commit_probe VALUES ('not a number')`);
    }),
  ).rejects.toThrow();
  expect(seen).toEqual([1]);
});
