import type { Queryable } from '../db/queryable';

/** What a lease took from a shared bucket, and what the bucket kept. */
export interface Lease {
  /** Requests granted to the instance, to spend without asking again: 0 when the bucket had none. */
  readonly granted: number;
  /** What the bucket holds after the grant (a fraction: it refills continuously). */
  readonly tokens: number;
}

/**
 * Takes a lease from the token bucket of `scope` and `key` in one statement (one row lock): the
 * bucket refills at `capacity` a minute since it was last touched, up to `capacity`; `returned` is
 * what the instance gives back of its previous lease; the grant is at most `maxGrant`, and never
 * more than a quarter of what the bucket holds (at least one while it holds one), so that near the
 * limit the instances take one request at a time. A bucket not yet in the table is a full one.
 * The clock is PostgreSQL's: the instances' own clocks do not matter.
 */
export async function leaseTokens(db: Queryable, scope: string, key: string, capacity: number, maxGrant: number, returned: number): Promise<Lease> {
  const rows = await db.query<Array<{ granted: number; tokens: number }>>(
    `INSERT INTO rate_limit_buckets AS b (scope, key, tokens, granted, updated_at)
     SELECT $1, $2, $3::float8 - g, g, clock_timestamp() FROM (SELECT least($4::int, $3::int, greatest(1, floor($3::float8 / 4)))::int AS g) AS fresh
     ON CONFLICT (scope, key) DO UPDATE SET (tokens, granted, updated_at) = (
       SELECT refilled - g, g, clock_timestamp()
         FROM (SELECT least($3::float8, b.tokens + $5::int + extract(epoch FROM clock_timestamp() - b.updated_at)::float8 * $3::float8 / 60)) AS r(refilled),
         LATERAL (SELECT least($4::int, floor(refilled), greatest(1, floor(refilled / 4)))::int) AS l(g))
     RETURNING granted, tokens`,
    [scope, key, capacity, maxGrant, returned],
  );
  return { granted: rows[0].granted, tokens: rows[0].tokens };
}

/**
 * Counts a WebSocket connection of `key` on `instance` if the key has fewer than `max` open on the
 * live instances (`local` of them on this one, which its own row is set to plus one). Returns how
 * many were open before: admitted when below `max`. One round trip (ws_connection_admit, in the
 * migration 1795560000000-SharedRateLimits).
 */
export async function admitConnection(db: Queryable, key: string, instance: string, local: number, max: number, ttlMs: number): Promise<number> {
  const rows = await db.query<Array<{ open: number }>>(`SELECT ws_connection_admit($1, $2, $3, $4, $5) AS open`, [key, instance, local, max, ttlMs]);
  return rows[0].open;
}

/** Sets this instance's count of `key` (after a close): deleted at 0. */
export async function setConnections(db: Queryable, key: string, instance: string, count: number, ttlMs: number): Promise<void> {
  if (count > 0) {
    await db.query(
      `UPDATE ws_connection_counts SET connections = $3, expires_at = clock_timestamp() + $4 * interval '1 millisecond' WHERE key = $1 AND instance = $2`,
      [key, instance, count, ttlMs],
    );
  } else {
    await db.query(`DELETE FROM ws_connection_counts WHERE key = $1 AND instance = $2`, [key, instance]);
  }
}

/**
 * The heartbeat: writes this instance's counts (`counts`, its truth) with a fresh expiry, and
 * deletes its rows of keys it no longer holds, except `busy` ones (an admission or a close of theirs
 * is under way and writes their row itself). One statement, whatever the number of keys.
 */
export async function syncConnections(db: Queryable, instance: string, counts: ReadonlyMap<string, number>, busy: readonly string[], ttlMs: number): Promise<void> {
  await db.query(
    `WITH mine AS (SELECT * FROM unnest($2::text[], $3::int[]) AS m(key, connections)),
          gone AS (DELETE FROM ws_connection_counts c WHERE c.instance = $1 AND c.key <> ALL ($2::text[]) AND c.key <> ALL ($4::text[]))
     INSERT INTO ws_connection_counts (key, instance, connections, expires_at)
     SELECT key, $1, connections, clock_timestamp() + $5 * interval '1 millisecond' FROM mine
     ON CONFLICT (key, instance) DO UPDATE SET connections = EXCLUDED.connections, expires_at = EXCLUDED.expires_at`,
    [instance, [...counts.keys()], [...counts.values()], busy, ttlMs],
  );
}

/** Forgets an instance that stops: its connections are closed. */
export async function deleteInstance(db: Queryable, instance: string): Promise<void> {
  await db.query(`DELETE FROM ws_connection_counts WHERE instance = $1`, [instance]);
}

/**
 * Rows that say nothing any more: a bucket untouched for a minute has refilled (a budget refills in
 * a minute), so it is what a missing row stands for; a count past its expiry counts for nothing.
 */
export async function deleteExpired(db: Queryable): Promise<void> {
  await db.query(`DELETE FROM rate_limit_buckets WHERE updated_at < clock_timestamp() - interval '1 minute'`);
  await db.query(`DELETE FROM ws_connection_counts WHERE expires_at < clock_timestamp()`);
}
