import { Client, escapeIdentifier } from 'pg';
import type { Logger } from '../logger';

/**
 * This instance's one LISTEN connection, shared by what hears from the other instances through
 * PostgreSQL: the event relay (events committed) and the token cache (tokens revoked). One
 * connection for all channels: each is a backend on the server, and reconnecting is the same work.
 *
 * Notifications sent while the connection is down are lost, not queued. So the listener says when
 * it does not hear (`listening` is false) and, once it is back, calls every `onReconnect` callback:
 * its owner looks again (the relay reads its feeds) or forgets what it may have missed news of (the
 * token cache empties).
 */
export class NotificationListener {
  private client: Client | undefined;
  private readonly handlers = new Map<string, Array<(payload: string) => void>>();
  private readonly reconnected: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger,
  ) {}

  /** Whether notifications reach this instance now; false before start, while reconnecting, after stop. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
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
      return;
    }
    this.handlers.set(channel, [handler]);
    // Not connected: connect() listens on every channel registered by then, this one included.
    await this.client?.query(`LISTEN ${escapeIdentifier(channel)}`);
  }

  /** Runs after every reconnection, once the listener hears again: what was sent meanwhile is lost. */
  onReconnect(callback: () => void): void {
    this.reconnected.push(callback);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.connectionString, application_name: 'realmgraph-listener' });
    client.on('notification', (message) => {
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
