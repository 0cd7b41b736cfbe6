import pg from 'pg';
import type { DataSource } from 'typeorm';
import { fromConstraintViolation } from '../common/constraint-errors';
import { pgErrorOf } from './pg-error';
import { isDatabaseUnavailable } from './unavailable';

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
   * The transaction's last statement, sent with its COMMIT in one round trip: when it answers, the
   * transaction has committed (or, when it or the COMMIT fails, rolled back: the error is thrown as
   * any statement's would be, and withTransaction retries or maps it as usual). Nothing may be sent
   * after it. For the statement every write ends with (appending its events, decision 63: the
   * realm's row last).
   */
  queryAndCommit<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]>;
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
 * pg's extended-protocol query with BEGIN before it and/or COMMIT after it in the same pipeline
 * (one write to the socket, one Sync, one answer): each round trip to PostgreSQL costs the server a
 * socket write and pg's handling of the answer, a large share of a small write's CPU
 * (bench/ANALYSIS.md, W2). An error in the statement makes PostgreSQL skip what follows up to the
 * Sync: a failed statement never commits, and the transaction is left aborted for the ROLLBACK.
 */
class PipelinedQuery extends (pg.Query as unknown as new (
  config: pg.QueryConfig & {
    queryMode: 'extended';
    callback: (error: Error | null, results: unknown) => void;
  },
) => PgQueryInternals) {
  constructor(
    sql: string,
    parameters: unknown[],
    private readonly begin: boolean,
    private readonly commit: boolean,
    callback: (error: Error | null, results: unknown) => void,
  ) {
    super({ text: sql, values: parameters, queryMode: 'extended', callback });
  }

  override prepare(connection: PgConnection): void {
    if (this.begin) sendUnnamed(connection, 'BEGIN');
    super.prepare(connection);
  }

  override _getRows(connection: PgConnection, rows: number | undefined): void {
    connection.execute({ portal: this.portal, rows });
    if (this.commit) sendUnnamed(connection, 'COMMIT');
    connection.sync();
  }
}

/** The parts of pg's Query and Connection (node_modules/pg/lib/query.js, connection.js) PipelinedQuery uses. */
interface PgQueryInternals {
  readonly portal: string;
  prepare(connection: PgConnection): void;
  _getRows(connection: PgConnection, rows: number | undefined): void;
}
interface PgConnection {
  parse(query: { text: string }): void;
  bind(config: object): void;
  execute(config: { portal: string; rows?: number }): void;
  sync(): void;
}

function sendUnnamed(connection: PgConnection, sql: string): void {
  connection.parse({ text: sql });
  connection.bind({});
  connection.execute({ portal: '' });
}

/**
 * Runs `work` in one transaction, again (up to three times) when PostgreSQL aborts it for a deadlock
 * or a serialization failure. A constraint violation that slipped past the services' checks (a
 * concurrent writer) leaves as the error code its constraint maps to.
 *
 * The transaction is held on a pg connection of TypeORM's pool, with no query runner: BEGIN goes
 * with the first statement, COMMIT with the last when the work names it (Tx.queryAndCommit), else
 * alone; a transaction that sent nothing sends neither. Each statement is reported to TypeORM's
 * logger (the statement counter, the deadlock count) as TypeORM's own queries are.
 */
export async function withTransaction<T>(dataSource: DataSource, work: (tx: Tx) => Promise<T>, actor: Actor | null = null): Promise<T> {
  return retried((committed) => inTransaction(dataSource, work, actor, committed));
}

/**
 * `attempt` again after a deadlock or a serialization failure, a constraint violation as its code,
 * the after-commit callbacks it collected run once it has succeeded.
 */
async function retried<T>(attempt: (committed: Array<() => void>) => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    const committed: Array<() => void> = [];
    let result: T;
    try {
      result = await attempt(committed);
    } catch (error) {
      const { code } = pgErrorOf(error);
      if (code !== undefined && retryable.has(code) && tries < attempts) continue;
      throw fromConstraintViolation(error);
    }
    runAfterCommit(committed);
    return result;
  }
}

type State = 'idle' | 'open' | 'committed';

