import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The realm's external IDs unique under a plain index rather than a partial one (`WHERE source =
 * 'IDP'`): an identity provider looks users up by `externalId eq "…"` (SCIM), a condition that does
 * not imply the partial index's predicate, so the planner could not use it and scanned the realm.
 * The rule stays the same: since ProvisioningAttributes a MANUAL identity has no external ID (its
 * check), and NULLs are distinct in a unique index. Built CONCURRENTLY, so not in a transaction;
 * each step can run again after a failure.
 */
export class ExternalIdIndex1795490000004 implements MigrationInterface {
  name = 'ExternalIdIndex1795490000004';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS identities_realm_external_id_key_all`);
    await q.query(`CREATE UNIQUE INDEX CONCURRENTLY identities_realm_external_id_key_all ON identities (realm_id, external_id)`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS identities_realm_external_id_key`);
    await q.query(`ALTER INDEX identities_realm_external_id_key_all RENAME TO identities_realm_external_id_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS identities_realm_external_id_key`);
    await q.query(`CREATE UNIQUE INDEX identities_realm_external_id_key ON identities (realm_id, external_id) WHERE source = 'IDP'`);
  }
}
