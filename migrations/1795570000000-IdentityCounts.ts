import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A realm's identity count without counting (issue #17, W9; docs/decisions.md, "SCIM lists"):
 * SCIM's `totalResults` of an unfiltered list — what Okta and Entra ask for on every import — was
 * `count(*)` over the realm, a scan of a million rows on the bench (967 ms a first page).
 *
 * - `identity_counts` holds, per realm, its identities and how many of them are DEPROVISIONED (which
 *   SCIM does not show), striped over 16 slots summed on read: a writer adds to the slot of its
 *   backend (pg_backend_pid() % 16), so concurrent identity writes of one realm each update their
 *   own row instead of queueing on one counter row until commit. A single row per realm would add a
 *   second hot row beside the realm's event counter, taken earlier in the transaction (at the
 *   insert, not at the event append) and so held longer.
 * - Kept by triggers in the same statement as every write of identities — the services', the seed's
 *   and the bench generator's bulk SQL, and the cascade of a realm's deletion alike — so the sum is
 *   exact in every snapshot: statement-level for inserts and deletes (one upsert per realm and
 *   statement, however many rows: a million generated rows cost one), row-level for the rare change
 *   into or out of DEPROVISIONED. A deletion's trigger skips realms that are gone (a realm's own
 *   deletion, whose counts cascade with it).
 * - The backfill runs after the triggers exist, in the migration's transaction: CREATE TRIGGER's
 *   lock keeps identity writers out until it commits, so nothing is counted twice or missed.
 *
 * `identities_realm_created_at_idx` also carries `status` (INCLUDE): SCIM's page by startIndex
 * skips the rows before it in creation order, among those it shows (status <> DEPROVISIONED), and
 * with the status in the index that walk is an index-only scan rather than a heap visit per row
 * skipped (5.5 s for startIndex=900001 on the bench). Same key, same uses; a status change is then
 * not a HOT update, and status changes are rare.
 */
export class IdentityCounts1795570000000 implements MigrationInterface {
  name = 'IdentityCounts1795570000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity_counts (
        realm_id uuid NOT NULL,
        slot smallint NOT NULL,
        identities bigint NOT NULL,
        deprovisioned bigint NOT NULL,
        CONSTRAINT identity_counts_pkey PRIMARY KEY (realm_id, slot),
        CONSTRAINT identity_counts_realm_fkey FOREIGN KEY (realm_id) REFERENCES realms (id) ON DELETE CASCADE,
        CONSTRAINT identity_counts_slot_check CHECK (slot >= 0 AND slot < 16)
      )`);
    // One function for both statement triggers: their transition table is `changed`, the sign TG_OP's.
    await q.query(`
      CREATE FUNCTION identities_count_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        sign constant integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
      BEGIN
        INSERT INTO identity_counts AS c (realm_id, slot, identities, deprovisioned)
        SELECT t.realm_id, pg_backend_pid() % 16, sign * count(*), sign * count(*) FILTER (WHERE t.status = 'DEPROVISIONED')
          FROM changed t
         WHERE TG_OP = 'INSERT' OR EXISTS (SELECT 1 FROM realms WHERE realms.id = t.realm_id)
         GROUP BY t.realm_id
        ON CONFLICT (realm_id, slot) DO UPDATE
          SET identities = c.identities + excluded.identities, deprovisioned = c.deprovisioned + excluded.deprovisioned;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION identities_count_deprovisioned() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO identity_counts AS c (realm_id, slot, identities, deprovisioned)
        VALUES (NEW.realm_id, pg_backend_pid() % 16, 0, CASE WHEN NEW.status = 'DEPROVISIONED' THEN 1 ELSE -1 END)
        ON CONFLICT (realm_id, slot) DO UPDATE SET deprovisioned = c.deprovisioned + excluded.deprovisioned;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER identities_count_added AFTER INSERT ON identities
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION identities_count_changed()`);
    await q.query(`
      CREATE TRIGGER identities_count_removed AFTER DELETE ON identities
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION identities_count_changed()`);
    await q.query(`
      CREATE TRIGGER identities_count_deprovisioned AFTER UPDATE OF status ON identities FOR EACH ROW
        WHEN ((OLD.status = 'DEPROVISIONED') IS DISTINCT FROM (NEW.status = 'DEPROVISIONED'))
        EXECUTE FUNCTION identities_count_deprovisioned()`);
    await q.query(`
      INSERT INTO identity_counts (realm_id, slot, identities, deprovisioned)
      SELECT realm_id, 0, count(*), count(*) FILTER (WHERE status = 'DEPROVISIONED') FROM identities GROUP BY realm_id`);

    await q.query(`CREATE INDEX identities_realm_created_at_status_idx ON identities (realm_id, created_at, id) INCLUDE (status)`);
    await q.query(`DROP INDEX identities_realm_created_at_idx`);
    await q.query(`ALTER INDEX identities_realm_created_at_status_idx RENAME TO identities_realm_created_at_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX identities_realm_created_at_plain_idx ON identities (realm_id, created_at, id)`);
    await q.query(`DROP INDEX identities_realm_created_at_idx`);
    await q.query(`ALTER INDEX identities_realm_created_at_plain_idx RENAME TO identities_realm_created_at_idx`);
    await q.query(`DROP TRIGGER IF EXISTS identities_count_deprovisioned ON identities`);
    await q.query(`DROP TRIGGER IF EXISTS identities_count_removed ON identities`);
    await q.query(`DROP TRIGGER IF EXISTS identities_count_added ON identities`);
    await q.query(`DROP FUNCTION IF EXISTS identities_count_deprovisioned()`);
    await q.query(`DROP FUNCTION IF EXISTS identities_count_changed()`);
    await q.query(`DROP TABLE identity_counts`);
  }
}
