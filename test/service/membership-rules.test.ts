import { ErrorCode } from '../../src/common/errors';
import type { RealmRow } from '../../src/realm/realm.repository';
import type { IdentityRow } from '../../src/identity/identity.repository';
import type { MembershipChange } from '../../src/membership/membership.service';
import { createGroup, createIdentities, createIdentity, createRealm, memberUuids, readGroup } from '../factories/services';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import {
  allRealmsCaller,
  createTestServices,
  lastEventSeq,
  realmCaller,
  realmEvents,
  refusalOf,
  writtenBy,
  type TestServices,
} from '../helpers/services';

/*
 * MembershipService.add and .remove as a user of the services sees them (the rules of
 * test/e2e/membership.test.ts, without a server): all or nothing, another realm's objects not found
 * by a caller bound to one realm, members left alone, and one event per membership changed,
 * committed with the change.
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

const admin = allRealmsCaller('membership admin');
const add = (groupId: string, identityIds: string[], caller = admin) => t.services.memberships.add(t.context(caller), { groupId, identityIds });
const remove = (groupId: string, identityIds: string[], caller = admin) => t.services.memberships.remove(t.context(caller), { groupId, identityIds });

/** An identity as a membership write returns it: its keys and ID, nothing read after commit. */
const keysOf = (identity: IdentityRow) => ({ __typename: 'Identity', uuid: identity.uuid, realmUuid: identity.realmUuid, id: identity.id });
/** The identities a change names, by their keys. */
const changed = (change: MembershipChange) => change.memberships.map(({ __typename, uuid, realmUuid, id }) => ({ __typename, uuid, realmUuid, id }));

const sorted = (values: string[]) => [...values].sort();

/** Realm A with three identities and an empty group; realm B with one identity. */
async function world() {
  const realm = await createRealm(t);
  const other = await createRealm(t);
  const [a1, a2, a3] = await createIdentities(t, realm, 3);
  const foreign = await createIdentity(t, other);
  const group = await createGroup(t, realm);
  return { realm, other, a1, a2, a3, foreign, group };
}

/** What a refused call must leave: the group's members and count, and the realm's log, as they were. */
async function unchanged(realm: RealmRow, groupUuid: string, check: () => Promise<unknown>) {
  const members = sorted(await memberUuids(db.dataSource, groupUuid));
  const count = (await readGroup(t, groupUuid))?.memberCount;
  const seq = await lastEventSeq(db.dataSource, realm.uuid);
  await check();
  expect(sorted(await memberUuids(db.dataSource, groupUuid))).toEqual(members);
  expect((await readGroup(t, groupUuid))?.memberCount).toBe(count);
  expect(await realmEvents(db.dataSource, realm.uuid, seq)).toEqual([]);
}

