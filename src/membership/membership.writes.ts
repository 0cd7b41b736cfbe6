import type { Caller } from '../auth/caller';
import { AppError, ErrorCode, notFound, type InputPath } from '../common/errors';
import { expectGlobalId, toGlobalId } from '../common/global-id';
import type { Tx } from '../db/transaction';
import type { NewEvent } from '../events/event-types';
import type { GroupKeys } from '../group/group.columns';
import {
  deleteMemberships,
  deleteMembershipsOfGroup,
  deleteMembershipsOfGroupReturning,
  memberUuidsOfGroup,
  deleteMembershipsOfIdentity,
  insertMemberships,
  lockGroupsOfIdentity,
  lockIdentityRealms,
  identityRealmsLockSql,
  type IdentityRealm,
  type ChangedMembership,
} from './membership.repository';
import {
  childReachingParent,
  childUuidsOf,
  deleteNestings,
  bumpMembershipVersions,
  deleteNestingsOfGroup,
  parentUuidsOf,
  insertNestings,
  inTreeWithinLog,
  lockGroupsInOrder,
  pathNames,
  takeNestingLock,
  takeNestingLockIfNested,
  type ChangedNesting,
} from './nesting.repository';

/*
 * The membership rows other writes change inside their own transactions — creating a group with its
 * members, accepting an invitation, deleting an identity or a group — each with the events it must
 * log. One module that the group, identity and invitation services and the membership service all
 * use, and that uses none of them: the dependency between the domains runs one way (membership on
 * group and identity), and the cascade ("lock, remove the memberships, log each removal") is
 * written once. Every function takes the locks of docs/decisions.md 63 in their order; the caller
 * appends the events it returns, last.
 */

/** One event per membership. */
function membershipEvents(type: 'membership.added' | 'membership.removed', groupUuid: string, identityUuids: readonly string[]): NewEvent[] {
  return identityUuids.map((identityUuid) => ({ type, groupUuid, identityUuid, data: {} }));
}

/**
 * The identities a membership write is about, locked (lockIdentityRealms) before their group, with
 * the realm of each that exists: what `addLocked` checks them against once the group is locked.
 */
export interface LockedIdentities {
  readonly ids: readonly string[];
  readonly uuids: readonly string[];
  readonly realms: ReadonlyMap<string, string>;
  readonly path: InputPath;
}

export function identityUuidsOf(ids: readonly string[], path: InputPath): string[] {
  return ids.map((id, index) => expectGlobalId(id, 'Identity', [...path, index]));
}

/**
 * The first step of adding identities to a group: locks them, before the group is locked. Nothing
 * is checked yet but that the IDs are identities' IDs; `addLocked` checks the rest.
 */
export async function lockIdentitiesToAdd(tx: Tx, identityIds: readonly string[], path: InputPath): Promise<LockedIdentities> {
  const uuids = identityUuidsOf(identityIds, path);
  const realms = new Map((await lockIdentityRealms(tx, uuids)).map((row) => [row.uuid, row.realmUuid]));
  return { ids: identityIds, uuids, realms, path };
}

/**
 * lockIdentitiesToAdd as locks to take in the group's locking statement, before the group's
 * (GroupService.lockReachableAfter): `locks`, and `locked` to make LockedIdentities of its rows.
 */
export function identityLocksToAdd(identityIds: readonly string[], path: InputPath) {
  const uuids = identityUuidsOf(identityIds, path);
  return {
    locks: { sql: identityRealmsLockSql('$2'), parameters: [uuids] },
    locked: (rows: readonly IdentityRealm[]): LockedIdentities => ({ ids: identityIds, uuids, realms: new Map(rows.map((row) => [row.uuid, row.realmUuid])), path }),
  };
}

/**
 * Adds identities locked by `lockIdentitiesToAdd` to a group locked since: all of them or, when one
 * does not exist or belongs to another realm, none. Returns those that were not members yet (their
 * keys and IDs) and their MEMBERSHIP_ADDED events.
 */
export async function addLocked(
  caller: Caller,
  tx: Tx,
  group: Pick<GroupKeys, 'uuid' | 'realmUuid'>,
  identities: LockedIdentities,
): Promise<{ added: ChangedMembership[]; events: NewEvent[] }> {
  refuseUnaddable(caller, group, identities);
  const added = await insertMemberships(tx, group.realmUuid, group.uuid, identities.uuids);
  return { added, events: membershipEvents('membership.added', group.uuid, added.map((row) => row.uuid)) };
}

/** What addLocked checks before it writes: every identity exists, for the caller, in the group's realm. */
function refuseUnaddable(caller: Caller, group: Pick<GroupKeys, 'realmUuid'>, identities: LockedIdentities): void {
  const { ids, uuids, realms, path } = identities;
  uuids.forEach((uuid, index) => {
    const realmUuid = realms.get(uuid);
    if (realmUuid === undefined) throw notFound('identity', [...path, index], ids[index]);
    if (realmUuid !== group.realmUuid) {
      // An identity of a realm the caller does not reach does not exist, for the caller.
      if (!caller.reaches(realmUuid)) throw notFound('identity', [...path, index], ids[index]);
      throw new AppError(ErrorCode.CROSS_REALM, `The identity "${ids[index]}" belongs to another realm than the group.`, [...path, index]);
    }
  });
}

