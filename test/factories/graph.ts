import type { TestServer } from '../helpers/server';

let sequence = 0;
const unique = (prefix: string) => `${prefix}${++sequence}${Math.random().toString(36).slice(2, 6)}`;

export interface Ref {
  id: string;
}

/** Builders that go through the public API, so that tests set up data the way clients do. */
export async function createRealm(server: TestServer, name = unique('realm-')): Promise<Ref & { name: string }> {
  const data = await server.ok(`mutation($input: CreateRealmInput!) { createRealm(input: $input) { realm { id name } } }`, {
    input: { name, displayName: `Realm ${name}` },
  });
  return data.createRealm.realm;
}

export async function createIdentity(
  server: TestServer,
  realmId: string,
  fields: Partial<{ displayName: string; username: string; primaryEmail: string; role: string; source: string; externalId: string }> = {},
): Promise<Ref & { username: string; version: number }> {
  const username = fields.username ?? unique('user');
  const data = await server.ok(
    `mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id username version } } }`,
    {
      input: {
        realmId,
        displayName: fields.displayName ?? `User ${username}`,
        username,
        primaryEmail: fields.primaryEmail ?? `${username}@example.com`,
        ...(fields.role ? { role: fields.role } : {}),
        ...(fields.source ? { source: fields.source } : {}),
        ...(fields.externalId ? { externalId: fields.externalId } : {}),
      },
    },
  );
  return data.createIdentity.identity;
}

export async function createGroup(server: TestServer, realmId: string, name = unique('group-'), memberIds?: string[]): Promise<Ref & { name: string }> {
  const data = await server.ok(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id name } } }`, {
    input: { realmId, name, ...(memberIds ? { memberIds } : {}) },
  });
  return data.createGroup.group;
}

export async function addMembers(server: TestServer, groupId: string, identityIds: string[]): Promise<void> {
  await server.ok(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, {
    input: { groupId, identityIds },
  });
}

/** Many identities at once, straight through SQL: for tests about sizes, not about creation. */
export async function insertIdentities(server: TestServer, realmId: string, count: number, prefix = unique('bulk')): Promise<string[]> {
  const realmUuid = Buffer.from(realmId, 'base64url').toString().split(':')[1];
  const rows: Array<{ id: string }> = await server.db.dataSource.query(
    `INSERT INTO identities (realm_id, display_name, username, primary_email, role, status, source)
     SELECT $1, 'User ' || n, $2 || n, $2 || n || '@example.com', 'GRANTEE', 'ACTIVE', 'MANUAL'
       FROM generate_series(1, $3) AS n
     RETURNING global_id('Identity', id) AS id`,
    [realmUuid, prefix, count],
  );
  return rows.map((row) => row.id);
}

/** The database key behind a global ID: for tests that reach into the tables with SQL. */
export function uuidOf(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString().split(':')[1];
}

/** Several identities of one realm through the public API, in creation order. */
export async function createIdentities(server: TestServer, realmId: string, count: number): Promise<Array<Ref & { username: string }>> {
  const identities: Array<Ref & { username: string }> = [];
  for (let n = 0; n < count; n++) identities.push(await createIdentity(server, realmId));
  return identities;
}

export type StatusChange = 'suspend' | 'reactivate' | 'deprovision';

/** Moves an identity through its lifecycle (suspendIdentity, reactivateIdentity, deprovisionIdentity). */
export async function changeIdentityStatus(server: TestServer, identityId: string, change: StatusChange): Promise<{ status: string; version: number }> {
  const field = `${change}Identity`;
  const inputType = `${change[0].toUpperCase()}${change.slice(1)}IdentityInput`;
  const data = await server.ok(`mutation($input: ${inputType}!) { ${field}(input: $input) { identity { status version } } }`, {
    input: { id: identityId },
  });
  return data[field].identity;
}

export async function deleteRealm(server: TestServer, realmId: string): Promise<void> {
  await server.ok(`mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: realmId });
}

export interface InvitationRef extends Ref {
  email: string;
  status: string;
  identity: Ref | null;
}

/** Invites an address (a fresh one unless `fields.email` says) through inviteIdentity. */
export async function inviteIdentity(
  server: TestServer,
  realmId: string,
  fields: Partial<{ email: string; role: string; fullName: string; phoneNumber: string; groupIds: string[]; expiresInHours: number }> = {},
): Promise<InvitationRef> {
  const data = await server.ok(
    `mutation($input: InviteIdentityInput!) { inviteIdentity(input: $input) { invitation { id email status identity { id } } } }`,
    { input: { realmId, email: fields.email ?? `${unique('invitee')}@example.com`, ...fields } },
  );
  return data.inviteIdentity.invitation;
}

/**
 * The link token of an invitation's queued email, read from the outbox (the API never shows it).
 * For servers whose jobs do not run: a sent message's body is erased.
 */
export async function queuedInvitationToken(server: TestServer, invitationId: string): Promise<string> {
  const rows: Array<{ text: string }> = await server.db.dataSource.query(
    `SELECT text_body AS text FROM email_outbox WHERE invitation_id = $1 AND status = 'QUEUED' ORDER BY created_at DESC LIMIT 1`,
    [uuidOf(invitationId)],
  );
  const token = rows[0]?.text.match(/[?&]token=([A-Za-z0-9_-]+)/)?.[1];
  if (!token) throw new Error(`no queued invitation email for ${invitationId}`);
  return token;
}
