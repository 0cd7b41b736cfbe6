import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { isDatabaseUnavailable } from '../../src/db/unavailable';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * pg's query_timeout rejects the promise but leaves the statement on the connection; the pool must
 * not hand that connection out again (src/db/timeout-client.ts). A statement that outlives the
 * query timeout stands in for a server that stopped answering: with no statement timeout here,
 * PostgreSQL lets it run.
 */
let db: TestDatabase;
let pool: DataSource;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = await createDataSource(db.url, undefined, { queryTimeoutMs: 300, connectTimeoutMs: 2000 }).initialize();
});
afterAll(async () => {
  await pool.destroy();
  await db.drop();
});

const backendPid = async (runner: ReturnType<DataSource['createQueryRunner']>) => (await runner.query('SELECT pg_backend_pid() AS pid'))[0].pid as number;

test('a connection whose statement timed out is closed, not handed out again', async () => {
  const first = pool.createQueryRunner();
  const pid = await backendPid(first);
  const timedOut = await first.query('SELECT pg_sleep(2)').catch((error: unknown) => error);
  expect(timedOut).toMatchObject({ message: expect.stringMatching(/Query read timeout/) });
  expect(isDatabaseUnavailable(timedOut)).toBe(true);
  await first.release();

  // The pool hands out the connection released last; that one is gone, so this is another.
  const second = pool.createQueryRunner();
  expect(await backendPid(second)).not.toBe(pid);
  expect(await second.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  await second.release();
});

test('a transaction whose statement timed out leaves nothing open for the next one', async () => {
  const runner = pool.createQueryRunner();
  await backendPid(runner);
  await runner.startTransaction();
  await expect(runner.query('SELECT pg_sleep(2)')).rejects.toThrow(/Query read timeout/);
  // The ROLLBACK cannot go out on a closed connection; it fails at once instead of hanging.
  await expect(runner.rollbackTransaction()).rejects.toBeDefined();
  await runner.release();

  // On the old connection this BEGIN would queue behind the lost statement (and time out in turn).
  const next = pool.createQueryRunner();
  await next.startTransaction();
  expect(await next.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  await next.commitTransaction();
  await next.release();
});
