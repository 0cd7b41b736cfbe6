import { ErrorCode } from '../../src/common/errors';
import type { GroupRow } from '../../src/group/group.repository';
import type { IdentityRow } from '../../src/identity/identity.repository';
import type { MembershipChange } from '../../src/membership/membership.service';
import { createGroup, createIdentities, createIdentity, createRealm, invite, memberUuids, readGroup, readIdentity, readInvitation } from '../factories/services';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import {
  allRealmsCaller,
  callerWith,
  createTestServices,
  lastEventSeq,
  realmCaller,
  realmEvents,
  refusalOf,
  type LoggedEvent,
  type TestServices,
} from '../helpers/services';

/*
 * The cascades that end memberships (src/membership/membership.writes.ts), as the services that
 * run them show them: deleting an identity, deleting a group, revoking an invitation — and a
 * deletion racing a removal of the same membership from another instance (docs/decisions.md 63).
 */

let db: TestDatabase;
let t: TestServices;
beforeAll(async () => {
  db = await createTestDatabase();
  t = await createTestServices(db);
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

const admin = allRealmsCaller('cascade admin');

/** The events' types and what they concern: what a consumer of the log keys on. */
const shapes = (log: LoggedEvent[]) => log.map(({ type, identityUuid, groupUuid }) => ({ type, identityUuid, groupUuid }));
const memberCounts = async (groups: GroupRow[]) => Promise.all(groups.map(async (group) => (await readGroup(t, group.uuid))?.memberCount ?? null));
const removal = (identity: { uuid: string }, group: { uuid: string }) => ({ type: 'membership.removed', identityUuid: identity.uuid, groupUuid: group.uuid });

/** The events of one call: contiguous, from one transaction, made by one actor. */
function oneCommit(log: LoggedEvent[], actorName: string | null) {
  expect(log.length).toBeGreaterThan(0);
  expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => log[0].seq + index));
  expect(new Set(log.map((event) => event.txid)).size).toBe(1);
  expect(new Set(log.map((event) => event.actor?.name ?? null))).toEqual(new Set([actorName]));
}

describe('deleting an identity', () => {
  test('ends every membership with exactly one MEMBERSHIP_REMOVED each, then IDENTITY_DELETED, in one commit', async () => {
    const realm = await createRealm(t);
    const [leaving, staying] = await createIdentities(t, realm, 2);
    const groups = [await createGroup(t, realm, [leaving, staying]), await createGroup(t, realm, [staying, leaving]), await createGroup(t, realm, [leaving])];
    const untouched = await createGroup(t, realm, [staying]);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);

    expect(await t.services.identities.delete(t.context(admin), { id: leaving.id })).toBe(leaving.id);

    const log = await realmEvents(db.dataSource, realm.uuid, seq);
    oneCommit(log, 'cascade admin');
    const removals = shapes(log.slice(0, -1));
    expect(removals).toHaveLength(3);
    expect(removals).toEqual(expect.arrayContaining(groups.map((group) => removal(leaving, group))));
    expect(log[log.length - 1]).toMatchObject({
      type: 'identity.deleted',
      identityUuid: leaving.uuid,
      groupUuid: null,
      data: { identity: { username: leaving.username, primaryEmail: leaving.primaryEmail, status: 'ACTIVE', source: 'MANUAL' } },
    });
    expect(await memberCounts([...groups, untouched])).toEqual([1, 1, 0, 1]);
    for (const group of groups) expect(await memberUuids(db.dataSource, group.uuid)).not.toContain(leaving.uuid);
    expect(await readIdentity(t, leaving.uuid)).toBeNull();
  });

  test('an identity in no group logs IDENTITY_DELETED alone', async () => {
    const realm = await createRealm(t);
    const loner = await createIdentity(t, realm);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    await t.services.identities.delete(t.context(admin), { id: loner.id });
    expect(shapes(await realmEvents(db.dataSource, realm.uuid, seq))).toEqual([{ type: 'identity.deleted', identityUuid: loner.uuid, groupUuid: null }]);
  });

  test('deleting it again, or from a caller of another realm, is NOT_FOUND and logs nothing', async () => {
    const realm = await createRealm(t);
    const other = await createRealm(t);
    const [member] = await createIdentities(t, realm, 1);
    const group = await createGroup(t, realm, [member]);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);

    expect(await refusalOf(t.services.identities.delete(t.context(realmCaller(other.uuid)), { id: member.id }))).toMatchObject({
      code: ErrorCode.NOT_FOUND,
      inputPath: ['input', 'id'],
    });
    expect(await realmEvents(db.dataSource, realm.uuid, seq)).toEqual([]);
    expect((await readGroup(t, group.uuid))?.memberCount).toBe(1);

    await t.services.identities.delete(t.context(admin), { id: member.id });
    const after = await lastEventSeq(db.dataSource, realm.uuid);
    expect(await refusalOf(t.services.identities.delete(t.context(admin), { id: member.id }))).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'id'] });
    expect(await lastEventSeq(db.dataSource, realm.uuid)).toBe(after);
  });

  test('an INVITED identity is not deleted directly (INVALID_STATUS_TRANSITION): its invitation owns it', async () => {
    const realm = await createRealm(t);
    const invitation = await invite(t, realm);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    const identityId = (await readIdentity(t, invitation.identityUuid!))!.id;
    expect(await refusalOf(t.services.identities.delete(t.context(admin), { id: identityId }))).toMatchObject({
      code: ErrorCode.INVALID_STATUS_TRANSITION,
      inputPath: ['input', 'id'],
      status: 'INVITED',
    });
    expect(await realmEvents(db.dataSource, realm.uuid, seq)).toEqual([]);
    expect((await readIdentity(t, invitation.identityUuid!))?.status).toBe('INVITED');
  });
});

