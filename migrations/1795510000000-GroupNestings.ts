import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Nested groups (issue #14, docs/decisions.md 104): a group inside another, as a row of
 * group_nestings, and the events GROUP_NESTED / GROUP_UNNESTED.
 *
 * realm_id is part of both foreign keys, onto groups (realm_id, id) as group_memberships' are: a
 * nesting cannot cross realms. ON DELETE CASCADE is a last line of defence for deleting a realm
 * (whose events go with it); deleting a group ends its nestings itself, each with its event
 * (GroupService.delete), before its row goes. The CHECK refuses a group in itself; longer cycles
 * are refused by the service under one advisory lock per realm (decision 104). The primary key
 * (parent_id, child_id) walks down the tree; the two (…, added_at, …) indexes are the keyset order
 * of Group.memberGroups and Group.parentGroups and cover the foreign keys.
 */
export class GroupNestings1795510000000 implements MigrationInterface {
  name = 'GroupNestings1795510000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS group_nestings (
        realm_id uuid NOT NULL,
        parent_id uuid NOT NULL,
        child_id uuid NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT group_nestings_pkey PRIMARY KEY (parent_id, child_id),
        CONSTRAINT group_nestings_parent_fkey FOREIGN KEY (realm_id, parent_id)
          REFERENCES groups (realm_id, id) ON DELETE CASCADE,
        CONSTRAINT group_nestings_child_fkey FOREIGN KEY (realm_id, child_id)
          REFERENCES groups (realm_id, id) ON DELETE CASCADE,
        CONSTRAINT group_nestings_not_itself CHECK (parent_id <> child_id)
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS group_nestings_parent_added_idx ON group_nestings (parent_id, added_at, child_id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS group_nestings_child_added_idx ON group_nestings (child_id, added_at, parent_id)`);
    await replaceCheck(q, [...before, 'group.nested', 'group.unnested']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM events WHERE type IN ('group.nested', 'group.unnested')`);
    await replaceCheck(q, before);
    await q.query(`DROP TABLE IF EXISTS group_nestings`);
  }
}

/** As in migration IdentitiesLinkedEvent: NOT VALID in the statement that drops the old check, then validated apart. */
async function replaceCheck(q: QueryRunner, types: readonly string[]): Promise<void> {
  await q.query(
    `ALTER TABLE events DROP CONSTRAINT IF EXISTS events_type_check,
       ADD CONSTRAINT events_type_check CHECK (type IN (${types.map((type) => `'${type}'`).join(', ')})) NOT VALID`,
  );
  await q.query(`ALTER TABLE events VALIDATE CONSTRAINT events_type_check`);
}

/** The types before this migration; a migration keeps its own copy, since the list grows after it. */
const before = [
  'identity.created', 'identity.updated', 'identity.status_changed', 'identity.deleted', 'identities.linked',
  'group.created', 'group.updated', 'group.deleted',
  'membership.added', 'membership.removed',
  'invitation.created', 'invitation.sent', 'invitation.resent', 'invitation.accepted',
  'invitation.revoked', 'invitation.expired', 'invitation.delivery_failed',
];
