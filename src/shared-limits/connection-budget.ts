import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import { fallbackMs } from './rate-budget';

/** The statements the counts need (shared-limits.repository.ts, bound to the limiter's pool). */
export interface ConnectionStore {
  admit(key: string, instance: string, local: number, max: number, ttlMs: number): Promise<number>;
  set(key: string, instance: string, count: number, ttlMs: number): Promise<void>;
  sync(instance: string, counts: ReadonlyMap<string, number>, busy: readonly string[], ttlMs: number): Promise<void>;
  forget(instance: string): Promise<void>;
}

/** The WebSocket connection cap per key, as the WebSocket edge spends it. */
export interface ConnectionBudget {
  /** Counts a connection of `key` if it has fewer than the cap open; false: refuse it. Never rejects. */
  admit(key: string): Promise<boolean>;
  /** Gives back a connection `admit` counted. */
  release(key: string): void;
}

/**
 * MAX_WS_CONNECTIONS_PER_TOKEN across instances: each instance keeps its own count per key (the
 * truth about its sockets) and a row of it in `ws_connection_counts` with an expiry, which its
 * heartbeat (every third of `ttlMs`) writes back, fresh. An admission is one statement that sums
 * the live rows of the other instances under a per-key lock and counts this one; a close is one
 * statement that sets this instance's row. An instance that crashes stops beating: its rows count
 * for nothing once `ttlMs` has passed (WS_CONNECTION_TTL_MS), and the cleanup job deletes them.
 *
 * Admissions and closes of one key run one after another on this instance, so each writes the
 * count it saw. If PostgreSQL cannot be reached, the instance caps its own connections alone (the
 * per-instance cap) for `fallbackMs`, says so once, and its next heartbeat writes its counts back.
 */
export class SharedConnectionCounts implements ConnectionBudget {
  /** This instance's id in `ws_connection_counts`: new at each start. */
  readonly instance = randomUUID();
  private readonly open = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private fallbackUntil = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly options: {
      store: ConnectionStore;
      max: number;
      ttlMs: number;
      logger: Logger;
    },
  ) {}

  start(): void {
    this.heartbeat = setInterval(() => void this.beat(), Math.max(1, Math.floor(this.options.ttlMs / 3)));
    this.heartbeat.unref();
  }

  /** Stops the heartbeat and removes this instance's rows (its connections are closed by then). */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.beating;
    await Promise.all(this.queues.values());
    await this.options.store.forget(this.instance).catch(() => {});
  }

  admit(key: string): Promise<boolean> {
    return this.inTurn(key, async () => {
      const { store, max, ttlMs } = this.options;
      const local = this.open.get(key) ?? 0;
      let admitted = local < max;
      if (!this.fallingBack()) {
        try {
          admitted = (await store.admit(key, this.instance, local, max, ttlMs)) < max;
          this.answered();
        } catch (error) {
          this.failed(error);
        }
      }
      if (admitted) this.open.set(key, local + 1);
      return admitted;
    });
  }

  release(key: string): void {
    void this.inTurn(key, async () => {
      const count = (this.open.get(key) ?? 1) - 1;
      if (count > 0) this.open.set(key, count);
      else this.open.delete(key);
      if (this.fallingBack()) return;
      // A failure leaves the row high until the next heartbeat writes the truth.
      await this.options.store.set(key, this.instance, count, this.options.ttlMs).catch((error: unknown) => this.failed(error));
    });
  }

  /** Writes this instance's counts back with a fresh expiry (keys with an admission or a close under way write their own). */
  async beat(): Promise<void> {
    if (this.beating) return;
    const busy = [...this.queues.keys()];
    const counts = new Map([...this.open].filter(([key]) => !this.queues.has(key)));
    this.beating = this.options.store
      .sync(this.instance, counts, busy, this.options.ttlMs)
      .then(() => this.answered(), (error: unknown) => this.failed(error))
      .finally(() => (this.beating = undefined));
    await this.beating;
  }

  private inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.queues.get(key) ?? Promise.resolve();
    const mine = before.then(work);
    const settled = mine.catch(() => {});
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return mine;
  }

  private fallingBack(): boolean {
    return Date.now() < this.fallbackUntil;
  }

  private answered(): void {
    if (this.fallbackUntil === 0) return;
    this.fallbackUntil = 0;
    this.options.logger.info('the shared WebSocket connection counts answer again: one cap across instances');
  }

  private failed(error: unknown): void {
    if (this.fallbackUntil === 0) {
      this.options.logger.warn('the shared WebSocket connection counts are out of reach: this instance caps its own connections until they answer', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.fallbackUntil = Date.now() + fallbackMs;
  }
}
