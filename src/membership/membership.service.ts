import type { DataSource } from 'typeorm';
import type { ConnectionData } from '../common/connection.type';
import { AppError, ErrorCode, notFound, type InputPath } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { pageRequest, toPage, type PageArgs } from '../common/pagination';
import { idBatch } from '../common/validate';
import { withTransaction, type Tx } from '../db/transaction';
import { appendEvents } from '../events/event-log';
import type { GroupRow } from '../group/group.repository';
import type { MemberFilter } from '../identity/identity.inputs';
import type { IdentityRow } from '../identity/identity.repository';
import { memberFilterValues } from '../identity/identity.service';
import type { Context } from '../server/context';
import type { AddGroupMembersInput, RemoveGroupMembersInput } from './membership.inputs';
import {
  deleteMemberships,
  identityGroupOrdering,
  insertMemberships,
  findMemberUuids,
  lockGroupsOfIdentity,
  lockIdentityRealms,
  memberOrdering,
  type MemberRow,
  type MembershipGroupRow,
} from './membership.repository';

/** One event per identity, appended in one statement whatever the batch's size. */
function membershipEvents(type: 'membership.added' | 'membership.removed', groupUuid: string, identityUuids: readonly string[]) {
  return identityUuids.map((identityUuid) => ({ type, groupUuid, identityUuid, data: {} }));
}

export interface MembershipChange {
  group: GroupRow;
  identities: IdentityRow[];
}

export class MembershipService {
  constructor(private readonly dataSource: DataSource) {}

  async membersOf(
    ctx: Context,
    group: GroupRow,
    args: PageArgs & { filter?: MemberFilter | null },
  ): Promise<ConnectionData<{ cursor: string; node: MemberRow; addedAt: Date }>> {
    const request = pageRequest(args, memberOrdering, ctx.limits);
    const filter = memberFilterValues(args.filter, ['filter']);
    const rows = await ctx.loaders.memberships.membersOfGroup.page(group.uuid, filter, memberOrdering, request);
    return {
      ...toPage(rows, memberOrdering, request, (node, cursor) => ({ cursor, node, addedAt: node.addedAt })),
      // Unfiltered, the count is the group's own member_count: no query at all.
      totalCount: filter ? () => ctx.loaders.memberships.membersOfGroup.count(group.uuid, filter) : group.memberCount,
    };
  }

  async groupsOf(
    ctx: Context,
    identity: IdentityRow,
    args: PageArgs,
  ): Promise<ConnectionData<{ cursor: string; node: MembershipGroupRow; addedAt: Date }>> {
    const request = pageRequest(args, identityGroupOrdering, ctx.limits);
    const rows = await ctx.loaders.memberships.groupsOfIdentity.page(identity.uuid, undefined, identityGroupOrdering, request);
    return {
      ...toPage(rows, identityGroupOrdering, request, (node, cursor) => ({ cursor, node, addedAt: node.addedAt })),
      totalCount: () => ctx.loaders.memberships.groupsOfIdentity.count(identity.uuid, undefined),
    };
  }

  async add(ctx: Context, input: AddGroupMembersInput): Promise<MembershipChange> {
    const groupUuid = expectGlobalId(input.groupId, 'Group', ['input', 'groupId']);
    idBatch(input.identityIds, ['input', 'identityIds']);
    const { group, changed } = await withTransaction(this.dataSource, async (tx) => {
      const current = await ctx.services.groups.lockReachable(ctx, tx, groupUuid, ['input', 'groupId']);
      const added = await this.addInTransaction(ctx, tx, current, input.identityIds, ['input', 'identityIds']);
      return { group: { ...current, memberCount: current.memberCount + added.length }, changed: added };
    }, ctx.caller.actor);
    return this.afterChange(ctx, group, changed);
  }

  async remove(ctx: Context, input: RemoveGroupMembersInput): Promise<MembershipChange> {
    const groupUuid = expectGlobalId(input.groupId, 'Group', ['input', 'groupId']);
    idBatch(input.identityIds, ['input', 'identityIds']);
    const identityUuids = this.uuidsOf(input.identityIds, ['input', 'identityIds']);
    const { group, changed } = await withTransaction(this.dataSource, async (tx) => {
      const current = await ctx.services.groups.lockReachable(ctx, tx, groupUuid, ['input', 'groupId']);
      const removed = await deleteMemberships(tx, groupUuid, identityUuids);
      await appendEvents(tx, current.realmUuid, membershipEvents('membership.removed', groupUuid, removed));
      return { group: { ...current, memberCount: current.memberCount - removed.length }, changed: removed };
    }, ctx.caller.actor);
    return this.afterChange(ctx, group, changed);
  }

  /**
   * Adds identities to a group that the caller has locked: all of them or, when one does not
   * exist or belongs to another realm, none. Returns the uuids of those that were not members yet.
   */
  async addInTransaction(ctx: Context, tx: Tx, group: GroupRow, identityIds: readonly string[], path: InputPath): Promise<string[]> {
    const identityUuids = this.uuidsOf(identityIds, path);
    const realms = new Map((await lockIdentityRealms(tx, identityUuids)).map((row) => [row.uuid, row.realmUuid]));
    identityUuids.forEach((uuid, index) => {
      const realmUuid = realms.get(uuid);
      if (realmUuid === undefined) throw notFound('identity', [...path, index], identityIds[index]);
      if (realmUuid !== group.realmUuid) {
        // An identity of a realm the caller does not reach does not exist, for the caller.
        if (!ctx.caller.reaches(realmUuid)) throw notFound('identity', [...path, index], identityIds[index]);
        throw new AppError(ErrorCode.CROSS_REALM, `The identity "${identityIds[index]}" belongs to another realm than the group.`, [...path, index]);
      }
    });
    const added = await insertMemberships(tx, group.realmUuid, group.uuid, identityUuids);
    await appendEvents(tx, group.realmUuid, membershipEvents('membership.added', group.uuid, added));
    return added;
  }

  /** Before deleting an identity: see lockGroupsOfIdentity. Returns the groups' uuids. */
  lockGroupsOf(tx: Tx, identityUuid: string): Promise<string[]> {
    return lockGroupsOfIdentity(tx, identityUuid);
  }

  /** Before deleting a group, whose memberships go with it. */
  memberUuidsOf(tx: Tx, groupUuid: string): Promise<string[]> {
    return findMemberUuids(tx, groupUuid);
  }

  private uuidsOf(ids: readonly string[], path: InputPath): string[] {
    return ids.map((id, index) => expectGlobalId(id, 'Identity', [...path, index]));
  }

  private async afterChange(ctx: Context, group: GroupRow, changedUuids: string[]): Promise<MembershipChange> {
    ctx.loaders.clearAll();
    const identities = await ctx.loaders.identities.byUuid.loadMany(changedUuids);
    return { group, identities: identities.filter((row): row is IdentityRow => row !== null && !(row instanceof Error)) };
  }
}
