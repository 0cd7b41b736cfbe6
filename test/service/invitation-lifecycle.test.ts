import { createHash, randomBytes } from 'node:crypto';
import { Caller } from '../../src/auth/caller';
import { ErrorCode } from '../../src/common/errors';
import { toGlobalId } from '../../src/common/global-id';
import type { InvitationRow } from '../../src/invitation/invitation.repository';
import type { RealmRow } from '../../src/realm/realm.repository';
import {
  createGroup,
  createIdentity,
  createRealm,
  invite,
  memberUuids,
  queuedInvitationToken,
  readGroup,
  readIdentity,
  readInvitation,
  unique,
} from '../factories/services';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import {
  allRealmsCaller,
  callerWith,
  createTestServices,
  lastEventSeq,
  realmCaller,
  realmEvents,
  refusalOf,
  testConfig,
  writtenBy,
  type LoggedEvent,
  type TestServices,
} from '../helpers/services';

/*
 * The invitation lifecycle through InvitationService (src/invitation/invitation-lifecycle.ts):
 * PENDING → ACCEPTED by its token, PENDING → EXPIRED at its expiry, PENDING or EXPIRED → REVOKED,
 * EXPIRED → PENDING by resending. What test/e2e/invitation.test.ts asserts over HTTP, here on the
 * services alone — and, what only this tier sees, when the email delivery job is woken.
 */

