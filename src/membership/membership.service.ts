import type { DataSource } from 'typeorm';
import type { ConnectionData } from '../common/connection.type';
import { AppError, ErrorCode, notFound, type InputPath } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { Edge, PageEdge, pageRequest, toPage, type CursorRow, type PageArgs, type PageRequest } from '../common/pagination';
import { noFields, type ListSelection, type NestedConnection } from '../common/selection';
import { idBatch } from '../common/validate';
import { withTransaction, type Tx } from '../db/transaction';
import { appendEvents } from '../events/event-log';
import type { NewEvent } from '../events/event-types';
import type { GroupRow } from '../group/group.repository';
import type { MemberFilter } from '../identity/identity.inputs';
import type { IdentityRow } from '../identity/identity.repository';
import { memberFilterValues } from '../identity/identity.service';
import type { Context } from '../server/context';
import type { AddGroupMembersInput, RemoveGroupMembersInput } from './membership.inputs';
import {
  deleteMemberships,
  deleteMembershipsOfGroup,
  deleteMembershipsOfIdentity,
  identityGroupOrdering,
  insertMemberships,
  lockGroupsOfIdentity,
  lockIdentityRealms,
  memberOrdering,
  type MemberRow,
  type MembershipGroupRow,
} from './membership.repository';
import { membershipLoaders } from './membership.loaders';

/** One event per membership, appended in one statement whatever the batch's size. */
function membershipEvents(type: 'membership.added' | 'membership.removed', groupUuid: string, identityUuids: readonly string[]): NewEvent[] {
  return identityUuids.map((identityUuid) => ({ type, groupUuid, identityUuid, data: {} }));
}

/**
 * The identities a membership write is about, locked (lockIdentityRealms) before their group, with
 * the realm of each that exists: what `insertLocked` checks them against once the group is locked.
 */
export interface LockedIdentities {
  readonly ids: readonly string[];
  readonly uuids: readonly string[];
  readonly realms: ReadonlyMap<string, string>;
  readonly path: InputPath;
}

/** An edge of a membership list: the member with the time it joined … */
class MemberEdge extends PageEdge<CursorRow<MemberRow>> {
  get addedAt(): string {
    return this.row.addedAt;
  }
}

/** … and the group an identity belongs to, with the time it joined. */
class IdentityGroupEdge extends Edge<CursorRow<MembershipGroupRow>> {
  get node(): GroupRow {
    return this.row.group;
  }

  get addedAt(): string {
    return this.row.addedAt;
  }
}

/**
 * What the caller reads of a change (src/common/selection.ts): the fields of its `group` and of
 * its identities. The write reads those and the keys, no more: a payload of `addedMembers { id }`
 * costs no column of either, nor their per-row functions.
 */
export interface ChangeSelection {
  group: ReadonlySet<string>;
  identities: ReadonlySet<string>;
}

export interface MembershipChange {
  group: GroupRow;
  identities: IdentityRow[];
}