async function inTransaction<T>(dataSource: DataSource, work: (tx: Tx) => Promise<T>, actor: Actor | null, committed: Array<() => void>): Promise<T> {
  const [client, release] = await (
    dataSource.driver as unknown as {
      obtainMasterConnection(): Promise<[pg.PoolClient, (error?: unknown) => void]>;
    }
  ).obtainMasterConnection();
  const logger = dataSource.logger;
  // Mutable from the closures below, which TypeScript's narrowing does not follow.
  const at: { state: State } = { state: 'idle' };
  let broken: unknown;
  // A connection lost while held: the pending statement fails too; the connection is never reused.
  let lost: unknown;
  const onError = (error: unknown) => void (lost ??= error);
  client.on('error', onError);
  const send = <R>(sql: string, parameters: unknown[], commit: boolean): Promise<R[]> => {
    if (at.state === 'committed') return Promise.reject(new Error('The transaction has committed: no statement may follow its last one.'));
    const begin = at.state === 'idle';
    at.state = commit ? 'committed' : 'open';
    if (begin) logger.logQuery('BEGIN');
    logger.logQuery(sql, parameters);
    if (commit) logger.logQuery('COMMIT');
    return new Promise<R[]>((resolve, reject) => {
      client.query(
        new PipelinedQuery(sql, parameters, begin, commit, (error, results) => {
          if (error) {
            logger.logQueryError(error, sql, parameters);
            reject(error);
            return;
          }
          const result = (Array.isArray(results) ? results[begin ? 1 : 0] : results) as pg.QueryResult;
          resolve(result.rows as R[]);
        }) as unknown as pg.QueryConfig,
      );
    });
  };
  try {
    const result = await work({
      actor,
      query: (sql, parameters = []) => send(sql, parameters, false),
      queryAndCommit: (sql, parameters = []) => send(sql, parameters, true),
      afterCommit: (callback) => void committed.push(callback),
    });
    if (at.state === 'open') {
      logger.logQuery('COMMIT');
      at.state = 'committed';
      await client.query('COMMIT');
    }
    return result;
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    // The listener stays through the ROLLBACK: an 'error' event with no listener would throw.
    await finish(client, release, at.state, broken, lost, logger);
    client.removeListener('error', onError);
  }
}

/**
 * Gives the connection back: after a failure inside an open transaction, once ROLLBACK has ended it
 * (a connection that was lost, timed out, or fails the ROLLBACK is destroyed, never reused).
 */
async function finish(
  client: pg.PoolClient,
  release: (error?: unknown) => void,
  state: State,
  failure: unknown,
  lost: unknown,
  logger: DataSource['logger'],
): Promise<void> {
  if (lost !== undefined) return release(lost);
  if (failure === undefined || state === 'idle') return release();
  if (isDatabaseUnavailable(failure)) return release(failure);
  try {
    // Also after a failed queryAndCommit: its COMMIT was skipped, or failed and ended the transaction (then a warning, no error).
    logger.logQuery('ROLLBACK');
    await client.query('ROLLBACK');
    release();
  } catch (error) {
    release(error);
  }
}

/**
 * Runs `work`, which sends one statement, as a transaction of its own — PostgreSQL's implicit one,
 * without the round trips of BEGIN and COMMIT — with withTransaction's rules: again after a deadlock
 * or a serialization failure, a constraint violation as its code, the after-commit callbacks once
 * the statement has succeeded. A second statement is refused: it would not be atomic with the first.
 */
export async function withStatement<T>(dataSource: DataSource, work: (tx: Tx) => Promise<T>, actor: Actor | null = null): Promise<T> {
  return retried((committed) => {
    let sent = false;
    const query = async <R>(sql: string, parameters?: unknown[]): Promise<R[]> => {
      if (sent) throw new Error('withStatement: a second statement would not be in the first one’s transaction; use withTransaction.');
      sent = true;
      const runner = dataSource.createQueryRunner();
      try {
        return (await runner.query(sql, parameters, true)).records;
      } finally {
        await runner.release();
      }
    };
    return work({
      actor,
      query,
      // The statement is its own transaction: it commits when it succeeds.
      queryAndCommit: query,
      afterCommit: (callback) => void committed.push(callback),
    });
  });
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
