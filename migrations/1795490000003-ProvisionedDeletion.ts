import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per realm, what an identity provider's DELETE of a user does (issue #13, docs/decisions.md 102):
 * DELETE removes the identity, DEPROVISION keeps it DEPROVISIONED for the audit trail. A constant
 * default: no table rewrite.
 */
export class ProvisionedDeletion1795490000003 implements MigrationInterface {
  name = 'ProvisionedDeletion1795490000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE realms ADD COLUMN provisioned_deletion text NOT NULL DEFAULT 'DELETE'`);
    await q.query(`ALTER TABLE realms ADD CONSTRAINT realms_provisioned_deletion_check CHECK (provisioned_deletion IN ('DELETE', 'DEPROVISION'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE realms DROP COLUMN provisioned_deletion`);
  }
}