let db: TestDatabase;
let t: TestServices;
/** What the delivery job would find in the outbox, read from another connection at the moment of each wake. */
const outboxAtWake: Array<Promise<Array<{ invitationUuid: string; status: string }>>> = [];
beforeAll(async () => {
  db = await createTestDatabase();
  t = await createTestServices(db);
  t.seams.onEmailWake(() =>
    outboxAtWake.push(t.readNow(`SELECT invitation_id AS "invitationUuid", status FROM email_outbox ORDER BY created_at, id`)),
  );
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

const admin = allRealmsCaller('invitation admin');
/** The invitee has no API token: the link's token is the credential (docs/decisions.md 36). */
const invitee = Caller.anonymous;

const accept = (token: string, fields: Partial<{ displayName: string; username: string }> = {}) =>
  t.services.invitations.accept(t.context(invitee), { token, displayName: fields.displayName ?? 'New Person', username: fields.username ?? unique('chosen') });
const revoke = (invitation: InvitationRow, caller = admin) => t.services.invitations.revoke(t.context(caller), { id: invitation.id });
const resend = (invitation: InvitationRow, expiresInHours?: number) => t.services.invitations.resend(t.context(admin), { id: invitation.id, expiresInHours });

/** The outbox messages of an invitation, oldest first. */
const messagesOf = (invitation: InvitationRow): Promise<Array<{ status: string; recipient: string; subject: string; text: string | null; html: string | null }>> =>
  db.dataSource.query(
    `SELECT status, recipient, subject, text_body AS text, html_body AS html FROM email_outbox WHERE invitation_id = $1 ORDER BY created_at, id`,
    [invitation.uuid],
  );

/** Makes an invitation past its expiry, as time would. */
const backdate = (invitation: InvitationRow) => db.dataSource.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, [invitation.uuid]);

/** How many identities, invitations and outbox messages the realm holds, and how long its log is. */
async function footprint(realm: RealmRow) {
  const [row] = await db.dataSource.query(
    `SELECT (SELECT count(*)::int FROM identities WHERE realm_id = $1) AS identities,
            (SELECT count(*)::int FROM invitations WHERE realm_id = $1) AS invitations,
            (SELECT count(*)::int FROM email_outbox WHERE realm_id = $1) AS emails`,
    [realm.uuid],
  );
  return { ...row, lastEventSeq: await lastEventSeq(db.dataSource, realm.uuid), emailWakes: t.seams.emailWakes };
}

const typesOf = (log: LoggedEvent[]) => log.map((event) => event.type);
const hours = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 3_600_000;

describe('inviting', () => {
  test('makes an INVITED identity, a PENDING invitation and a QUEUED email, in one commit with its two events', async () => {
    const realm = await createRealm(t);
    const [engineering, design] = [await createGroup(t, realm), await createGroup(t, realm)];
    const email = `Ada.${unique('lovelace')}@Example.com`;
    const seq = await lastEventSeq(db.dataSource, realm.uuid);

    const invitation = await invite(t, realm, { email, fullName: 'Ada Lovelace', groups: [engineering, design, engineering] });
    expect(invitation).toMatchObject({ realmUuid: realm.uuid, email, role: 'GRANTEE', fullName: 'Ada Lovelace', status: 'PENDING', acceptedAt: null });
    expect(invitation.groupUuids).toEqual([engineering.uuid, design.uuid]);
    expect(hours(invitation.createdAt, invitation.expiresAt)).toBe(testConfig.invitationTtlHours);
    // Until acceptance the username is the address, lower-cased (docs/decisions.md 29).
    expect(await readIdentity(t, invitation.identityUuid!)).toMatchObject({
      status: 'INVITED',
      username: email.toLowerCase(),
      displayName: 'Ada Lovelace',
      primaryEmail: email,
      source: 'MANUAL',
    });

    const token = await queuedInvitationToken(db.dataSource, invitation.uuid);
    const [message] = await messagesOf(invitation);
    expect(message).toMatchObject({ status: 'QUEUED', recipient: email, subject: `You are invited to ${realm.displayName}` });
    expect(message.text).toContain(`http://localhost:${testConfig.port}/invitations/accept?token=${token}`);
    // Only the token's SHA-256 is kept.
    const [row] = await db.dataSource.query(`SELECT token_hash FROM invitations WHERE id = $1`, [invitation.uuid]);
    expect(Buffer.from(row.token_hash).equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(await t.services.invitations.deliveryStatus(t.context(admin), invitation)).toMatchObject({ state: 'QUEUED', attempts: 0, sentAt: null });

    const log = await realmEvents(db.dataSource, realm.uuid, seq);
    expect(log.map(({ type, identityUuid, invitationUuid, data }) => ({ type, identityUuid, invitationUuid, data }))).toEqual([
      { type: 'identity.created', identityUuid: invitation.identityUuid, invitationUuid: null, data: { identity: expect.objectContaining({ status: 'INVITED' }) } },
      {
        type: 'invitation.created',
        identityUuid: invitation.identityUuid,
        invitationUuid: invitation.uuid,
        data: { email, role: 'GRANTEE', expiresAt: invitation.expiresAt.toISOString() },
      },
    ]);
    const writers = await writtenBy(db.dataSource, 'invitations', 'id = $1', [invitation.uuid]);
    expect(new Set([...writers, ...log.map((event) => event.txid)]).size).toBe(1);
  });

  test('wakes the email delivery job once, after the commit: woken, it finds the message queued', async () => {
    const realm = await createRealm(t);
    const wakes = t.seams.emailWakes;
    const invitation = await invite(t, realm);
    expect(t.seams.emailWakes).toBe(wakes + 1);
    const seen = await outboxAtWake[outboxAtWake.length - 1];
    expect(seen.filter((message) => message.invitationUuid === invitation.uuid)).toEqual([{ invitationUuid: invitation.uuid, status: 'QUEUED' }]);
  });

  test('an address an identity of the realm holds, in any case, is IDENTITY_EXISTS with that identity’s ID', async () => {
    const realm = await createRealm(t);
    const local = unique('taken');
    const holder = await createIdentity(t, realm, { primaryEmail: `${local}@Example.com` });
    const before = await footprint(realm);
    const refusal = await refusalOf(invite(t, realm, { email: `${local.toUpperCase()}@example.COM` }));
    expect(refusal).toMatchObject({ code: ErrorCode.IDENTITY_EXISTS, inputPath: ['input', 'email'], identityId: holder.id });
    expect(holder.id).toBe(toGlobalId('Identity', holder.uuid));
    expect(await footprint(realm)).toEqual(before);
  });

  test('an address with a pending invitation is INVITATION_EXISTS with that invitation’s ID', async () => {
    const realm = await createRealm(t);
    const first = await invite(t, realm);
    const before = await footprint(realm);
    expect(await refusalOf(invite(t, realm, { email: first.email.toUpperCase() }))).toMatchObject({
      code: ErrorCode.INVITATION_EXISTS,
      inputPath: ['input', 'email'],
      invitationId: first.id,
    });
    expect(await footprint(realm)).toEqual(before);
  });

  test('a refused invitation leaves nothing — no identity, invitation, email or event — and wakes nobody', async () => {
    const realm = await createRealm(t);
    const other = await createRealm(t);
    const ours = await createGroup(t, realm);
    const theirs = await createGroup(t, other);
    const gone = await createGroup(t, realm);
    await t.services.groups.delete(t.context(admin), { id: gone.id });
    const before = await footprint(realm);
    const inviteAs = (caller: Caller, fields: Record<string, unknown> = {}) =>
      t.services.invitations.invite(t.context(caller), { realmId: realm.id, email: `${unique('refused')}@example.com`, role: 'GRANTEE', ...fields });

    expect(await refusalOf(inviteAs(admin, { groupIds: [ours.id, theirs.id] }))).toMatchObject({ code: ErrorCode.CROSS_REALM, inputPath: ['input', 'groupIds', 1] });
    expect(await refusalOf(inviteAs(admin, { groupIds: [gone.id] }))).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'groupIds', 0] });
    expect(await refusalOf(inviteAs(admin, { expiresInHours: 0 }))).toMatchObject({ code: ErrorCode.INVALID_INPUT, inputPath: ['input', 'expiresInHours'] });
    expect(await refusalOf(inviteAs(admin, { email: 'not-an-email' }))).toMatchObject({ code: ErrorCode.INVALID_INPUT, inputPath: ['input', 'email'] });
    // The service checks the realm it is named, and the scope, itself (Caller.needIn).
    expect(await refusalOf(inviteAs(realmCaller(other.uuid)))).toMatchObject({ code: ErrorCode.FORBIDDEN, inputPath: ['input', 'realmId'] });
    expect(await refusalOf(inviteAs(callerWith({ name: 'reader', scopes: ['invitations:read', 'identities:write'] })))).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      scope: 'invitations:write',
    });
    expect(await footprint(realm)).toEqual(before);
  });
});

