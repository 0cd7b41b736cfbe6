import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One budget across instances (issue #16): the rate limits' token buckets and the WebSocket
 * connection counts per token, kept in PostgreSQL (src/shared-limits/).
 *
 * - Both tables are UNLOGGED: every lease and every connection writes a row, and none of it is
 *   worth a WAL record. PostgreSQL empties them after a crash: every bucket is full again (what an
 *   idle minute gives anyway) and each instance writes its connection counts back at its next
 *   heartbeat. Nor are they replicated to a standby, which never decides a limit.
 * - No entity: only src/shared-limits/shared-limits.repository.ts reads them, in SQL, through the
 *   limiter's own pool; TypeORM's schema builder looks only at the tables of entities.
 * - `rate_limit_buckets`: one token bucket per scope (the limit and its budget, e.g.
 *   `requests:600`) and key (`token:<uuid>`, `address:<ip>`). `granted` is what the last lease took,
 *   returned by the same statement. A row untouched for a minute is a full bucket: the cleanup job
 *   deletes it.
 * - `ws_connection_counts`: each instance's open connections per key, which it writes back at each
 *   heartbeat; a row past `expires_at` (its instance stopped beating: crashed, frozen, cut off)
 *   counts for nothing and is deleted by the cleanup job.
 * - `ws_connection_admit`: the check and the count in one round trip, serialised per key by a
 *   transaction-scoped advisory lock (released at the statement's commit: nothing is held across
 *   statements, so it works through a transaction-mode pooler). Under READ COMMITTED each
 *   statement of a plpgsql function takes a fresh snapshot, so the sum after the lock sees every
 *   admission committed before it.
 */
export class SharedRateLimits1795560000000 implements MigrationInterface {
  name = 'SharedRateLimits1795560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE UNLOGGED TABLE rate_limit_buckets (
         scope text NOT NULL,
         key text NOT NULL,
         tokens double precision NOT NULL,
         granted integer NOT NULL,
         updated_at timestamptz NOT NULL,
         CONSTRAINT rate_limit_buckets_pkey PRIMARY KEY (scope, key)
       ) WITH (fillfactor = 70)`,
    );
    await q.query(
      `CREATE UNLOGGED TABLE ws_connection_counts (
         key text NOT NULL,
         instance uuid NOT NULL,
         connections integer NOT NULL CONSTRAINT ws_connection_counts_connections_check CHECK (connections > 0),
         expires_at timestamptz NOT NULL,
         CONSTRAINT ws_connection_counts_pkey PRIMARY KEY (key, instance)
       )`,
    );
    await q.query(`CREATE INDEX ws_connection_counts_instance_idx ON ws_connection_counts (instance)`);
    await q.query(
      `CREATE FUNCTION ws_connection_admit(p_key text, p_instance uuid, p_local integer, p_max integer, p_ttl_ms integer) RETURNS integer
       LANGUAGE plpgsql AS $$
       DECLARE
         others integer;
       BEGIN
         PERFORM pg_advisory_xact_lock(hashtextextended('ws_connection_counts ' || p_key, 0));
         SELECT coalesce(sum(connections), 0) INTO others FROM ws_connection_counts
          WHERE key = p_key AND instance <> p_instance AND expires_at > clock_timestamp();
         IF others + p_local < p_max THEN
           INSERT INTO ws_connection_counts (key, instance, connections, expires_at)
           VALUES (p_key, p_instance, p_local + 1, clock_timestamp() + p_ttl_ms * interval '1 millisecond')
           ON CONFLICT (key, instance) DO UPDATE SET connections = EXCLUDED.connections, expires_at = EXCLUDED.expires_at;
         END IF;
         -- Open before this one, on every live instance: admitted when below p_max.
         RETURN others + p_local;
       END $$`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ws_connection_admit(text, uuid, integer, integer, integer)`);
    await q.query(`DROP TABLE ws_connection_counts`);
    await q.query(`DROP TABLE rate_limit_buckets`);
  }
}
