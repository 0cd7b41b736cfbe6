import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What identity providers provision (issue #13, docs/decisions.md 102): the person's profile
 * attributes (src/identity/identity-profile.ts) on identities, an external ID on groups (unique in
 * the realm), and an IdP identity no longer needs an external ID — SCIM does not require one, and an
 * identity provider links an identity made by hand by setting it. Columns without defaults: no table
 * rewrite; the check is swapped in one transaction.
 */
export class ProvisioningAttributes1795490000000 implements MigrationInterface {
  name = 'ProvisioningAttributes1795490000000';

  async up(q: QueryRunner): Promise<void> {
    for (const column of profileColumns) {
      await q.query(`ALTER TABLE identities ADD COLUMN ${column} text`);
      await q.query(`ALTER TABLE identities ADD CONSTRAINT identities_${column}_length CHECK (char_length(${column}) <= 256)`);
    }
    await q.query(`ALTER TABLE identities DROP CONSTRAINT identities_external_id_check`);
    await q.query(`ALTER TABLE identities ADD CONSTRAINT identities_external_id_check CHECK (source = 'IDP' OR external_id IS NULL)`);
    await q.query(`ALTER TABLE identities ADD CONSTRAINT identities_external_id_length CHECK (char_length(external_id) <= 256)`);
    await q.query(`ALTER TABLE groups ADD COLUMN external_id text`);
    await q.query(`ALTER TABLE groups ADD CONSTRAINT groups_external_id_length CHECK (char_length(external_id) BETWEEN 1 AND 256)`);
    await q.query(`CREATE UNIQUE INDEX groups_realm_external_id_key ON groups (realm_id, external_id) WHERE external_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX groups_realm_external_id_key`);
    await q.query(`ALTER TABLE groups DROP COLUMN external_id`);
    await q.query(`ALTER TABLE identities DROP CONSTRAINT identities_external_id_length`);
    await q.query(`ALTER TABLE identities DROP CONSTRAINT identities_external_id_check`);
    await q.query(`ALTER TABLE identities ADD CONSTRAINT identities_external_id_check CHECK ((source = 'IDP') = (external_id IS NOT NULL))`);
    for (const column of profileColumns) await q.query(`ALTER TABLE identities DROP COLUMN ${column}`);
  }
}

/** As src/identity/identity-profile.ts names them; a migration keeps its own copy, since the table may change after it. */
const profileColumns = [
  'given_name',
  'family_name',
  'title',
  'user_type',
  'preferred_language',
  'locale',
  'timezone',
  'employee_number',
  'cost_center',
  'organization',
  'division',
  'department',
  'manager_id',
];
