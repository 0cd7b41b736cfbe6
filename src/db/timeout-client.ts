import { Client } from 'pg';

/**
 * pg's Client, except that a connection whose statement got no answer within `query_timeout` is
 * closed instead of handed out again. pg rejects the query on its timeout but leaves it on the
 * connection: the pool would give that connection to the next caller, whose statements would queue
 * behind the lost one — or, if the lost one was a ROLLBACK that never went out, whose BEGIN would
 * land inside the old transaction. `end()` on a client with a query in flight destroys the socket
 * (pg ≥ 8.13), and pg-pool drops a client that is ending when it is released.
 *
 * Given to pg-pool as its `Client` option (TypeORM passes `extra` to the Pool), and used as is by
 * the notification listener.
 */
export class TimeoutClient extends Client {
  // pg's overloads (promise, callback, Submittable) all end in this one method.
  override query(...args: unknown[]): any {
    const callbackAt = args.findIndex((arg) => typeof arg === 'function');
    if (callbackAt >= 0) {
      const callback = args[callbackAt] as (error: Error | null, ...rest: unknown[]) => void;
      args[callbackAt] = (error: Error | null, ...rest: unknown[]) => {
        if (error) this.closeIfTimedOut(error);
        callback(error, ...rest);
      };
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) result.catch((error: unknown) => this.closeIfTimedOut(error));
    return result;
  }

  private closeIfTimedOut(error: unknown): void {
    if ((error as { message?: unknown } | undefined)?.message === queryTimeoutMessage) void this.end().catch(() => {});
  }
}

/**
 * TCP keepalive on every connection, so that the kernel finds a peer that vanished (a host down, a
 * network cut) after about this delay plus its probes, instead of never. A frozen server's kernel
 * still answers probes: that case is the query timeout's.
 */
export const keepAliveInitialDelayMs = 10_000;

/** The options of pg's Client (and so of each pool connection) that bound waiting on the server. */
export function clientTimeouts(pool: { connectTimeoutMs?: number; queryTimeoutMs?: number }): Record<string, unknown> {
  return {
    keepAlive: true,
    keepAliveInitialDelayMillis: keepAliveInitialDelayMs,
    ...(pool.connectTimeoutMs ? { connectionTimeoutMillis: pool.connectTimeoutMs } : {}),
    ...(pool.queryTimeoutMs ? { query_timeout: pool.queryTimeoutMs } : {}),
  };
}

/** pg's message when `query_timeout` passes (node_modules/pg/lib/client.js). */
const queryTimeoutMessage = 'Query read timeout';
