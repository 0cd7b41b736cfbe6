import type { DataSource } from 'typeorm';
import { fromConstraintViolation } from '../common/constraint-errors';
import { pgErrorOf } from './pg-error';

/** Who makes a change: the API token, recorded with every event the change appends. */
export interface Actor {
  readonly id: string;
  readonly name: string;
}

/**
 * A unit of work. Code that changes data takes a `Tx`, so that it can only run inside
 * `withTransaction`: every write of one mutation commits or rolls back together.
 */
export interface Tx {
  /** Null for the server's own work (background jobs). */
  readonly actor: Actor | null;
  query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]>;
  /**
   * Runs `callback` once the transaction has committed (not if it rolls back, nor for an attempt run
   * again after a deadlock): e.g. waking the job that sends an email this transaction queued. It
   * must not throw: the change has committed.
   */
  afterCommit(callback: () => void): void;
}

// deadlock_detected and serialization_failure: PostgreSQL rolled the transaction back, and running
// it again is the documented remedy (e.g. deleting an identity, which updates the member counts of
// its groups, while another transaction adds it to one of them).
const retryable = new Set(['40P01', '40001']);
const attempts = 3;

/**
 * Runs `work` in one transaction, again (up to three times) when PostgreSQL aborts it for a deadlock
 * or a serialization failure. A constraint violation that slipped past the services' checks (a
 * concurrent writer) leaves as the error code its constraint maps to.
 */
export async function withTransaction<T>(dataSource: DataSource, work: (tx: Tx) => Promise<T>, actor: Actor | null = null): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const committed: Array<() => void> = [];
    let result: T;
    try {
      result = await dataSource.transaction((manager) =>
        work({
          actor,
          // Structured results: TypeORM otherwise returns [rows, count] for UPDATE and DELETE.
          query: async (sql, parameters) => (await manager.queryRunner!.query(sql, parameters, true)).records,
          afterCommit: (callback) => void committed.push(callback),
        }),
      );
    } catch (error) {
      const { code } = pgErrorOf(error);
      if (code !== undefined && retryable.has(code) && attempt < attempts) continue;
      throw fromConstraintViolation(error);
    }
    runAfterCommit(committed);
    return result;
  }
}

/**
 * Runs `work`, which sends one statement, as a transaction of its own — PostgreSQL's implicit one,
 * without the round trips of BEGIN and COMMIT — with withTransaction's rules: again after a deadlock
 * or a serialization failure, a constraint violation as its code, the after-commit callbacks once
 * the statement has succeeded. A second statement is refused: it would not be atomic with the first.
 */
export async function withStatement<T>(dataSource: DataSource, work: (tx: Tx) => Promise<T>, actor: Actor | null = null): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const committed: Array<() => void> = [];
    let sent = false;
    let result: T;
    try {
      result = await work({
        actor,
        query: async (sql, parameters) => {
          if (sent) throw new Error('withStatement: a second statement would not be in the first one’s transaction; use withTransaction.');
          sent = true;
          const runner = dataSource.createQueryRunner();
          try {
            return (await runner.query(sql, parameters, true)).records;
          } finally {
            await runner.release();
          }
        },
        afterCommit: (callback) => void committed.push(callback),
      });
    } catch (error) {
      const { code } = pgErrorOf(error);
      if (code !== undefined && retryable.has(code) && attempt < attempts) continue;
      throw fromConstraintViolation(error);
    }
    runAfterCommit(committed);
    return result;
  }
}

/**
 * What a committed transaction asked to run after it: each on its own, outside the retry. The
 * commit is the truth the caller is owed — a failing callback must neither turn a committed write
 * into an error nor run the work again — and what runs here (a job's wake, a cache's forgetting)
 * has its own backstop (the job's tick, the revocation's NOTIFY), so a failure is reported as a
 * process warning, not thrown.
 */
function runAfterCommit(callbacks: ReadonlyArray<() => void>): void {
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      const reason = error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error) ? String((error as Error).message) : String(error);
      process.emitWarning(`What a committed transaction asked to run after it failed: ${reason}`, { type: 'AfterCommitWarning', code: 'REALMGRAPH_AFTER_COMMIT' });
    }
  }
}
