import type { ConnectionData } from '../common/connection.type';
import { invalidInput } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { Edge, PageEdge, pageRequest, toPage, type CursorRow, type Ordering, type PageArgs, type PageRequest } from '../common/pagination';
import { wholeList, type ListProjection, type NestedList } from '../common/projection';
import type { Writes } from '../db/writes';
import { appendEvents } from '../events/event-log';
import type { GroupColumn, GroupKeys, GroupListRow, GroupRow } from '../group/group.columns';
import type { IdentityColumn, IdentityKeys } from '../identity/identity.columns';
import type { MemberFilter } from '../identity/identity.inputs';
import { memberFilterValues } from '../identity/identity.service';
import type { Context } from '../common/context';
import type { GroupService } from '../group/group.service';
import {
  IdentityGroupOrderField,
  memberBatch,
  MembershipKind,
  type AddGroupMembersInput,
  type GroupMemberOrder,
  type IdentityGroupOrder,
  type RemoveGroupMembersInput,
} from './membership.inputs';
import {
  addLocked,
  groupUuidsOf,
  identityLocksToAdd,
  identityUuidsOf,
  lockGroupsToNest,
  lockIdentitiesToAdd,
  nestLocked,
  removeLocked,
  unnestLocked,
} from './membership.writes';
import { memberGroupOrdering, parentGroupOrdering, type ChangedNesting, type NestedGroupRow, type NestingSide } from './nesting.repository';
import {
  type ChangedMembership,
  type IdentityRealm,
  identityGroupOrderingOf,
  memberOrdering,
  memberOrderingOf,
  type MemberRow,
  type MembershipEdgeColumn,
  type MembershipGroupRow,
} from './membership.repository';
import { membershipLoaders } from './membership.loaders';
import { transitiveGroupOrderingOf, transitiveMemberOrdering, type TransitiveGroupRow, type TransitiveMemberRow } from './transitive.repository';

/** An edge of a membership list: the member with the time it joined … */
class MemberEdge extends PageEdge<CursorRow<MemberRow>> {
  // Read when the query selects it (src/schema/projection.ts), and only then.
  get addedAt(): string | undefined {
    return this.row.addedAt;
  }

  get direct(): boolean {
    return true;
  }
}

/** … and the group an identity belongs to, with the time it joined. */
export class IdentityGroupEdge extends Edge<CursorRow<MembershipGroupRow>> {
  get node(): GroupListRow {
    return this.row.group;
  }

  get addedAt(): string | undefined {
    return this.row.addedAt;
  }

  get direct(): boolean {
    return true;
  }
}

/**
 * An edge of a TRANSITIVE list (decision 106): the member, or the group, with whether the
 * membership is direct and when it was made — of the group itself when direct, else the earliest
 * of those below it.
 */
class TransitiveMemberEdge extends PageEdge<CursorRow<TransitiveMemberRow>> {
  get addedAt(): string | undefined {
    return this.row.addedAt;
  }

  get direct(): boolean | undefined {
    return this.row.direct;
  }
}

class TransitiveGroupEdge extends Edge<CursorRow<TransitiveGroupRow>> {
  get node(): GroupListRow {
    return this.row.group;
  }

  get addedAt(): string | undefined {
    return this.row.addedAt;
  }

  get direct(): boolean | undefined {
    return this.row.direct;
  }
}

/**
 * The order of an identity's TRANSITIVE groups: group ID when none is given, or NAME. There is no
 * one time the identity joined a group through nesting to order by: ADDED_AT is refused.
 */
function transitiveGroupOrdering(orderBy: IdentityGroupOrder | null | undefined) {
  if (orderBy && orderBy.field !== IdentityGroupOrderField.NAME) {
    throw invalidInput(['orderBy', 'field'], 'A TRANSITIVE list of groups is ordered by group ID (without `orderBy`) or by NAME; ADDED_AT orders the DIRECT list.');
  }
  return transitiveGroupOrderingOf(orderBy ? { field: 'NAME', direction: orderBy.direction } : null);
}