export class MembershipService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * `nested`: the groups lists the query asks of every member (nestedConnections). They are
   * loaded here, for all the members of all the groups asked together, before the page is
   * returned, so that each member's `groups` resolves at once from what was loaded (groupsOf)
   * rather than through a promise per member: ≈ 10 % of a nested read's time (bench/ANALYSIS.md).
   */
  async membersOf(
    ctx: Context,
    group: GroupRow,
    args: PageArgs & { filter?: MemberFilter | null },
    selection?: ListSelection,
    nested: readonly NestedConnection[] = [],
  ): Promise<ConnectionData<MemberEdge>> {
    const request = pageRequest(args, memberOrdering, ctx.limits);
    const filter = memberFilterValues(args.filter, ['filter']);
    const rows = await ctx.loaders.of(membershipLoaders).membersOfGroup.page(group.uuid, filter, memberOrdering, request, selection);
    const page = toPage(rows, memberOrdering, request, MemberEdge);
    if (nested.length > 0) await Promise.all(nested.map((connection) => this.prefetchGroupsOf(ctx, page.edges, connection)));
    return {
      ...page,
      // Unfiltered, the count is the group's own member_count: no query at all.
      totalCount: filter ? () => ctx.loaders.of(membershipLoaders).membersOfGroup.count(group.uuid, filter) : group.memberCount,
    };
  }

  /** The identity's groups: at once when a batch of this request already read them (membersOf). */
  groupsOf(
    ctx: Context,
    identity: IdentityRow,
    args: PageArgs,
    selection?: ListSelection,
  ): ConnectionData<IdentityGroupEdge> | Promise<ConnectionData<IdentityGroupEdge>> {
    const request = pageRequest(args, identityGroupOrdering, ctx.limits);
    const loaders = ctx.loaders.of(membershipLoaders).groupsOfIdentity;
    const connection = (rows: CursorRow<MembershipGroupRow>[]) => ({
      ...toPage(rows, identityGroupOrdering, request, IdentityGroupEdge),
      totalCount: loaders.loadedCount(identity.uuid, undefined) ?? (() => loaders.count(identity.uuid, undefined)),
    });
    const loaded = loaders.loadedPage(identity.uuid, undefined, identityGroupOrdering, request, selection);
    return loaded ? connection(loaded) : loaders.page(identity.uuid, undefined, identityGroupOrdering, request, selection).then(connection);
  }

  /**
   * Loads the groups pages (and counts, when asked) of these members in the batches groupsOf
   * reads from. Arguments it cannot use are left for groupsOf to refuse, at the field they belong to.
   */
  private async prefetchGroupsOf(ctx: Context, members: ReadonlyArray<{ node: IdentityRow }>, nested: NestedConnection): Promise<void> {
    let request: PageRequest;
    try {
      request = pageRequest(nested.args, identityGroupOrdering, ctx.limits);
    } catch {
      return;
    }
    const loaders = ctx.loaders.of(membershipLoaders).groupsOfIdentity;
    const loads: Array<Promise<unknown>> = [];
    for (const { node } of members) {
      loads.push(loaders.page(node.uuid, undefined, identityGroupOrdering, request, nested.selection));
      if (nested.selectsTotalCount) loads.push(loaders.count(node.uuid, undefined));
    }
    await Promise.all(loads);
  }

  async add(ctx: Context, input: AddGroupMembersInput, selected: ChangeSelection): Promise<MembershipChange> {
    const groupUuid = expectGlobalId(input.groupId, 'Group', ['input', 'groupId']);
    idBatch(input.identityIds, ['input', 'identityIds']);
    const { group, changed } = await withTransaction(this.dataSource, async (tx) => {
      const identities = await this.lockIdentities(tx, input.identityIds, ['input', 'identityIds']);
      const current = await ctx.services.groups.lockReachable(ctx, tx, groupUuid, ['input', 'groupId'], selected.group);
      const { added, events } = await this.insertLocked(ctx, tx, current, identities, selected.identities);
      await appendEvents(tx, current.realmUuid, events);
      return { group: { ...current, memberCount: current.memberCount + added.length }, changed: added };
    }, ctx.caller.actor);
    return this.afterChange(ctx, group, changed);
  }

  async remove(ctx: Context, input: RemoveGroupMembersInput, selected: ChangeSelection): Promise<MembershipChange> {
    const groupUuid = expectGlobalId(input.groupId, 'Group', ['input', 'groupId']);
    idBatch(input.identityIds, ['input', 'identityIds']);
    const identityUuids = this.uuidsOf(input.identityIds, ['input', 'identityIds']);
    const { group, changed } = await withTransaction(this.dataSource, async (tx) => {
      const current = await ctx.services.groups.lockReachable(ctx, tx, groupUuid, ['input', 'groupId'], selected.group);
      // Each row a concurrent removal or deletion took first is waited for, then found gone: every
      // membership is removed, and logged, once.
      const removed = await deleteMemberships(tx, groupUuid, identityUuids, selected.identities);
      await appendEvents(tx, current.realmUuid, membershipEvents('membership.removed', groupUuid, removed.map((row) => row.uuid)));
      return { group: { ...current, memberCount: current.memberCount - removed.length }, changed: removed };
    }, ctx.caller.actor);
    return this.afterChange(ctx, group, changed);
  }

  /**
   * The first step of adding identities to a group: locks them, before the group is locked (the
   * order every write takes its locks in, docs/decisions.md 63). Nothing is checked yet but that
   * the IDs are identities' IDs; `insertLocked` checks the rest.
   */
  async lockIdentities(tx: Tx, identityIds: readonly string[], path: InputPath): Promise<LockedIdentities> {
    const uuids = this.uuidsOf(identityIds, path);
    const realms = new Map((await lockIdentityRealms(tx, uuids)).map((row) => [row.uuid, row.realmUuid]));
    return { ids: identityIds, uuids, realms, path };
  }

  /**
   * Adds identities locked by `lockIdentities` to a group the caller has locked since: all of them
   * or, when one does not exist or belongs to another realm, none. Returns those that were not
   * members yet (their keys, and the columns of `fields`; by default none: creating a group or
   * accepting an invitation reads no more) and their MEMBERSHIP_ADDED events, for the caller to
   * append with its others.
   */
  async insertLocked(
    ctx: Context,
    tx: Tx,
    group: GroupRow,
    identities: LockedIdentities,
    fields: ReadonlySet<string> = noFields,
  ): Promise<{ added: IdentityRow[]; events: NewEvent[] }> {
    const { ids, uuids, realms, path } = identities;
    uuids.forEach((uuid, index) => {
      const realmUuid = realms.get(uuid);
      if (realmUuid === undefined) throw notFound('identity', [...path, index], ids[index]);
      if (realmUuid !== group.realmUuid) {
        // An identity of a realm the caller does not reach does not exist, for the caller.
        if (!ctx.caller.reaches(realmUuid)) throw notFound('identity', [...path, index], ids[index]);
        throw new AppError(ErrorCode.CROSS_REALM, `The identity "${ids[index]}" belongs to another realm than the group.`, [...path, index]);
      }
    });
    const added = await insertMemberships(tx, group.realmUuid, group.uuid, uuids, fields);
    return { added, events: membershipEvents('membership.added', group.uuid, added.map((row) => row.uuid)) };
  }

  /**
   * The cascade of deleting an identity, which the caller holds FOR UPDATE (so that no membership
   * of it can be added until it commits): ends every membership it has now and returns their
   * MEMBERSHIP_REMOVED events, exactly one per row deleted, for the caller to append.
   */
  async endAllOfIdentity(tx: Tx, identityUuid: string): Promise<NewEvent[]> {
    await lockGroupsOfIdentity(tx, identityUuid);
    const groupUuids = await deleteMembershipsOfIdentity(tx, identityUuid);
    return groupUuids.map((groupUuid) => ({ type: 'membership.removed', groupUuid, identityUuid, data: {} }));
  }

  /** The cascade of deleting a group the caller holds locked: ends its memberships; returns how many. */
  endAllOfGroup(tx: Tx, groupUuid: string): Promise<number> {
    return deleteMembershipsOfGroup(tx, groupUuid);
  }

  private uuidsOf(ids: readonly string[], path: InputPath): string[] {
    return ids.map((id, index) => expectGlobalId(id, 'Identity', [...path, index]));
  }

  /**
   * The payload, from the rows the change itself returned: no read after commit. They are of the
   * group's realm, which the caller reaches; filtered all the same, as the identity loader would.
   */
  private afterChange(ctx: Context, group: GroupRow, changed: IdentityRow[]): MembershipChange {
    ctx.loaders.clearAll();
    return { group, identities: changed.filter((row) => ctx.caller.reaches(row.realmUuid)) };
  }
}