describe('adding members', () => {
  test('returns the identities added as keys and IDs, in the order the input lists them, with the new member count', async () => {
    const { realm, a1, a2, a3, group } = await world();
    const change = await add(group.id, [a3.id, a1.id, a2.id]);

    expect(changed(change)).toEqual([keysOf(a3), keysOf(a1), keysOf(a2)]);
    expect(change.group).toMatchObject({ id: group.id, uuid: group.uuid, memberCount: 3 });
    expect(sorted(await memberUuids(db.dataSource, group.uuid))).toEqual(sorted([a1.uuid, a2.uuid, a3.uuid]));
    expect((await readGroup(t, group.uuid))?.memberCount).toBe(3);
    expect(realm.uuid).toBe(group.realmUuid);
  });

  test('each membership made carries when it was made and its sort values in Group.members’ default order, as the table holds them', async () => {
    const { a1, a2, group } = await world();
    const change = await add(group.id, [a2.id, a1.id]);
    const rows: Array<{ uuid: string; addedAt: string; at: string }> = await db.dataSource.query(
      `SELECT identity_id AS uuid, to_char(added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "addedAt", added_at::text AS at
         FROM group_memberships WHERE group_id = $1`,
      [group.uuid],
    );
    const stored = new Map(rows.map((row) => [row.uuid, row]));
    for (const membership of change.memberships) {
      expect(membership).toMatchObject({ addedAt: stored.get(membership.uuid)!.addedAt, __cursor0: stored.get(membership.uuid)!.at, __cursor1: membership.uuid });
    }
  });

  test('logs one MEMBERSHIP_ADDED per membership made, by the caller, in the transaction that made them', async () => {
    const { realm, a1, a2, a3, group } = await world();
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    await add(group.id, [a3.id, a1.id, a2.id]);

    const log = await realmEvents(db.dataSource, realm.uuid, seq);
    expect(log.map(({ type, groupUuid, identityUuid, data }) => ({ type, groupUuid, identityUuid, data }))).toEqual(
      [a3, a1, a2].map((identity) => ({ type: 'membership.added', groupUuid: group.uuid, identityUuid: identity.uuid, data: {} })),
    );
    expect(log.map((event) => event.seq)).toEqual([seq + 1, seq + 2, seq + 3]);
    expect(new Set(log.map((event) => event.actor?.name))).toEqual(new Set(['membership admin']));
    // The membership rows and the events were written by one transaction: they commit together or not at all.
    const writers = await writtenBy(db.dataSource, 'group_memberships', 'group_id = $1', [group.uuid]);
    expect(new Set([...writers, ...log.map((event) => event.txid)]).size).toBe(1);
  });

  test('leaves existing members alone: only the newly added are returned and logged, a repeat counts once', async () => {
    const { realm, a1, a2, a3, group: empty } = await world();
    const group = await createGroup(t, realm, [a1]);
    const [before] = await db.dataSource.query(`SELECT added_at, xmin::text AS txid FROM group_memberships WHERE group_id = $1`, [group.uuid]);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);

    const change = await add(group.id, [a1.id, a2.id, a1.id, a3.id, a2.id]);
    expect(changed(change)).toEqual([keysOf(a2), keysOf(a3)]);
    expect(change.group.memberCount).toBe(3);
    expect((await readGroup(t, group.uuid))?.memberCount).toBe(3);
    expect((await realmEvents(db.dataSource, realm.uuid, seq)).map((event) => event.identityUuid)).toEqual([a2.uuid, a3.uuid]);
    // a1's membership is the row it was: not rewritten, not re-dated.
    const [after] = await db.dataSource.query(`SELECT added_at, xmin::text AS txid FROM group_memberships WHERE group_id = $1 AND identity_id = $2`, [
      group.uuid,
      a1.uuid,
    ]);
    expect(after).toEqual(before);
    expect((await readGroup(t, empty.uuid))?.memberCount).toBe(0);
  });

  test('adding only members again is no error, returns nobody and logs nothing', async () => {
    const { realm, a1, a2 } = await world();
    const group = await createGroup(t, realm, [a1, a2]);
    await unchanged(realm, group.uuid, async () => {
      const change = await add(group.id, [a2.id, a1.id]);
      expect(change).toMatchObject({ memberships: [], group: { memberCount: 2 } });
    });
  });

  test('one identity of another realm is CROSS_REALM at its index, and none of the batch is added or logged', async () => {
    const { realm, a1, a2, foreign, group } = await world();
    await unchanged(realm, group.uuid, async () => {
      expect(await refusalOf(add(group.id, [a1.id, foreign.id, a2.id]))).toMatchObject({
        code: ErrorCode.CROSS_REALM,
        inputPath: ['input', 'identityIds', 1],
      });
    });
    expect(await memberUuids(db.dataSource, group.uuid)).toEqual([]);
  });

  test('to a caller bound to the group’s realm, another realm’s identity does not exist: NOT_FOUND, not CROSS_REALM', async () => {
    const { realm, a1, foreign, group } = await world();
    await unchanged(realm, group.uuid, async () => {
      const refusal = await refusalOf(add(group.id, [a1.id, foreign.id], realmCaller(realm.uuid)));
      expect(refusal).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'identityIds', 1] });
      expect(refusal.message).toContain(foreign.id);
    });
  });

  test('an unknown identity is NOT_FOUND at its index, and none of the batch is added', async () => {
    const { realm, a1, a2, a3: gone, group } = await world();
    await t.services.identities.delete(t.context(admin), { id: gone.id });
    await unchanged(realm, group.uuid, async () => {
      expect(await refusalOf(add(group.id, [a1.id, a2.id, gone.id]))).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'identityIds', 2] });
    });
  });

  test('a group the caller does not reach is NOT_FOUND at input.groupId, as is a deleted one', async () => {
    const { realm, other, a1, group } = await world();
    await unchanged(realm, group.uuid, async () => {
      expect(await refusalOf(add(group.id, [a1.id], realmCaller(other.uuid)))).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'groupId'] });
    });

    const deleted = await createGroup(t, realm);
    await t.services.groups.delete(t.context(admin), { id: deleted.id });
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    expect(await refusalOf(add(deleted.id, [a1.id]))).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'groupId'] });
    expect(await realmEvents(db.dataSource, realm.uuid, seq)).toEqual([]);
  });

  test('a malformed ID, or an ID of another type, is INVALID_ID at its index before anything is written', async () => {
    const { realm, a1, group } = await world();
    await unchanged(realm, group.uuid, async () => {
      expect(await refusalOf(add(group.id, [a1.id, 'not-an-id']))).toMatchObject({ code: ErrorCode.INVALID_ID, inputPath: ['input', 'identityIds', 1] });
      expect(await refusalOf(add(group.id, [group.id]))).toMatchObject({ code: ErrorCode.INVALID_ID, inputPath: ['input', 'identityIds', 0] });
      expect(await refusalOf(add(a1.id, [a1.id]))).toMatchObject({ code: ErrorCode.INVALID_ID, inputPath: ['input', 'groupId'] });
      expect(await refusalOf(add(group.id, []))).toMatchObject({ code: ErrorCode.INVALID_INPUT, inputPath: ['input', 'identityIds'] });
    });
  });
});

