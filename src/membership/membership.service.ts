import type { ConnectionData } from '../common/connection.type';
import { expectGlobalId } from '../common/global-id';
import { Edge, PageEdge, pageRequest, toPage, type CursorRow, type PageArgs, type PageRequest } from '../common/pagination';
import type { ListSelection, NestedConnection } from '../common/selection';
import { idBatch } from '../common/validate';
import type { Writes } from '../db/writes';
import { appendEvents } from '../events/event-log';
import type { GroupRow } from '../group/group.repository';
import type { MemberFilter } from '../identity/identity.inputs';
import type { IdentityRow } from '../identity/identity.repository';
import { memberFilterValues } from '../identity/identity.service';
import type { Context } from '../common/context';
import type { GroupService } from '../group/group.service';
import type { AddGroupMembersInput, RemoveGroupMembersInput } from './membership.inputs';
import { addLocked, identityUuidsOf, lockIdentitiesToAdd, membershipEvents } from './membership.writes';
import {
  deleteMemberships,
  identityGroupOrdering,
  memberOrdering,
  type MemberRow,
  type MembershipGroupRow,
} from './membership.repository';
import { membershipLoaders } from './membership.loaders';

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
  constructor(
    private readonly writes: Writes,
    private readonly groups: GroupService,
  ) {}

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
    const { group, changed } = await this.writes.run(ctx, async (tx) => {
      const identities = await lockIdentitiesToAdd(tx, input.identityIds, ['input', 'identityIds']);
      const current = await this.groups.lockReachable(ctx, tx, groupUuid, ['input', 'groupId'], selected.group);
      const { added, events } = await addLocked(ctx.caller, tx, current, identities, selected.identities);
      await appendEvents(tx, current.realmUuid, events);
      return { group: { ...current, memberCount: current.memberCount + added.length }, changed: added };
    });
    return this.payload(ctx, group, changed);
  }

  async remove(ctx: Context, input: RemoveGroupMembersInput, selected: ChangeSelection): Promise<MembershipChange> {
    const groupUuid = expectGlobalId(input.groupId, 'Group', ['input', 'groupId']);
    idBatch(input.identityIds, ['input', 'identityIds']);
    const identityUuids = identityUuidsOf(input.identityIds, ['input', 'identityIds']);
    const { group, changed } = await this.writes.run(ctx, async (tx) => {
      const current = await this.groups.lockReachable(ctx, tx, groupUuid, ['input', 'groupId'], selected.group);
      // Each row a concurrent removal or deletion took first is waited for, then found gone: every
      // membership is removed, and logged, once.
      const removed = await deleteMemberships(tx, groupUuid, identityUuids, selected.identities);
      await appendEvents(tx, current.realmUuid, membershipEvents('membership.removed', groupUuid, removed.map((row) => row.uuid)));
      return { group: { ...current, memberCount: current.memberCount - removed.length }, changed: removed };
    });
    return this.payload(ctx, group, changed);
  }

  /**
   * The payload, from the rows the change itself returned: no read after commit. They are of the
   * group's realm, which the caller reaches; filtered all the same, as the identity loader would.
   */
  private payload(ctx: Context, group: GroupRow, changed: IdentityRow[]): MembershipChange {
    return { group, identities: changed.filter((row) => ctx.caller.reaches(row.realmUuid)) };
  }
}