/**
 * Ends these identities' memberships of a group the caller holds locked; returns those that were
 * members (a row a concurrent removal took first is waited for, then found gone) and their events.
 */
export async function removeLocked(tx: Tx, group: Pick<GroupKeys, 'uuid'>, identityUuids: readonly string[]): Promise<{ removed: ChangedMembership[]; events: NewEvent[] }> {
  const removed = await deleteMemberships(tx, group.uuid, identityUuids);
  return { removed, events: membershipEvents('membership.removed', group.uuid, removed.map((row) => row.uuid)) };
}

/** Every member of a group the caller holds locked, for a write that sets the whole member list. */
export function membersOfLockedGroup(tx: Tx, groupUuid: string): Promise<string[]> {
  return memberUuidsOfGroup(tx, groupUuid);
}

/**
 * The cascade of deleting an identity, which the caller holds FOR UPDATE (so that no membership of
 * it can be added until it commits): ends every membership it has now and returns their
 * MEMBERSHIP_REMOVED events, exactly one per row deleted.
 */
export async function endMembershipsOfIdentity(tx: Tx, identityUuid: string): Promise<NewEvent[]> {
  await lockGroupsOfIdentity(tx, identityUuid);
  const groupUuids = await deleteMembershipsOfIdentity(tx, identityUuid);
  return groupUuids.map((groupUuid) => ({ type: 'membership.removed', groupUuid, identityUuid, data: {} }));
}

/**
 * The cascade of deleting a group the caller holds locked: ends its memberships. A group outside
 * any tree ends them all at once, counted in its one GROUP_DELETED (decision 64): `atOnce` is how
 * many. A group that sits in a tree (nested in a group, or holding one), or left one at an event the
 * log still keeps, ends them one by one, a MEMBERSHIP_REMOVED each (`events`, logged before its
 * GROUP_UNNESTED): its members leave, or left, its ancestors' transitive membership, which a
 * TRANSITIVE subscription must be able to tell from the log (decision 107). No nesting of it can be
 * made meanwhile: a nesting write locks both its groups.
 */
export async function endMembershipsOfGroup(tx: Tx, group: Pick<GroupKeys, 'uuid' | 'realmUuid'>): Promise<{ atOnce: number; events: NewEvent[] }> {
  if (!(await inTreeWithinLog(tx, group.realmUuid, group.uuid))) return { atOnce: await deleteMembershipsOfGroup(tx, group.uuid), events: [] };
  const identityUuids = await deleteMembershipsOfGroupReturning(tx, group.uuid);
  return { atOnce: 0, events: membershipEvents('membership.removed', group.uuid, identityUuids) };
}

/*
 * Nested groups (docs/decisions.md 104, 106). A write that nests groups locks the parent and the
 * children together, in id order (decision 63, step 3), then the realm's nesting lock, then checks
 * for cycles and inserts. Removals and a group's deletion take the nesting lock too, after their
 * group row, before the rows of group_nestings: they cannot close a cycle, but the closure the
 * triggers keep (group_closure) is right only if a realm's nesting writes are serial.
 */

/** GROUP_NESTED / GROUP_UNNESTED of these children in the parent: one each. */
export function nestingEvents(type: 'group.nested' | 'group.unnested', parentUuid: string, childUuids: readonly string[]): NewEvent[] {
  return childUuids.map((childUuid) => ({ type, groupUuid: parentUuid, data: { memberGroupId: toGlobalId('Group', childUuid) } }));
}

export function groupUuidsOf(ids: readonly string[], path: InputPath): string[] {
  return ids.map((id, index) => expectGlobalId(id, 'Group', [...path, index]));
}

/** Groups to nest, named by the input (`ids` at `path`), locked with their parent. */
export interface LockedChildren {
  readonly ids: readonly string[];
  readonly uuids: readonly string[];
  readonly realms: ReadonlyMap<string, string>;
  readonly path: InputPath;
}

/**
 * Locks the parent and the groups to nest in it, all in id order, FOR NO KEY UPDATE. The parent
 * may be absent (a group being created has no row yet, and nobody else can lock it); the caller
 * then locks (or reads) the parent itself, which it already holds: no wait.
 */
export async function lockGroupsToNest(tx: Tx, parentUuid: string | undefined, childIds: readonly string[], path: InputPath): Promise<LockedChildren> {
  const uuids = groupUuidsOf(childIds, path);
  const rows = await lockGroupsInOrder(tx, parentUuid === undefined ? uuids : [parentUuid, ...uuids]);
  return { ids: childIds, uuids, realms: new Map(rows.map((row) => [row.uuid, row.realmUuid])), path };
}

/**
 * Nests the locked children in the locked parent: all or, when one does not exist, is of another
 * realm or would close a cycle, none. Takes the realm's nesting lock, then checks for a cycle
 * against every nesting committed before it (READ COMMITTED: each statement sees the latest
 * commits, and the lock's previous holder committed before releasing it).
 */
