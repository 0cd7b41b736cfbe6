import type { DataSource } from 'typeorm';
import type { Queryable } from './queryable';

/**
 * Runs reads that must agree with one another in one REPEATABLE READ transaction: every statement
 * sees the same committed state, the one of its first statement. For reading "the latest state,
 * and the log's head it is the state of" in several statements (src/membership/transitive-stream.ts).
 */
export function readSnapshot<T>(dataSource: DataSource, reads: (db: Queryable) => Promise<T>): Promise<T> {
  return dataSource.transaction('REPEATABLE READ', (manager) => reads({ query: (sql, parameters) => manager.query(sql, parameters) }));
}