/** An edge of Group.memberGroups or Group.parentGroups: the other group, and when the nesting was made. */
export class NestedGroupEdgeOf extends PageEdge<CursorRow<NestedGroupRow>> {
  get addedAt(): string | undefined {
    return this.row.addedAt;
  }
}

/** A nesting a write made or ended, as an edge of Group.memberGroups; its node is read after commit. */
export class ChangedNestingEdge extends Edge<ChangedNesting> {
  constructor(
    row: ChangedNesting,
    readonly node: object,
  ) {
    super(row, memberGroupOrdering);
  }

  get addedAt(): string {
    return this.row.addedAt;
  }
}

/**
 * A membership a write made or ended, as an edge of Group.members in its default order: what a
 * client inserts into (or deletes from) the member list it shows, with the cursor it has there.
 */
export class ChangedMemberEdge extends Edge<ChangedMembership> {
  constructor(
    row: ChangedMembership,
    readonly node: object,
  ) {
    super(row, memberOrdering);
  }

  get addedAt(): string {
    return this.row.addedAt;
  }

  get direct(): boolean {
    return true;
  }
}

export type MemberListProjection = ListProjection<IdentityColumn, MembershipEdgeColumn>;
export type IdentityGroupListProjection = ListProjection<GroupColumn, MembershipEdgeColumn>;

/**
 * A change of memberships: the group after it, and each membership made or ended, in input order,
 * as RETURNING gave it (the identity's keys and ID, when it was made, its sort values), with no read
 * after commit.
 */
export interface MembershipChange {
  group: GroupRow;
  memberships: ChangedMembership[];
  /** The nestings made or ended (the member groups' keys and IDs), likewise. */
  nestings: ChangedNesting[];
}

export class MembershipService {
  constructor(
    private readonly writes: Writes,
    private readonly groups: GroupService,
  ) {}

  /**
   * `groupsOfEach`: the groups lists asked of every member. They are loaded here, for all the
   * members of all the groups asked together, before the page is returned, so that each member's
   * `groups` resolves at once from what was loaded (groupsOf) rather than through a promise per
   * member (bench/ANALYSIS.md).
   */
  async membersOf(
    ctx: Context,
    group: GroupKeys,
    args: PageArgs & { filter?: MemberFilter | null; orderBy?: GroupMemberOrder | null; membership?: MembershipKind | null },
    projection: MemberListProjection = wholeList,
    groupsOfEach: readonly NestedList<GroupColumn, MembershipEdgeColumn>[] = [],
  ): Promise<ConnectionData<MemberEdge | TransitiveMemberEdge>> {
    if (args.membership === MembershipKind.TRANSITIVE) return this.transitiveMembersOf(ctx, group, args, projection, groupsOfEach);
    const ordering = memberOrderingOf(args.orderBy);
    const request = pageRequest(args, ordering, ctx.limits);
    const filter = memberFilterValues(args.filter, ['filter']);
    const rows = await ctx.loaders.of(membershipLoaders).membersOfGroup.page(group.uuid, filter, ordering, request, projection);
    const page = toPage(rows, ordering, request, MemberEdge);
    if (groupsOfEach.length > 0) await Promise.all(groupsOfEach.map((nested) => this.prefetchGroupsOf(ctx, page.edges, nested)));
    return {
      ...page,
      // Unfiltered, the count is the group's own member_count: no query at all.
      totalCount: filter ? () => ctx.loaders.of(membershipLoaders).membersOfGroup.count(group.uuid, filter) : group.memberCount,
    };
  }