describe('deleting a group', () => {
  test('logs one GROUP_DELETED with the number of memberships it ended, and no MEMBERSHIP_REMOVED (docs/decisions.md 64)', async () => {
    const realm = await createRealm(t);
    const members = await createIdentities(t, realm, 3);
    const group = await createGroup(t, realm, members);
    const sibling = await createGroup(t, realm, [members[0]]);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);

    expect(await t.services.groups.delete(t.context(admin), { id: group.id })).toBe(group.id);

    const log = await realmEvents(db.dataSource, realm.uuid, seq);
    expect(log).toEqual([
      expect.objectContaining({ type: 'group.deleted', groupUuid: group.uuid, identityUuid: null, data: { group: { name: group.name }, memberCount: 3 } }),
    ]);
    expect(await memberUuids(db.dataSource, group.uuid)).toEqual([]);
    expect(await readGroup(t, group.uuid)).toBeNull();
    // The members stay, and so do their other memberships.
    for (const member of members) expect((await readIdentity(t, member.uuid))?.status).toBe('ACTIVE');
    expect(await memberCounts([sibling])).toEqual([1]);
  });

  test('an empty group’s GROUP_DELETED says memberCount 0', async () => {
    const realm = await createRealm(t);
    const group = await createGroup(t, realm);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    await t.services.groups.delete(t.context(admin), { id: group.id });
    expect((await realmEvents(db.dataSource, realm.uuid, seq)).map((event) => event.data)).toEqual([{ group: { name: group.name }, memberCount: 0 }]);
  });

  test('a caller of another realm gets NOT_FOUND, and the group and its members stay', async () => {
    const realm = await createRealm(t);
    const other = await createRealm(t);
    const members = await createIdentities(t, realm, 2);
    const group = await createGroup(t, realm, members);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    expect(await refusalOf(t.services.groups.delete(t.context(realmCaller(other.uuid)), { id: group.id }))).toMatchObject({
      code: ErrorCode.NOT_FOUND,
      inputPath: ['input', 'id'],
    });
    expect(await memberCounts([group])).toEqual([2]);
    expect(await realmEvents(db.dataSource, realm.uuid, seq)).toEqual([]);
  });
});