describe('accepting', () => {
  test('the identity becomes ACTIVE with the name and username chosen, and joins the invitation’s groups', async () => {
    const realm = await createRealm(t);
    const groups = [await createGroup(t, realm), await createGroup(t, realm)];
    const invitation = await invite(t, realm, { fullName: 'Before Name', groups });
    const username = unique('ada');

    const identity = await accept(await queuedInvitationToken(db.dataSource, invitation.uuid), { displayName: '  After Name  ', username });
    expect(identity).toMatchObject({ uuid: invitation.identityUuid, status: 'ACTIVE', displayName: 'After Name', username, primaryEmail: invitation.email });
    for (const group of groups) {
      expect(await memberUuids(db.dataSource, group.uuid)).toEqual([identity.uuid]);
      expect((await readGroup(t, group.uuid))?.memberCount).toBe(1);
    }
    expect(await readInvitation(t, invitation.uuid)).toMatchObject({ status: 'ACCEPTED', acceptedAt: expect.any(Date), identityUuid: identity.uuid });
  });

  test('logs, in one commit with no actor, the renaming, the status change, each membership (groups in ID order), then invitation.accepted', async () => {
    const realm = await createRealm(t);
    const groups = [await createGroup(t, realm), await createGroup(t, realm), await createGroup(t, realm)];
    const invitation = await invite(t, realm, { fullName: 'Before Name', groups });
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    const wakes = t.seams.emailWakes;

    await accept(await queuedInvitationToken(db.dataSource, invitation.uuid), { displayName: 'After Name', username: 'after' });

    const log = await realmEvents(db.dataSource, realm.uuid, seq);
    const identityUuid = invitation.identityUuid;
    expect(log.map(({ type, identityUuid, groupUuid, invitationUuid, data }) => ({ type, identityUuid, groupUuid, invitationUuid, data }))).toEqual([
      {
        type: 'identity.updated',
        identityUuid,
        groupUuid: null,
        invitationUuid: null,
        data: { changes: { displayName: { before: 'Before Name', after: 'After Name' }, username: { before: invitation.email.toLowerCase(), after: 'after' } } },
      },
      { type: 'identity.status_changed', identityUuid, groupUuid: null, invitationUuid: null, data: { changes: { status: { before: 'INVITED', after: 'ACTIVE' } } } },
      ...groups
        .map((group) => group.uuid)
        .sort()
        .map((groupUuid) => ({ type: 'membership.added', identityUuid, groupUuid, invitationUuid: null, data: {} })),
      { type: 'invitation.accepted', identityUuid, groupUuid: null, invitationUuid: invitation.uuid, data: {} },
    ]);
    expect(new Set(log.map((event) => event.txid)).size).toBe(1);
    expect(log.every((event) => event.actor === null)).toBe(true);
    // The message still queued would carry a used link: cancelled, its bodies erased. Nothing to send: nobody woken.
    expect(await messagesOf(invitation)).toEqual([expect.objectContaining({ status: 'CANCELLED', text: null, html: null })]);
    expect(t.seams.emailWakes).toBe(wakes);
  });

  test('a token works once: accepting again is INVITATION_ALREADY_ACCEPTED, and changes nothing', async () => {
    const realm = await createRealm(t);
    const group = await createGroup(t, realm);
    const invitation = await invite(t, realm, { groups: [group] });
    const token = await queuedInvitationToken(db.dataSource, invitation.uuid);
    const first = await accept(token);
    const before = await footprint(realm);

    expect(await refusalOf(accept(token, { username: unique('again') }))).toMatchObject({
      code: ErrorCode.INVITATION_ALREADY_ACCEPTED,
      inputPath: ['input', 'token'],
      status: 'ACCEPTED',
    });
    expect(await footprint(realm)).toEqual(before);
    expect((await readIdentity(t, first.uuid))?.username).toBe(first.username);
    expect((await readGroup(t, group.uuid))?.memberCount).toBe(1);
  });

  test('a username taken in the realm is DUPLICATE_USERNAME; the invitation stays PENDING and its token works with another', async () => {
    const realm = await createRealm(t);
    const taken = await createIdentity(t, realm);
    const invitation = await invite(t, realm);
    const token = await queuedInvitationToken(db.dataSource, invitation.uuid);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);

    expect(await refusalOf(accept(token, { username: taken.username.toUpperCase() }))).toMatchObject({
      code: ErrorCode.DUPLICATE_USERNAME,
      inputPath: ['input', 'username'],
    });
    expect((await readInvitation(t, invitation.uuid))?.status).toBe('PENDING');
    expect(await realmEvents(db.dataSource, realm.uuid, seq)).toEqual([]);
    expect((await accept(token, { username: `free-${taken.username}` })).status).toBe('ACTIVE');
  });

  test.each([
    ['unknown', randomBytes(32).toString('base64url')],
    ['malformed', 'not a token'],
  ])('a token that is %s is INVALID_TOKEN', async (_kind, token) => {
    expect(await refusalOf(accept(token))).toMatchObject({ code: ErrorCode.INVALID_TOKEN, inputPath: ['input', 'token'] });
  });

  test('a group deleted since the invitation is skipped, the others joined', async () => {
    const realm = await createRealm(t);
    const [kept, deleted] = [await createGroup(t, realm), await createGroup(t, realm)];
    const invitation = await invite(t, realm, { groups: [kept, deleted] });
    await t.services.groups.delete(t.context(admin), { id: deleted.id });
    const identity = await accept(await queuedInvitationToken(db.dataSource, invitation.uuid));
    expect(await memberUuids(db.dataSource, kept.uuid)).toEqual([identity.uuid]);
  });
});