  /**
   * A group's TRANSITIVE members (decision 106): every identity in it or in a group below it, once,
   * in identity ID order (`orderBy` is refused), the filter as for direct members; the count is
   * counted (DISTINCT) when asked. The members' own `groups` are loaded with the page, as above.
   */
  private async transitiveMembersOf(
    ctx: Context,
    group: GroupKeys,
    args: PageArgs & { filter?: MemberFilter | null; orderBy?: GroupMemberOrder | null },
    projection: MemberListProjection,
    groupsOfEach: readonly NestedList<GroupColumn, MembershipEdgeColumn>[],
  ): Promise<ConnectionData<TransitiveMemberEdge>> {
    if (args.orderBy != null) throw invalidInput(['orderBy'], 'A TRANSITIVE member list is ordered by identity ID: leave `orderBy` out.');
    const ordering = transitiveMemberOrdering;
    const request = pageRequest(args, ordering, ctx.limits);
    const filter = memberFilterValues(args.filter, ['filter']);
    const loaders = ctx.loaders.of(membershipLoaders).transitiveMembersOfGroup;
    const rows = await loaders.page(group.uuid, filter, ordering, request, projection);
    const page = toPage(rows, ordering, request, TransitiveMemberEdge);
    if (groupsOfEach.length > 0) await Promise.all(groupsOfEach.map((nested) => this.prefetchGroupsOf(ctx, page.edges, nested)));
    return { ...page, totalCount: () => loaders.count(group.uuid, filter) };
  }

  /** How many identities are in the group or below it, each once: counted when asked, batched per level. */
  transitiveMemberCount(ctx: Context, group: GroupKeys): Promise<number> {
    return ctx.loaders.of(membershipLoaders).transitiveMembersOfGroup.count(group.uuid, undefined);
  }

  /** The identity's groups: at once when a batch of this request already read them (membersOf). */
  groupsOf(
    ctx: Context,
    identity: IdentityKeys,
    args: PageArgs & { orderBy?: IdentityGroupOrder | null; membership?: MembershipKind | null },
    projection: IdentityGroupListProjection = wholeList,
  ): ConnectionData<IdentityGroupEdge | TransitiveGroupEdge> | Promise<ConnectionData<IdentityGroupEdge | TransitiveGroupEdge>> {
    if (args.membership === MembershipKind.TRANSITIVE) return this.transitiveGroupsOf(ctx, identity, args, projection);
    const ordering = identityGroupOrderingOf(args.orderBy);
    const request = pageRequest(args, ordering, ctx.limits);
    const loaders = ctx.loaders.of(membershipLoaders).groupsOfIdentity;
    const connection = (rows: CursorRow<MembershipGroupRow>[]) => ({
      ...toPage(rows, ordering, request, IdentityGroupEdge),
      totalCount: loaders.loadedCount(identity.uuid, undefined) ?? (() => loaders.count(identity.uuid, undefined)),
    });
    const loaded = loaders.loadedPage(identity.uuid, undefined, ordering, request, projection);
    return loaded ? connection(loaded) : loaders.page(identity.uuid, undefined, ordering, request, projection).then(connection);
  }

  /**
   * The identity's TRANSITIVE groups (decision 106): those it is in directly or through nesting,
   * once each, by group ID or NAME; at once when membersOf loaded them with the page.
   */
  private transitiveGroupsOf(
    ctx: Context,
    identity: IdentityKeys,
    args: PageArgs & { orderBy?: IdentityGroupOrder | null },
    projection: IdentityGroupListProjection,
  ): ConnectionData<TransitiveGroupEdge> | Promise<ConnectionData<TransitiveGroupEdge>> {
    const ordering = transitiveGroupOrdering(args.orderBy);
    const request = pageRequest(args, ordering, ctx.limits);
    const loaders = ctx.loaders.of(membershipLoaders).transitiveGroupsOfIdentity;
    const connection = (rows: CursorRow<TransitiveGroupRow>[]) => ({
      ...toPage(rows, ordering, request, TransitiveGroupEdge),
      totalCount: loaders.loadedCount(identity.uuid, undefined) ?? (() => loaders.count(identity.uuid, undefined)),
    });
    const loaded = loaders.loadedPage(identity.uuid, undefined, ordering, request, projection);
    return loaded ? connection(loaded) : loaders.page(identity.uuid, undefined, ordering, request, projection).then(connection);
  }

