import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What SCIM resources show beyond the graph's fields (docs/decisions.md 102): the kind of an
 * identity's email and phone number as the identity provider sent it (work, home, mobile…), and a
 * group's membership version, which goes up with every statement that adds or removes members of
 * it, so that a group's SCIM version (its ETag) changes when its members do. The counting triggers
 * bump it where they already update the group's row: no statement more.
 */
export class ScimResourceDetails1795490000002 implements MigrationInterface {
  name = 'ScimResourceDetails1795490000002';

  async up(q: QueryRunner): Promise<void> {
    for (const column of ['email_type', 'phone_number_type']) {
      await q.query(`ALTER TABLE identities ADD COLUMN ${column} text`);
      await q.query(`ALTER TABLE identities ADD CONSTRAINT identities_${column}_length CHECK (char_length(${column}) <= 256)`);
    }
    await q.query(`ALTER TABLE groups ADD COLUMN membership_version bigint NOT NULL DEFAULT 0`);
    await countingTriggers(q, ', membership_version = g.membership_version + 1');
  }

  async down(q: QueryRunner): Promise<void> {
    await countingTriggers(q, '');
    await q.query(`ALTER TABLE groups DROP COLUMN membership_version`);
    for (const column of ['email_type', 'phone_number_type']) await q.query(`ALTER TABLE identities DROP COLUMN ${column}`);
  }
}

/** The member_count triggers' functions of CreateGraph, with `more` in their SET. */
async function countingTriggers(q: QueryRunner, more: string): Promise<void> {
  for (const [name, table, sign] of [
    ['group_memberships_count_added', 'added', '+'],
    ['group_memberships_count_removed', 'removed', '-'],
  ]) {
    await q.query(`
      CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE groups g SET member_count = g.member_count ${sign} d.n${more}
          FROM (SELECT group_id, count(*)::integer AS n FROM ${table} GROUP BY group_id) d
         WHERE g.id = d.group_id;
        RETURN NULL;
      END $$`);
  }
}
