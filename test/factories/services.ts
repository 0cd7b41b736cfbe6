import type { Caller } from '../../src/auth/caller';
import type { IdentityRow } from '../../src/identity/identity.repository';
import type { GroupRow } from '../../src/group/group.repository';
import type { InvitationRow } from '../../src/invitation/invitation.repository';
import type { RealmRow } from '../../src/realm/realm.repository';
import type { Queryable } from '../../src/db/queryable';
import { allRealmsCaller, type TestServices } from '../helpers/services';

/*
 * Builders that go through the services, as test/factories/graph.ts goes through the API: a service
 * test sets its data up the way a user of the services makes it. Each call is its own request
 * (a fresh context), made by `setup`, an all-realms caller whose events the tests can tell apart.
 */

let sequence = 0;
export const unique = (prefix: string) => `${prefix}${++sequence}${Math.random().toString(36).slice(2, 6)}`;

/** The caller the builders act as. */
export const setup: Caller = allRealmsCaller('test setup');

export function createRealm(t: TestServices, name = unique('realm-')): Promise<RealmRow> {
  return t.services.realms.create(t.context(setup), { name, displayName: `Realm ${name}` });
}

export function createIdentity(t: TestServices, realm: RealmRow, fields: Partial<{ username: string; primaryEmail: string }> = {}): Promise<IdentityRow> {
  const username = fields.username ?? unique('user');
  return t.services.identities.create(t.context(setup), {
    realmId: realm.id,
    displayName: `User ${username}`,
    username,
    primaryEmail: fields.primaryEmail ?? `${username}@example.com`,
    // The schema's defaults: a service is given what the edge coerced.
    role: 'GRANTEE',
    source: 'MANUAL',
  });
}

export async function createIdentities(t: TestServices, realm: RealmRow, count: number): Promise<IdentityRow[]> {
  const made: IdentityRow[] = [];
  for (let n = 0; n < count; n++) made.push(await createIdentity(t, realm));
  return made;
}

export function createGroup(t: TestServices, realm: RealmRow, members: ReadonlyArray<{ id: string }> = [], name = unique('group-')): Promise<GroupRow> {
  return t.services.groups.create(t.context(setup), { realmId: realm.id, name, memberIds: members.map((member) => member.id) });
}

export function invite(
  t: TestServices,
  realm: RealmRow,
  fields: Partial<{ email: string; fullName: string; groups: ReadonlyArray<{ id: string }>; expiresInHours: number }> = {},
): Promise<InvitationRow> {
  return t.services.invitations.invite(t.context(setup), {
    realmId: realm.id,
    email: fields.email ?? `${unique('invitee')}@example.com`,
    role: 'GRANTEE',
    fullName: fields.fullName ?? null,
    groupIds: fields.groups?.map((group) => group.id) ?? null,
    expiresInHours: fields.expiresInHours ?? null,
  });
}

/**
 * The link token of an invitation's queued email, read from the outbox as
 * test/factories/graph.ts `queuedInvitationToken` does: the services never return it.
 */
export async function queuedInvitationToken(db: Queryable, invitationUuid: string): Promise<string> {
  const rows: Array<{ text: string }> = await db.query(
    `SELECT text_body AS text FROM email_outbox WHERE invitation_id = $1 AND status = 'QUEUED' ORDER BY created_at DESC LIMIT 1`,
    [invitationUuid],
  );
  const token = rows[0]?.text.match(/[?&]token=([A-Za-z0-9_-]+)/)?.[1];
  if (!token) throw new Error(`no queued invitation email for ${invitationUuid}`);
  return token;
}

/** The group as a fresh request reads it (its member count from its row), or null when it is gone. */
export function readGroup(t: TestServices, uuid: string): Promise<GroupRow | null> {
  return t.services.groups.get(t.context(setup), uuid);
}

export function readIdentity(t: TestServices, uuid: string): Promise<IdentityRow | null> {
  return t.services.identities.get(t.context(setup), uuid);
}

export function readInvitation(t: TestServices, uuid: string): Promise<InvitationRow | null> {
  return t.services.invitations.get(t.context(setup), uuid);
}

/** The uuids of the group's members, straight from the membership table, oldest first. */
export async function memberUuids(db: Queryable, groupUuid: string): Promise<string[]> {
  const rows: Array<{ uuid: string }> = await db.query(
    `SELECT identity_id AS uuid FROM group_memberships WHERE group_id = $1 ORDER BY added_at, identity_id`,
    [groupUuid],
  );
  return rows.map((row) => row.uuid);
}