  /**
   * A group's member groups or the groups it is nested in, a page through the request's loaders:
   * one statement per level of a nested read, whatever its breadth (decision 104).
   */
  nestedGroupsOf(
    ctx: Context,
    group: GroupKeys,
    side: NestingSide,
    args: PageArgs,
    projection: IdentityGroupListProjection = wholeList,
  ): Promise<ConnectionData<NestedGroupEdgeOf>> {
    const ordering = side === 'memberGroups' ? memberGroupOrdering : parentGroupOrdering;
    const request = pageRequest(args, ordering, ctx.limits);
    const loaders = ctx.loaders.of(membershipLoaders)[side === 'memberGroups' ? 'memberGroupsOfGroup' : 'parentGroupsOfGroup'];
    return loaders.page(group.uuid, undefined, ordering, request, projection).then((rows) => ({
      ...toPage(rows, ordering, request, NestedGroupEdgeOf),
      totalCount: () => loaders.count(group.uuid, undefined),
    }));
  }

  /**
   * Loads the groups pages (and counts, when asked) of these members in the batches groupsOf
   * reads from. Arguments it cannot use are left for groupsOf to refuse, at the field they belong to.
   */
  private async prefetchGroupsOf(
    ctx: Context,
    members: ReadonlyArray<{ node: IdentityKeys }>,
    nested: NestedList<GroupColumn, MembershipEdgeColumn>,
  ): Promise<void> {
    if (nested.args.membership === MembershipKind.TRANSITIVE) return this.prefetchTransitiveGroupsOf(ctx, members, nested);
    const ordering = identityGroupOrderingOf(nested.args.orderBy as IdentityGroupOrder | null | undefined);
    let request: PageRequest;
    try {
      request = pageRequest(nested.args, ordering, ctx.limits);
    } catch {
      return;
    }
    const loaders = ctx.loaders.of(membershipLoaders).groupsOfIdentity;
    const loads: Array<Promise<unknown>> = [];
    for (const { node } of members) {
      loads.push(loaders.page(node.uuid, undefined, ordering, request, nested.projection));
      if (nested.totalCount) loads.push(loaders.count(node.uuid, undefined));
    }
    await Promise.all(loads);
  }

  /** prefetchGroupsOf, of the members' TRANSITIVE groups. */
  private async prefetchTransitiveGroupsOf(
    ctx: Context,
    members: ReadonlyArray<{ node: IdentityKeys }>,
    nested: NestedList<GroupColumn, MembershipEdgeColumn>,
  ): Promise<void> {
    let ordering: Ordering;
    let request: PageRequest;
    try {
      ordering = transitiveGroupOrdering(nested.args.orderBy as IdentityGroupOrder | null | undefined);
      request = pageRequest(nested.args, ordering, ctx.limits);
    } catch {
      return;
    }
    const loaders = ctx.loaders.of(membershipLoaders).transitiveGroupsOfIdentity;
    const loads: Array<Promise<unknown>> = [];
    for (const { node } of members) {
      loads.push(loaders.page(node.uuid, undefined, ordering, request, nested.projection));
      if (nested.totalCount) loads.push(loaders.count(node.uuid, undefined));
    }
    await Promise.all(loads);
  }