describe('revoking', () => {
  test('a PENDING invitation becomes REVOKED: its identity deleted, its email cancelled, its token refused', async () => {
    const realm = await createRealm(t);
    const invitation = await invite(t, realm);
    const token = await queuedInvitationToken(db.dataSource, invitation.uuid);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    const wakes = t.seams.emailWakes;

    expect(await revoke(invitation)).toMatchObject({ id: invitation.id, status: 'REVOKED', identityUuid: null, revokedAt: expect.any(Date) });
    expect(await readIdentity(t, invitation.identityUuid!)).toBeNull();
    expect(await messagesOf(invitation)).toEqual([expect.objectContaining({ status: 'CANCELLED', text: null, html: null })]);
    expect(typesOf(await realmEvents(db.dataSource, realm.uuid, seq))).toEqual(['identity.deleted', 'invitation.revoked']);
    expect(t.seams.emailWakes).toBe(wakes);

    expect(await refusalOf(accept(token))).toMatchObject({ code: ErrorCode.INVITATION_REVOKED, inputPath: ['input', 'token'] });
    // REVOKED is final.
    expect(await refusalOf(revoke(invitation))).toMatchObject({ code: ErrorCode.INVITATION_NOT_PENDING, inputPath: ['input', 'id'], status: 'REVOKED' });
    expect(await refusalOf(resend(invitation))).toMatchObject({ code: ErrorCode.INVITATION_NOT_PENDING, inputPath: ['input', 'id'], status: 'REVOKED' });
    // The address is free to be invited again.
    expect((await invite(t, realm, { email: invitation.email })).status).toBe('PENDING');
  });

  test('an ACCEPTED invitation can be neither revoked nor resent: INVITATION_NOT_PENDING, and its identity stays ACTIVE', async () => {
    const realm = await createRealm(t);
    const invitation = await invite(t, realm);
    const identity = await accept(await queuedInvitationToken(db.dataSource, invitation.uuid));
    const before = await footprint(realm);
    expect(await refusalOf(revoke(invitation))).toMatchObject({ code: ErrorCode.INVITATION_NOT_PENDING, status: 'ACCEPTED' });
    expect(await refusalOf(resend(invitation))).toMatchObject({ code: ErrorCode.INVITATION_NOT_PENDING, status: 'ACCEPTED' });
    expect(await footprint(realm)).toEqual(before);
    expect((await readIdentity(t, identity.uuid))?.status).toBe('ACTIVE');
  });

  test('to a caller of another realm the invitation does not exist: NOT_FOUND', async () => {
    const realm = await createRealm(t);
    const other = await createRealm(t);
    const invitation = await invite(t, realm);
    const before = await footprint(realm);
    expect(await refusalOf(revoke(invitation, realmCaller(other.uuid)))).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'id'] });
    expect(await footprint(realm)).toEqual(before);
  });
});

