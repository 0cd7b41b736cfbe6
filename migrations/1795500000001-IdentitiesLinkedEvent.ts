import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event type `identities.linked` (IDENTITIES_LINKED: linkIdentities merged a duplicate into an
 * identity, docs/decisions.md 103) joins the CHECK on events.type. The new check is added NOT VALID
 * in the statement that drops the old one (a moment's lock), then validated on its own, which
 * reads the log without stopping the writes that append to it. Both steps can run again.
 */
export class IdentitiesLinkedEvent1795500000001 implements MigrationInterface {
  name = 'IdentitiesLinkedEvent1795500000001';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await replaceCheck(q, [...before, 'identities.linked']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM events WHERE type = 'identities.linked'`);
    await replaceCheck(q, before);
  }
}

async function replaceCheck(q: QueryRunner, types: readonly string[]): Promise<void> {
  await q.query(
    `ALTER TABLE events DROP CONSTRAINT IF EXISTS events_type_check,
       ADD CONSTRAINT events_type_check CHECK (type IN (${types.map((type) => `'${type}'`).join(', ')})) NOT VALID`,
  );
  await q.query(`ALTER TABLE events VALIDATE CONSTRAINT events_type_check`);
}

/** The types before this migration; a migration keeps its own copy, since the list grows after it. */
const before = [
  'identity.created', 'identity.updated', 'identity.status_changed', 'identity.deleted',
  'group.created', 'group.updated', 'group.deleted',
  'membership.added', 'membership.removed',
  'invitation.created', 'invitation.sent', 'invitation.resent', 'invitation.accepted',
  'invitation.revoked', 'invitation.expired', 'invitation.delivery_failed',
];