  /**
   * Adds identities and nests groups, in one transaction, in decision 63's order: the identities
   * (FOR KEY SHARE), then the group with the groups to nest in it (id order), then — for a nesting
   * — the realm's nesting lock and the cycle check (decision 104), the rows, the realm's row last.
   * Without groups to nest: the identities' and the group's locks in one statement, the rows, then
   * their events with the COMMIT (bench/ANALYSIS.md, W2).
   */
  async add(ctx: Context, input: AddGroupMembersInput): Promise<MembershipChange> {
    const groupUuid = expectGlobalId(input.groupId, 'Group', ['input', 'groupId']);
    const { identityIds, groupIds } = memberBatch(input);
    const { group, changed, nested } = await this.writes.run(ctx, async (tx) => {
      if (groupIds.length === 0) {
        // Identities only: the identities' locks and the group's in one statement (in that order),
        // the rows, then their events with the COMMIT (bench/ANALYSIS.md, W2).
        const wanted = identityLocksToAdd(identityIds, ['input', 'identityIds']);
        const locked = await this.groups.lockReachableAfter<IdentityRealm>(ctx, tx, groupUuid, ['input', 'groupId'], wanted.locks);
        const { added, events } = await addLocked(ctx.caller, tx, locked.group, wanted.locked(locked.before));
        await appendEvents(tx, locked.group.realmUuid, events, { commit: true });
        return { group: { ...locked.group, memberCount: locked.group.memberCount + added.length }, changed: added, nested: [] };
      }
      const identities = identityIds.length > 0 ? await lockIdentitiesToAdd(tx, identityIds, ['input', 'identityIds']) : undefined;
      const children = groupIds.length > 0 ? await lockGroupsToNest(tx, groupUuid, groupIds, ['input', 'groupIds']) : undefined;
      const current = await this.groups.lockReachable(ctx, tx, groupUuid, ['input', 'groupId']);
      const { added, events } = identities ? await addLocked(ctx.caller, tx, current, identities) : { added: [], events: [] };
      const nesting = children ? await nestLocked(ctx.caller, tx, current, children) : { nested: [], events: [] };
      // The last statement, with the COMMIT: nothing is sent after it.
      await appendEvents(tx, current.realmUuid, [...events, ...nesting.events], { commit: true });
      return { group: { ...current, memberCount: current.memberCount + added.length }, changed: added, nested: nesting.nested };
    });
    return this.payload(ctx, group, changed, nested);
  }

  async remove(ctx: Context, input: RemoveGroupMembersInput): Promise<MembershipChange> {
    const groupUuid = expectGlobalId(input.groupId, 'Group', ['input', 'groupId']);
    const batch = memberBatch(input);
    const identityUuids = identityUuidsOf(batch.identityIds, ['input', 'identityIds']);
    const childUuids = groupUuidsOf(batch.groupIds, ['input', 'groupIds']);
    const { group, changed, unnested } = await this.writes.run(ctx, async (tx) => {
      const current = await this.groups.lockReachable(ctx, tx, groupUuid, ['input', 'groupId']);
      // Each row a concurrent removal or deletion took first is waited for, then found gone: every
      // membership and nesting is removed, and logged, once.
      const removal = identityUuids.length > 0 ? await removeLocked(tx, current, identityUuids) : { removed: [], events: [] };
      const unnesting = childUuids.length > 0 ? await unnestLocked(tx, current, childUuids) : { unnested: [], events: [] };
      await appendEvents(tx, current.realmUuid, [...removal.events, ...unnesting.events], { commit: true });
      return { group: { ...current, memberCount: current.memberCount - removal.removed.length }, changed: removal.removed, unnested: unnesting.unnested };
    });
    return this.payload(ctx, group, changed, unnested);
  }

  /**
   * The payload, from the rows the change itself returned: no read after commit. They are of the
   * group's realm, which the caller reaches; filtered all the same, as the identity loader would.
   */
  private payload(ctx: Context, group: GroupRow, changed: ChangedMembership[], nestings: ChangedNesting[]): MembershipChange {
    return { group, memberships: changed.filter((row) => ctx.caller.reaches(row.realmUuid)), nestings: nestings.filter((row) => ctx.caller.reaches(row.realmUuid)) };
  }
}