describe('removing members', () => {
  test('returns those removed as keys and IDs in input order, ignores non-members, and lowers the member count', async () => {
    const { realm, a1, a2, a3, foreign } = await world();
    const group = await createGroup(t, realm, [a1, a2, a3]);
    const change = await remove(group.id, [a3.id, foreign.id, a1.id, a1.id]);

    expect(changed(change)).toEqual([keysOf(a3), keysOf(a1)]);
    expect(change.group).toMatchObject({ id: group.id, memberCount: 1 });
    expect(await memberUuids(db.dataSource, group.uuid)).toEqual([a2.uuid]);
    expect((await readGroup(t, group.uuid))?.memberCount).toBe(1);
  });

  test('logs one MEMBERSHIP_REMOVED per membership ended, in the transaction that ended them', async () => {
    const { realm, a1, a2, a3 } = await world();
    const group = await createGroup(t, realm, [a1, a2, a3]);
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    await remove(group.id, [a2.id, a1.id]);

    const log = await realmEvents(db.dataSource, realm.uuid, seq);
    expect(log.map(({ type, groupUuid, identityUuid }) => ({ type, groupUuid, identityUuid }))).toEqual([
      { type: 'membership.removed', groupUuid: group.uuid, identityUuid: a2.uuid },
      { type: 'membership.removed', groupUuid: group.uuid, identityUuid: a1.uuid },
    ]);
    // The member-count trigger rewrote the group's row in the same transaction as the events.
    const writers = await writtenBy(db.dataSource, 'groups', 'id = $1', [group.uuid]);
    expect(new Set([...writers, ...log.map((event) => event.txid)]).size).toBe(1);
  });

  test('removing only non-members is no error, returns nobody and logs nothing', async () => {
    const { realm, a1, a2, foreign } = await world();
    const group = await createGroup(t, realm, [a1]);
    await unchanged(realm, group.uuid, async () => {
      expect(await remove(group.id, [a2.id, foreign.id])).toMatchObject({ memberships: [], group: { memberCount: 1 } });
    });
  });

  test('from a group the caller does not reach: NOT_FOUND at input.groupId, and nobody is removed', async () => {
    const { realm, other, a1 } = await world();
    const group = await createGroup(t, realm, [a1]);
    await unchanged(realm, group.uuid, async () => {
      expect(await refusalOf(remove(group.id, [a1.id], realmCaller(other.uuid)))).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'groupId'] });
    });
  });

  test('a malformed identity ID is INVALID_ID at its index, and nobody is removed', async () => {
    const { realm, a1 } = await world();
    const group = await createGroup(t, realm, [a1]);
    await unchanged(realm, group.uuid, async () => {
      expect(await refusalOf(remove(group.id, [a1.id, 'nope']))).toMatchObject({ code: ErrorCode.INVALID_ID, inputPath: ['input', 'identityIds', 1] });
    });
  });

  test('a removed member can be added back, and each step is logged', async () => {
    const { realm, a1, group } = await world();
    const seq = await lastEventSeq(db.dataSource, realm.uuid);
    await add(group.id, [a1.id]);
    await remove(group.id, [a1.id]);
    expect(changed(await add(group.id, [a1.id]))).toEqual([keysOf(a1)]);
    expect((await realmEvents(db.dataSource, realm.uuid, seq)).map((event) => event.type)).toEqual(['membership.added', 'membership.removed', 'membership.added']);
    expect((await readGroup(t, group.uuid))?.memberCount).toBe(1);
  });
});
