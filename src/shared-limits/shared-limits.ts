import { Pool } from 'pg';
import type { Queryable } from '../db/queryable';
import { clientTimeouts, TimeoutClient } from '../db/timeout-client';
import type { Job } from '../jobs/jobs';
import type { Logger } from '../logger';
import { SharedConnectionCounts } from './connection-budget';
import { SharedRateLimiter } from './rate-budget';
import { admitConnection, deleteExpired, deleteInstance, leaseTokens, setConnections, syncConnections } from './shared-limits.repository';

/**
 * How long the limits wait on PostgreSQL (a connection or an answer) before deciding on this
 * instance's own: a second, or DATABASE_CONNECT_TIMEOUT_MS when shorter. A limit must not hold a
 * request for as long as the request itself may wait.
 */
export const sharedLimitTimeoutMs = (connectTimeoutMs: number) => Math.min(1000, connectTimeoutMs);

export interface SharedLimits {
  /** A request budget shared by the instances configured alike (`kind` and `perMinute` name its bucket). */
  rateBudget(kind: 'requests' | 'auth-failures', perMinute: number): SharedRateLimiter;
  /** MAX_WS_CONNECTIONS_PER_TOKEN across instances; its heartbeat runs from the start. */
  readonly connections: SharedConnectionCounts;
  /** Deletes the rows that say nothing any more (full buckets, expired counts): run by any instance. */
  readonly cleanupJob: Job;
  /** Stops the heartbeat, removes this instance's connection rows, closes the pool. */
  stop(): Promise<void>;
}

/**
 * The limits' state in PostgreSQL (src/shared-limits/), through a small pool of its own on
 * DATABASE_URL: a lease never queues behind requests waiting for the application's pool, waits
 * at most `sharedLimitTimeoutMs`, and its statements are not the requests' (tests count those).
 * Plain parameterised statements, no session state: it works through a transaction-mode pooler.
 */
export function createSharedLimits(options: { url: string; connectTimeoutMs: number; maxConnectionsPerToken: number; connectionTtlMs: number; logger: Logger }): SharedLimits {
  const { logger } = options;
  const timeoutMs = sharedLimitTimeoutMs(options.connectTimeoutMs);
  const pool = new Pool({
    connectionString: options.url,
    max: 4,
    idleTimeoutMillis: 30_000,
    application_name: 'realmgraph limits',
    Client: TimeoutClient,
    ...clientTimeouts({ connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs }),
  });
  // An idle connection that the server drops (a restart) is reported here; the next lease finds out too.
  pool.on('error', (error) => logger.debug('a connection of the limits pool failed', { error: error.message }));
  const db: Queryable = { query: async (sql, parameters) => (await pool.query(sql, parameters)).rows as never };
  const connections = new SharedConnectionCounts({
    store: {
      admit: (key, instance, local, max, ttlMs) => admitConnection(db, key, instance, local, max, ttlMs),
      set: (key, instance, count, ttlMs) => setConnections(db, key, instance, count, ttlMs),
      sync: (instance, counts, busy, ttlMs) => syncConnections(db, instance, counts, busy, ttlMs),
      forget: (instance) => deleteInstance(db, instance),
    },
    max: options.maxConnectionsPerToken,
    ttlMs: options.connectionTtlMs,
    logger,
  });
  connections.start();
  return {
    rateBudget: (kind, perMinute) =>
      new SharedRateLimiter({
        scope: `${kind}:${perMinute}`,
        perMinute,
        store: (scope, key, capacity, maxGrant, returned) => leaseTokens(db, scope, key, capacity, maxGrant, returned),
        logger,
      }),
    connections,
    cleanupJob: { name: 'shared-limits-cleanup', run: () => deleteExpired(db) },
    stop: async () => {
      await connections.stop();
      await pool.end();
    },
  };
}