describe('revoking an invitation', () => {
  test('deletes its INVITED identity with the same cascade: a removal per group, IDENTITY_DELETED, then INVITATION_REVOKED', async () => {
    const realm = await createRealm(t);
    const [bystander] = await createIdentities(t, realm, 1);
    const invitation = await invite(t, realm);
    const invited = (await readIdentity(t, invitation.identityUuid!)) as IdentityRow;
    // An INVITED identity can be made a member before it accepts (nothing in the rules forbids it).
    const groups = [await createGroup(t, realm, [bystander, invited]), await createGroup(t, realm, [invited])];
    const seq = await lastEventSeq(db.dataSource, realm.uuid);

    const revoked = await t.services.invitations.revoke(t.context(admin), { id: invitation.id });
    expect(revoked).toMatchObject({ id: invitation.id, status: 'REVOKED', identityUuid: null });

    const log = await realmEvents(db.dataSource, realm.uuid, seq);
    oneCommit(log, 'cascade admin');
    expect(shapes(log.slice(0, 2))).toEqual(expect.arrayContaining(groups.map((group) => removal(invited, group))));
    expect(log.slice(2).map(({ type, identityUuid, invitationUuid }) => ({ type, identityUuid, invitationUuid }))).toEqual([
      { type: 'identity.deleted', identityUuid: invited.uuid, invitationUuid: null },
      { type: 'invitation.revoked', identityUuid: invited.uuid, invitationUuid: invitation.uuid },
    ]);
    expect(log).toHaveLength(4);
    expect(await memberCounts(groups)).toEqual([1, 0]);
    expect(await readIdentity(t, invited.uuid)).toBeNull();
    expect(await readInvitation(t, invitation.uuid)).toMatchObject({ status: 'REVOKED', identityUuid: null, revokedAt: expect.any(Date) });
  });
});

describe('a deletion racing a removal of the same membership, on two instances', () => {
  let second: TestServices;
  beforeAll(async () => {
    second = await createTestServices(db, { dataSource: await db.newDataSource() });
  });
  afterAll(() => second.close());

  // Each trial has a fresh identity I, member of G with a bystander B. Either write may end the
  // membership; whichever does logs its removal, and the other logs none.
  const trials = 12;

  test(`deleteIdentity on one and removeGroupMembers on the other: the removal is logged exactly once, by the write that made it (${trials} trials)`, async () => {
    const deleter = callerWith({ name: 'deleter' });
    const remover = callerWith({ name: 'remover' });
    const realm = await createRealm(t);
    const [bystander] = await createIdentities(t, realm, 1);
    for (let trial = 0; trial < trials; trial++) {
      const identity = await createIdentity(t, realm);
      const group = await createGroup(t, realm, [bystander, identity]);
      const seq = await lastEventSeq(db.dataSource, realm.uuid);
      let removed: MembershipChange | undefined;
      const writes = [
        async () => void (await t.services.identities.delete(t.context(deleter), { id: identity.id })),
        async () => void (removed = await second.services.memberships.remove(second.context(remover), { groupId: group.id, identityIds: [identity.id] })),
      ];
      // Which instance's request goes out first alternates.
      await Promise.all((trial % 2 === 0 ? writes : [...writes].reverse()).map((write) => write()));

      const log = await realmEvents(db.dataSource, realm.uuid, seq);
      const removals = log.filter((event) => event.type === 'membership.removed');
      const by = removed!.memberships.length > 0 ? 'remover' : 'deleter';
      expect({ trial, removals: removals.map((event) => ({ ...shapes([event])[0], by: event.actor?.name })) }).toEqual({
        trial,
        removals: [{ ...removal(identity, group), by }],
      });
      expect(removed!.memberships.map((membership) => membership.uuid)).toEqual(by === 'remover' ? [identity.uuid] : []);
      expect(removed!.group.memberCount).toBe(1);
      // IDENTITY_DELETED is logged once, after the removal, whoever made the removal.
      const deletions = log.filter((event) => event.type === 'identity.deleted');
      expect(deletions.map((event) => event.identityUuid)).toEqual([identity.uuid]);
      expect(deletions[0].seq).toBeGreaterThan(removals[0].seq);
      expect((await readGroup(t, group.uuid))?.memberCount).toBe(1);
      expect(await memberUuids(db.dataSource, group.uuid)).toEqual([bystander.uuid]);
    }
  });
});
