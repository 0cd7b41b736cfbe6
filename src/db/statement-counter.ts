import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from '../logger';

/**
 * TypeORM's logger hook, used for two things: counting the SQL statements sent (tests assert
 * that nested reads run a fixed number of them) and logging failed and slow queries.
 */
export class StatementCounter implements TypeOrmLogger {
  count = 0;
  /** Transactions PostgreSQL aborted for a deadlock (withTransaction runs them again): none, if every write keeps the order of locks. */
  deadlocks = 0;
  /**
   * Set while the database closes: pg-pool's end() resolves before its sockets have closed, so
   * stopping the embedded PostgreSQL right after can cut a closing connection, which TypeORM
   * reports as a pool error. Expected then, and not worth alarming anyone.
   */
  closing = false;

  constructor(private readonly logger?: Logger) {}

  logQuery(): void {
    this.count += 1;
  }

  logQueryError(error: string | Error, query: string): void {
    if ((error as { code?: unknown }).code === '40P01') {
      this.deadlocks += 1;
      // Never expected (docs/decisions.md 63): worth an operator's look, though the retry hides it from the client.
      this.logger?.warn('deadlock detected; the transaction is run again', { query });
      return;
    }
    this.logger?.debug('query failed', { error: String(error), query });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger?.warn('slow query', { ms: time, query });
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger?.info('migration', { message });
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn' && !this.closing) this.logger?.warn(String(message));
  }
}
