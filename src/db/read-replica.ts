import { Pool } from 'pg';
import type { Logger } from '../logger';
import { poolConfig, type PoolOptions } from './data-source';
import { pgErrorOf } from './pg-error';
import type { Queryable } from './queryable';
import { isDatabaseUnavailable } from './unavailable';

/**
 * A streaming replica of the primary (DATABASE_READ_URL), for the reads that tolerate lag: GraphQL
 * queries over HTTP (src/server/replica-reads.ts). The event relay, the jobs, authentication, SCIM,
 * WebSocket operations and every mutation keep the primary: they are never given this.
 *
 * How far behind it is, is measured, not assumed: every check samples the primary's WAL position,
 * then the replica's replay position. The replica holds everything the primary had committed when
 * it was at the newest sample the replica has replayed past, so what it answers is at most
 * "now − that sample's time" old. Past `maxLagMs` — replay paused or slow, the WAL receiver cut
 * off, the replica down or no standby at all — `reader()` answers undefined and requests read the
 * primary until a check finds it caught up again.
 *
 * A plain pg Pool, not a TypeORM DataSource: the reads need only `Queryable`, and a pool connects
 * lazily, so a replica that is down when the instance starts costs a warning, not the start.
 */
export class ReadReplica {
  private readonly pool: Pool;
  /** The primary's WAL positions at the times of the checks the replica has not been seen past yet (and the newest it has). */
  private samples: Array<{ at: number; lsn: bigint }> = [];
  /** When the primary was last at a position the replica has replayed; undefined: never seen. */
  private caughtUpAt: number | undefined;
  private reachable = false;
  private standby = true;
  /** Why the replica is not used, as last logged; undefined: it is used. */
  private reason: string | undefined = 'not checked yet';
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;
  private readonly replicaReader: Queryable = { query: (sql, parameters) => this.read(sql, parameters) };

  constructor(
    private readonly primary: Queryable,
    url: string,
    private readonly logger: Logger,
    private readonly options: { maxLagMs: number; checkIntervalMs: number; pool: PoolOptions },
  ) {
    this.pool = new Pool({ connectionString: url, ...poolConfig(options.pool, 'realmgraph-reads') });
    // An idle connection the replica closes (a restart, a failover) must not take the process down.
    this.pool.on('error', (error) => this.logger.debug('read replica connection lost', { error: String(error) }));
  }

  /** Checks once (so that the first requests find it measured), then every `checkIntervalMs`. */
  async start(): Promise<void> {
    await this.check();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.checking;
    await this.pool.end();
  }

  /**
   * Where a read that tolerates lag goes now: the replica, when it answered the last check and is
   * within `maxLagMs` of the primary; undefined: the primary. A statement the replica cannot run
   * for an outage, or cancels for a conflict with recovery, is run on the primary instead.
   */
  reader(): Queryable | undefined {
    return this.lagMs() === undefined ? undefined : this.replicaReader;
  }

  /** How old the replica's state may be now, in ms; undefined when it is not used (unreachable, too far behind, no standby). */
  lagMs(): number | undefined {
    if (!this.reachable || !this.standby || this.caughtUpAt === undefined) return undefined;
    const lag = Date.now() - this.caughtUpAt;
    return lag <= this.options.maxLagMs ? lag : undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.checking = this.check().finally(() => this.schedule());
    }, this.options.checkIntervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const at = Date.now();
    try {
      const [row] = await this.primary.query<Array<{ lsn: string }>>(`SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS lsn`);
      this.samples.push({ at, lsn: BigInt(row.lsn) });
    } catch {
      // The primary out of reach: no new sample, so the replica's lag can only grow until it answers.
    }
    try {
      const { rows } = await this.pool.query<{ standby: boolean; replayed: string | null }>(
        `SELECT pg_is_in_recovery() AS standby, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text AS replayed`,
      );
      this.reachable = true;
      this.standby = rows[0].standby && rows[0].replayed !== null;
      if (this.standby) this.replayedTo(BigInt(rows[0].replayed!));
    } catch (error) {
      this.reachable = false;
      this.logger.debug('read replica check failed', { error: String(error) });
    }
    this.report();
  }

  /** The newest sample the replica has replayed past is when its state is from; older samples go. */
  private replayedTo(replayed: bigint): void {
    const passed = this.samples.filter((sample) => sample.lsn <= replayed);
    if (passed.length) this.caughtUpAt = Math.max(this.caughtUpAt ?? 0, passed[passed.length - 1].at);
    // Samples too old to make it usable again, should it reach them, go too: the list stays short.
    const oldest = Date.now() - 2 * this.options.maxLagMs;
    this.samples = this.samples.filter((sample) => sample.lsn > replayed && sample.at >= oldest);
  }

  /** Logs when the replica starts or stops being used, and why. */
  private report(): void {
    const lag = this.lagMs();
    const reason =
      lag !== undefined
        ? undefined
        : !this.reachable
          ? 'it cannot be reached'
          : !this.standby
            ? 'it is not a standby in recovery (pg_is_in_recovery() is false): point DATABASE_READ_URL at a streaming replica'
            : `it is more than DATABASE_READ_MAX_LAG_MS (${this.options.maxLagMs} ms) behind the primary`;
    if (reason === this.reason) return;
    this.reason = reason;
    if (reason === undefined) this.logger.info('queries read from the read replica', { lagMs: lag });
    else this.logger.warn(`queries read from the primary: the read replica (DATABASE_READ_URL) is not used, ${reason}`);
  }

  private async read(sql: string, parameters?: unknown[]): Promise<any> {
    try {
      return (await this.pool.query(sql, parameters)).rows;
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        // Until the next check finds it answering, requests read the primary from their start.
        this.reachable = false;
        this.report();
        return this.primary.query(sql, parameters);
      }
      // A standby cancels a read whose rows replay must remove (a conflict with recovery,
      // 40001; 40P01 for a buffer pin deadlock): the primary has no such conflict.
      const { code } = pgErrorOf(error);
      if (code === '40001' || code === '40P01') return this.primary.query(sql, parameters);
      throw error;
    }
  }
}

/**
 * Where one request's reads go (its loaders' and services' reads: `Context.reads`): the primary,
 * unless its edge found it an operation that tolerates lag and gave it the replica (`tolerateLag`);
 * and the primary again once the request has committed a write — its later reads, a mutation's
 * payload, must see it — or met a state newer than the replica's (`leaveReplica`).
 */
export class RequestReads implements Queryable {
  private replica: Queryable | undefined;

  constructor(
    private readonly primary: Queryable,
    private readonly commits: { readonly count: number },
  ) {}

  /** `replica`: the read replica's reader, undefined when none is usable now (ReadReplica.reader). */
  tolerateLag(replica: Queryable | undefined): void {
    this.replica = replica;
  }

  get fromReplica(): boolean {
    return this.replica !== undefined && this.commits.count === 0;
  }

  /** Reads the primary from now on; true when they went to the replica until now. */
  leaveReplica(): boolean {
    const was = this.fromReplica;
    this.replica = undefined;
    return was;
  }

  query<T = any>(sql: string, parameters?: unknown[]): Promise<T> {
    return (this.fromReplica ? this.replica! : this.primary).query<T>(sql, parameters);
  }
}