describe('resending', () => {
  test('a new token (the old one stops working), the expiry restarted, the old email cancelled, a new one queued and the job woken', async () => {
    const realm = await createRealm(t);
    const invitation = await invite(t, realm);
    const oldToken = await queuedInvitationToken(db.dataSource, invitation.uuid);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    const wakes = t.seams.emailWakes;

    const resent = await resend(invitation, 5);
    expect(resent).toMatchObject({ id: invitation.id, status: 'PENDING', identityUuid: invitation.identityUuid });
    const [row] = await db.dataSource.query(`SELECT expires_at - updated_at = interval '5 hours' AS restarted FROM invitations WHERE id = $1`, [invitation.uuid]);
    expect(row.restarted).toBe(true);
    expect((await messagesOf(invitation)).map(({ status, text }) => ({ status, erased: text === null }))).toEqual([
      { status: 'CANCELLED', erased: true },
      { status: 'QUEUED', erased: false },
    ]);
    expect(t.seams.emailWakes).toBe(wakes + 1);
    expect((await outboxAtWake[outboxAtWake.length - 1]).filter((message) => message.invitationUuid === invitation.uuid)).toEqual([
      { invitationUuid: invitation.uuid, status: 'CANCELLED' },
      { invitationUuid: invitation.uuid, status: 'QUEUED' },
    ]);
    expect(await realmEvents(db.dataSource, realm.uuid, seq)).toEqual([
      expect.objectContaining({ type: 'invitation.resent', invitationUuid: invitation.uuid, identityUuid: invitation.identityUuid, data: { expiresAt: resent.expiresAt.toISOString() } }),
    ]);

    const newToken = await queuedInvitationToken(db.dataSource, invitation.uuid);
    expect(newToken).not.toBe(oldToken);
    expect(await refusalOf(accept(oldToken))).toMatchObject({ code: ErrorCode.INVALID_TOKEN });
    expect((await accept(newToken)).status).toBe('ACTIVE');
  });
});

