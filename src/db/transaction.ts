import type { DataSource, EntityManager } from 'typeorm';
import { fromConstraintViolation } from '../common/constraint-errors';

/**
 * A unit of work. Code that changes data takes a `Tx`, so that it can only run inside
 * `withTransaction`: every write of one mutation commits or rolls back together.
 */
export interface Tx {
  readonly manager: EntityManager;
  query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]>;
  /** Runs after a successful commit, e.g. to clear loaders or wake subscribers. */
  afterCommit(hook: () => void): void;
}

/**
 * Runs `work` in one transaction. A constraint violation that slipped past the services' checks
 * (a concurrent writer) leaves as the error code its constraint maps to.
 */
export async function withTransaction<T>(dataSource: DataSource, work: (tx: Tx) => Promise<T>): Promise<T> {
  const hooks: Array<() => void> = [];
  let result: T;
  try {
    result = await dataSource.transaction(async (manager) => {
      const tx: Tx = {
        manager,
        // Structured results: TypeORM otherwise returns [rows, count] for UPDATE and DELETE.
        query: async (sql, parameters) => (await manager.queryRunner!.query(sql, parameters, true)).records,
        afterCommit: (hook) => hooks.push(hook),
      };
      return work(tx);
    });
  } catch (error) {
    throw fromConstraintViolation(error);
  }
  for (const hook of hooks) hook();
  return result;
}