export async function nestLocked(
  caller: Caller,
  tx: Tx,
  parent: Pick<GroupKeys, 'uuid' | 'realmUuid'>,
  children: LockedChildren,
): Promise<{ nested: ChangedNesting[]; events: NewEvent[] }> {
  const { ids, uuids, realms, path } = children;
  uuids.forEach((uuid, index) => {
    const realmUuid = realms.get(uuid);
    if (realmUuid === undefined || !caller.reaches(realmUuid)) throw notFound('group', [...path, index], ids[index]);
    if (realmUuid !== parent.realmUuid) throw new AppError(ErrorCode.CROSS_REALM, `The group "${ids[index]}" belongs to another realm than the group.`, [...path, index]);
  });
  await takeNestingLock(tx, parent.realmUuid);
  const closing = await childReachingParent(tx, parent.uuid, uuids);
  if (closing !== undefined) {
    // The new nesting parent → child, then the path already there from the child back down to the parent.
    const [parentName] = await pathNames(tx, parent.uuid, parent.uuid);
    const back = closing === parent.uuid ? [parentName] : await pathNames(tx, closing, parent.uuid);
    const cycle = [parentName, ...back].map((name) => JSON.stringify(name)).join(' → ');
    const index = uuids.indexOf(closing);
    throw new AppError(
      ErrorCode.GROUP_CYCLE,
      closing === parent.uuid
        ? `A group cannot be a member of itself: ${cycle}.`
        : `Nesting this group would make a cycle: ${cycle}.`,
      [...path, index],
    );
  }
  const nested = await insertNestings(tx, parent.realmUuid, parent.uuid, uuids);
  if (nested.length > 0) await bumpMembershipVersions(tx, [parent.uuid]);
  return { nested, events: nestingEvents('group.nested', parent.uuid, nested.map((row) => row.uuid)) };
}

/** Ends these groups' nestings in a parent the caller holds locked, under the realm's nesting lock; returns those that were nested, and their events. */
export async function unnestLocked(tx: Tx, parent: Pick<GroupKeys, 'uuid' | 'realmUuid'>, childUuids: readonly string[]): Promise<{ unnested: ChangedNesting[]; events: NewEvent[] }> {
  await takeNestingLock(tx, parent.realmUuid);
  const unnested = await deleteNestings(tx, parent.uuid, childUuids);
  if (unnested.length > 0) await bumpMembershipVersions(tx, [parent.uuid]);
  return { unnested, events: nestingEvents('group.unnested', parent.uuid, unnested.map((row) => row.uuid)) };
}

/** The groups nested in a group the caller holds locked, for a write that sets its whole member list. */
export function childGroupsOfLockedGroup(tx: Tx, parentUuid: string): Promise<string[]> {
  return childUuidsOf(tx, parentUuid);
}

/**
 * Locks a group to delete together with the groups it is nested in, all in ID order FOR NO KEY
 * UPDATE (decision 63, step 3: as a nesting write locks a parent with its children), so that its
 * deletion can move their members' version (endNestingsOfGroup) without locking a row out of that
 * order. The parents are read before the locks; a nesting of the group committed in between (it
 * had to lock the group, which it then released) is found once the group is locked, and its parent
 * locked too — out of order, in that narrow case only, where PostgreSQL's deadlock detection and
 * withTransaction's retry are the backstop.
 */
export async function lockGroupWithParents(tx: Tx, groupUuid: string): Promise<void> {
  const parents = await parentUuidsOf(tx, groupUuid);
  await lockGroupsInOrder(tx, [groupUuid, ...parents]);
  const locked = new Set(parents);
  const late = (await parentUuidsOf(tx, groupUuid)).filter((uuid) => !locked.has(uuid));
  if (late.length > 0) await lockGroupsInOrder(tx, late);
}

/**
 * The other cascade of deleting a group the caller holds locked: ends its nestings both ways, a
 * GROUP_UNNESTED each (logged before its GROUP_DELETED). No nesting of it can be made meanwhile:
 * every nesting write locks both its groups FOR NO KEY UPDATE, which waits for the deletion's lock.
 */
export async function endNestingsOfGroup(tx: Tx, groupUuid: string): Promise<NewEvent[]> {
  // The realm's nesting lock (decision 106), after the group's row, before the rows deleted; none
  // to delete, none taken (no nesting of a group locked here can appear meanwhile).
  if (!(await takeNestingLockIfNested(tx, groupUuid))) return [];
  const rows = await deleteNestingsOfGroup(tx, groupUuid);
  // Its parents lost a member group: their members' version moves (they are locked: lockGroupWithParents).
  await bumpMembershipVersions(tx, rows.filter((row) => row.childUuid === groupUuid).map((row) => row.parentUuid));
  return rows.map((row) => ({ type: 'group.unnested', groupUuid: row.parentUuid, data: { memberGroupId: toGlobalId('Group', row.childUuid) } }));
}
