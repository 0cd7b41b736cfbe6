import { escapeIdentifier } from 'pg';
import type { Logger } from '../logger';
import { clientTimeouts, TimeoutClient } from './timeout-client';

export interface ListenerOptions {
  /**
   * How long connecting, and each statement (LISTEN, the heartbeat), may go unanswered before the
   * connection counts as lost (DATABASE_CONNECT_TIMEOUT_MS: these are as cheap as a connect).
   */
  readonly timeoutMs: number;
  /** How often the connection is asked whether it still answers; default: one second. */
  readonly heartbeatIntervalMs?: number;
}

const defaultHeartbeatIntervalMs = 1000;
/**
 * Heartbeats that may go unanswered before the listener no longer counts as hearing. Not one: an
 * event loop busy for a moment delays a beat. The token cache trusts nothing while the listener does
 * not hear (src/auth/token-cache.ts): this bounds how long a revocation can go unheard.
 */
const missedBeats = 3;

/**
 * This instance's one LISTEN connection, shared by what hears from the other instances through
 * PostgreSQL: the event relay (events committed) and the token cache (tokens revoked). One
 * connection for all channels: each is a backend on the server, and reconnecting is the same work.
 *
 * Notifications sent while the connection is down are lost, not queued. So the listener says when
 * it does not hear (`listening` is false) and, once it is back, calls every `onReconnect` callback:
 * its owner looks again (the relay reads its feeds) or forgets what it may have missed news of (the
 * token cache empties).
 *
 * A connection can also stop answering without closing: a frozen server, a network that drops
 * packets silently. A LISTEN connection sends nothing of its own, so it would never notice, and
 * the instance would go on trusting its token cache and waiting for events that no longer come. A
 * heartbeat (`SELECT 1`, every `heartbeatIntervalMs`, answered within `timeoutMs`) finds it: the
 * connection is closed and reconnected like one that was cut. Before that, as soon as a few beats
 * go unanswered, the listener no longer counts as `listening`: the time it takes to give up on a
 * connection (the timeout) is longer than a token may be trusted unheard (TOKEN_CACHE_TTL_MS).
 */
export class NotificationListener {
  private client: TimeoutClient | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** When the server last answered on the connection in use: its connect, a notification, a heartbeat. */
  private lastHeardAt = 0;
  private readonly handlers = new Map<string, Array<(payload: string) => void>>();
  private readonly reconnected: Array<() => void> = [];
  /** Each channel's LISTEN on the connection in use, for callers that join a channel while it is under way. */
  private readonly listened = new Map<string, Promise<void>>();
  /** The last statement sent on the connection in use (send). */
  private sending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger,
    private readonly options: ListenerOptions = { timeoutMs: 5000 },
  ) {}

  /**
   * Whether notifications reach this instance now: false before start, while reconnecting, after
   * stop, and while the connection has not answered its last heartbeats (it may have stalled).
   */
  get listening(): boolean {
    return this.client !== undefined && Date.now() - this.lastHeardAt <= missedBeats * this.heartbeatIntervalMs;
  }

  private get heartbeatIntervalMs(): number {
    return this.options.heartbeatIntervalMs ?? defaultHeartbeatIntervalMs;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  /**
   * Calls `handler` with the payload of each notification on `channel` sent after the returned
   * promise resolves (registered before start, from the connection's first moment).
   */
  async listen(channel: string, handler: (payload: string) => void): Promise<void> {
    const handlers = this.handlers.get(channel);
    if (handlers) {
      handlers.push(handler);
      // The channel's LISTEN may still be under way: this caller too hears only once it took effect.
      await this.listened.get(channel);
      return;
    }
    this.handlers.set(channel, [handler]);
    // Not connected: connect() listens on every channel registered by then, this one included.
    const listened = this.client ? this.send(this.client, `LISTEN ${escapeIdentifier(channel)}`) : Promise.resolve();
    this.listened.set(channel, listened);
    await listened;
  }

  /**
   * One statement at a time on the connection in use (a channel's LISTEN, the heartbeat): pg queues
   * a query sent while another runs, but deprecates it (pg 9 refuses it).
   */
  private send(client: TimeoutClient, sql: string): Promise<void> {
    const sent = this.sending.then(() => client.query(sql)).then(() => undefined);
    this.sending = sent.catch(() => undefined);
    return sent;
  }

  /** Runs after every reconnection, once the listener hears again: what was sent meanwhile is lost. */
  onReconnect(callback: () => void): void {
    this.reconnected.push(callback);
  }

  private async connect(): Promise<void> {
    const { timeoutMs } = this.options;
    const client = new TimeoutClient({
      connectionString: this.connectionString,
      application_name: 'realmgraph-listener',
      ...clientTimeouts({ connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs }),
    });
    client.on('notification', (message) => {
      if (this.client === client) this.lastHeardAt = Date.now();
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', (error) => this.logger.warn('notification listener connection failed', { error: error.message }));
    // Only the connection in use reconnects: one that failed while connecting is retried by reconnect().
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      if (!this.stopped) this.reconnect();
    });
    try {
      await client.connect();
      // The map's iterator also visits channels added while a LISTEN is under way.
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    // The channels are listened on already (above); a statement of the connection before is no reason to wait.
    this.sending = Promise.resolve();
    for (const channel of this.handlers.keys()) this.listened.set(channel, Promise.resolve());
    this.lastHeardAt = Date.now();
    this.beat(client);
  }

  /** The next heartbeat of `client`; one that fails ends the connection, and `end` reconnects. */
  private beat(client: TimeoutClient): void {
    this.heartbeat = setTimeout(() => {
      if (this.client !== client) return;
      this.send(client, 'SELECT 1').then(
        () => {
          if (this.client === client) this.lastHeardAt = Date.now();
          this.beat(client);
        },
        (error: unknown) => {
          if (this.client !== client) return;
          this.logger.warn('notification listener connection stopped answering; reconnecting', { error: String(error) });
          void client.end().catch(() => {});
        },
      );
    }, this.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  private reconnect(attempt = 1): void {
    const delay = Math.min(100 * 2 ** attempt, 5000);
    setTimeout(() => {
      if (this.stopped) return;
      this.connect().then(
        () => {
          for (const callback of this.reconnected) callback();
        },
        (error: unknown) => {
          this.logger.warn('notification listener reconnect failed', { attempt, error: String(error) });
          this.reconnect(attempt + 1);
        },
      );
    }, delay).unref();
  }
}