describe('expiring', () => {
  test('past its expiry an invitation reads EXPIRED before the job runs, and its token is INVITATION_EXPIRED', async () => {
    const realm = await createRealm(t);
    const invitation = await invite(t, realm);
    const token = await queuedInvitationToken(db.dataSource, invitation.uuid);
    await backdate(invitation);
    expect((await readInvitation(t, invitation.uuid))?.status).toBe('EXPIRED');
    const [stored] = await db.dataSource.query(`SELECT status FROM invitations WHERE id = $1`, [invitation.uuid]);
    expect(stored.status).toBe('PENDING');
    expect(await refusalOf(accept(token))).toMatchObject({ code: ErrorCode.INVITATION_EXPIRED, inputPath: ['input', 'token'], status: 'EXPIRED' });
    // Inviting the address again points at this invitation: resend it.
    expect(await refusalOf(invite(t, realm, { email: invitation.email }))).toMatchObject({
      code: ErrorCode.IDENTITY_EXISTS,
      inputPath: ['input', 'email'],
      invitationId: invitation.id,
    });
  });

  test('the expiry pass writes EXPIRED with invitation.expired (no actor), cancels the email, keeps the identity; a resend makes it PENDING again', async () => {
    const realm = await createRealm(t);
    const invitation = await invite(t, realm);
    await backdate(invitation);
    const [{ due }] = await db.dataSource.query(`SELECT count(*)::int AS due FROM invitations WHERE status = 'PENDING' AND expires_at <= now()`);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);

    expect(due).toBeGreaterThanOrEqual(1);
    expect(await t.services.invitations.expireDue()).toBe(due);
    expect(await t.services.invitations.expireDue()).toBe(0);

    const [stored] = await db.dataSource.query(`SELECT status FROM invitations WHERE id = $1`, [invitation.uuid]);
    expect(stored.status).toBe('EXPIRED');
    expect(await realmEvents(db.dataSource, realm.uuid, seq)).toEqual([
      expect.objectContaining({ type: 'invitation.expired', invitationUuid: invitation.uuid, identityUuid: invitation.identityUuid, actor: null, data: {} }),
    ]);
    expect(await messagesOf(invitation)).toEqual([expect.objectContaining({ status: 'CANCELLED', text: null })]);
    expect((await readIdentity(t, invitation.identityUuid!))?.status).toBe('INVITED');

    expect((await resend(invitation)).status).toBe('PENDING');
    expect((await accept(await queuedInvitationToken(db.dataSource, invitation.uuid))).status).toBe('ACTIVE');
  });

  test('an EXPIRED invitation can be revoked, which deletes its identity', async () => {
    const realm = await createRealm(t);
    const invitation = await invite(t, realm);
    await backdate(invitation);
    expect(await revoke(invitation)).toMatchObject({ status: 'REVOKED', identityUuid: null });
    expect(await readIdentity(t, invitation.identityUuid!)).toBeNull();
  });
});
