import type { Caller } from '../auth/caller';
import { AppError, ErrorCode, notFound, type InputPath } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import type { Tx } from '../db/transaction';
import type { NewEvent } from '../events/event-types';
import type { GroupKeys } from '../group/group.columns';
import {
  deleteMemberships,
  deleteMembershipsOfGroup,
  memberUuidsOfGroup,
  deleteMembershipsOfIdentity,
  insertMemberships,
  lockGroupsOfIdentity,
  lockIdentityRealms,
  type ChangedMembership,
} from './membership.repository';

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
export function membershipEvents(type: 'membership.added' | 'membership.removed', groupUuid: string, identityUuids: readonly string[]): NewEvent[] {
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
  const added = await insertMemberships(tx, group.realmUuid, group.uuid, uuids);
  return { added, events: membershipEvents('membership.added', group.uuid, added.map((row) => row.uuid)) };
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
 * The cascade of deleting a group the caller holds locked: ends its memberships; returns how many,
 * for its one GROUP_DELETED (decision 64).
 */
export function endMembershipsOfGroup(tx: Tx, groupUuid: string): Promise<number> {
  return deleteMembershipsOfGroup(tx, groupUuid);
}
