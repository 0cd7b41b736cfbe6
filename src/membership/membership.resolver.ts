import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import type { PageArgs } from '../common/pagination';
import { coveredBy, type Columns } from '../common/projection';
import type { GroupKeys } from '../group/group.columns';
import { Group } from '../group/group.type';
import type { IdentityColumn, IdentityKeys } from '../identity/identity.columns';
import { MemberFilter } from '../identity/identity.inputs';
import { identityLoaders } from '../identity/identity.loaders';
import { Identity, identityFields } from '../identity/identity.type';
import type { Context } from '../common/context';
import { edgeListProjection, listProjection, nestedLists, objectColumns } from '../schema/projection';
import { ChangedMemberEdge, ChangedNestingEdge, IdentityGroupEdge as IdentityGroupEdgeOf, type MembershipService } from './membership.service';
import type { ChangedNesting, NestingSide } from './nesting.repository';
import { identityGroupOrdering, type ChangedMembership } from './membership.repository';
import { groupLoaders } from '../group/group.loaders';
import { LinkIdentitiesPayload } from '../identity/duplicates.type';
import type { LinkedIdentities } from '../identity/duplicates.service';
import { AddGroupMembersInput, GroupMemberOrder, IdentityGroupOrder, MembershipKind, RemoveGroupMembersInput } from './membership.inputs';
import {
  AddGroupMembersPayload,
  GroupMemberConnection,
  groupMemberConnectionFields,
  GroupMemberEdge,
  IdentityGroupConnection,
  IdentityGroupEdge,
  identityGroupConnectionFields,
  NestedGroupConnection,
  nestedGroupConnectionFields,
  NestedGroupEdge,
  RemoveGroupMembersPayload,
} from './membership.type';

/**
 * Group.members and Identity.groups run once per row of a nested read (5 000 times for 50 groups ×
 * 100 members), so they are bound to graphql-js as these functions, with graphql-js' coerced
 * arguments, without type-graphql's wrapper, which resolves arguments through a promise per row
 * (src/schema/build.ts, `hotFields`; docs/decisions.md 81). The decorated methods below declare the
 * fields and their arguments; they call the very same functions.
 */
export function groupMembersOf(memberships: MembershipService) {
  return (
    group: GroupKeys,
    args: PageArgs & { filter?: MemberFilter | null; orderBy?: GroupMemberOrder | null; membership?: MembershipKind | null },
    ctx: Context,
    info: GraphQLResolveInfo,
  ) => {
    ctx.caller.needOn('identities:read', group);
    // The members' own `groups`, loaded with the page when the caller may read them.
    const groupsOfEach = ctx.caller.can('groups:read') ? nestedLists(info, 'Identity', 'groups', identityGroupConnectionFields) : [];
    return memberships.membersOf(ctx, group, args, listProjection(info, groupMemberConnectionFields), groupsOfEach);
  };
}

export function identityGroupsOf(memberships: MembershipService) {
  return (identity: IdentityKeys, args: PageArgs & { orderBy?: IdentityGroupOrder | null; membership?: MembershipKind | null }, ctx: Context, info: GraphQLResolveInfo) => {
    ctx.caller.needOn('groups:read', { realmUuid: identity.realmUuid, identityUuid: identity.uuid });
    return memberships.groupsOf(ctx, identity, args, listProjection(info, identityGroupConnectionFields));
  };
}

/** Group.transitiveMemberCount: per row of a nested read too, bound the same way (hotFields); counted in one batch per level. */
export function transitiveMemberCountOf(memberships: MembershipService) {
  return (group: GroupKeys, _args: unknown, ctx: Context) => memberships.transitiveMemberCount(ctx, group);
}

/** Group.memberGroups and Group.parentGroups: per row of a nested read too, bound the same way (hotFields). */
export function nestedGroupsOf(memberships: MembershipService, side: NestingSide) {
  return (group: GroupKeys, args: PageArgs, ctx: Context, info: GraphQLResolveInfo) => {
    ctx.caller.needOn('groups:read', group);
    return memberships.nestedGroupsOf(ctx, group, side, args, listProjection(info, nestedGroupConnectionFields));
  };
}

@Resolver(() => Group)
export class GroupNestingResolver {
  private readonly memberGroupsOf: ReturnType<typeof nestedGroupsOf>;
  private readonly parentGroupsOf: ReturnType<typeof nestedGroupsOf>;

  constructor(membershipService: MembershipService) {
    this.memberGroupsOf = nestedGroupsOf(membershipService, 'memberGroups');
    this.parentGroupsOf = nestedGroupsOf(membershipService, 'parentGroups');
  }

  @FieldResolver(() => NestedGroupConnection, {
    nullable: true,
    description:
      'The groups nested directly in this one (its member groups), in the order they were nested, ties in ID order. Needs `groups:read`: without it, null with FORBIDDEN.',
  })
  memberGroups(@Root() group: GroupKeys, @Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType, @Info() info: GraphQLResolveInfo) {
    return this.memberGroupsOf(group, { ...page }, ctx, info);
  }

  @FieldResolver(() => NestedGroupConnection, {
    nullable: true,
    description:
      'The groups this one is nested in directly (its parents), in the order it was nested in them, ties in ID order. Needs `groups:read`: without it, null with FORBIDDEN.',
  })
  parentGroups(@Root() group: GroupKeys, @Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType, @Info() info: GraphQLResolveInfo) {
    return this.parentGroupsOf(group, { ...page }, ctx, info);
  }
}

@Resolver(() => Group)
export class GroupMembersResolver {
  private readonly groupMembers: ReturnType<typeof groupMembersOf>;
  private readonly transitiveMemberCountOf: ReturnType<typeof transitiveMemberCountOf>;

  constructor(private readonly membershipService: MembershipService) {
    this.groupMembers = groupMembersOf(membershipService);
    this.transitiveMemberCountOf = transitiveMemberCountOf(membershipService);
  }

  @FieldResolver(() => GroupMemberConnection, {
    nullable: true,
    description:
      'The group’s members. DIRECT (the default): its own, in the order they were added unless `orderBy` says otherwise (those added by one call share `addedAt` and come in ID order). ' +
      'TRANSITIVE: every identity in it or in a group nested in it at any depth, each once, in identity ID order (`orderBy` is refused), each edge saying whether it is `direct`. ' +
      'Needs `identities:read`: without it, null with FORBIDDEN.',
  })
  members(
    @Root() group: GroupKeys,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => MemberFilter, { nullable: true, description: 'Only the members that match; all when omitted.' }) filter?: MemberFilter,
    @Arg('orderBy', () => GroupMemberOrder, {
      nullable: true,
      description: 'The order of the DIRECT list; the order they were added, ascending, when omitted. A TRANSITIVE list takes none (INVALID_INPUT).',
    })
    orderBy?: GroupMemberOrder,
    @Arg('membership', () => MembershipKind, {
      defaultValue: MembershipKind.DIRECT,
      description: 'DIRECT: the group’s own members. TRANSITIVE: also those of the groups nested in it, at any depth, each identity once.',
    })
    membership: MembershipKind = MembershipKind.DIRECT,
  ) {
    return this.groupMembers(group, { ...page, filter, orderBy, membership }, ctx, info);
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      'How many identities are members of the group or of a group nested in it, at any depth, each counted once (`members(membership: TRANSITIVE) { totalCount }`). ' +
      'Counted when asked, unlike `memberCount`: its cost grows with the memberships below the group (about a second per million).',
  })
  transitiveMemberCount(@Root() group: GroupKeys, @Ctx() ctx: Context) {
    return this.transitiveMemberCountOf(group, {}, ctx);
  }

  @Mutation(() => AddGroupMembersPayload, {
    nullable: true,
    description:
      'Adds 1 to 1 000 identities and groups of the group’s realm, all or none; existing members are left as they are. A group added becomes a member group (nested): ' +
      'one that is the group or contains it is GROUP_CYCLE, naming the cycle. Needs `groups:write`; an identity or group of another realm is CROSS_REALM.',
  })
  async addGroupMembers(@Ctx() ctx: Context, @Arg('input', () => AddGroupMembersInput, { description: 'The group and the identities to add.' }) input: AddGroupMembersInput) {
    ctx.caller.need('groups:write');
    return this.membershipService.add(ctx, input);
  }

  @Mutation(() => RemoveGroupMembersPayload, {
    nullable: true,
    description: 'Removes 1 to 1 000 identities and member groups, all or none; non-members are ignored. Needs `groups:write`.',
  })
  async removeGroupMembers(@Ctx() ctx: Context, @Arg('input', () => RemoveGroupMembersInput, { description: 'The group and the identities to remove.' }) input: RemoveGroupMembersInput) {
    ctx.caller.need('groups:write');
    return this.membershipService.remove(ctx, input);
  }
}

/**
 * A payload's identities are an edge like any other: groups:write changes memberships, and reading
 * who was added or removed takes identities:read, as Group.members does. The write returned their
 * keys and IDs (the usual `addedMembers { id }` needs no more); a query that shows more of them
 * reads them, in one batch, through the identity loader, which the commit left empty. One deleted
 * since the commit is no longer there to show: its identity and its edge are left out.
 */
async function changedIdentities(ctx: Context, columns: Columns<IdentityColumn>, changed: readonly ChangedMembership[]): Promise<Map<string, object>> {
  ctx.caller.need('identities:read');
  if (coveredBy(columns, ['id'])) return new Map(changed.map((membership) => [membership.uuid, membership]));
  const rows = await ctx.loaders.of(identityLoaders).byUuid.loadMany(changed.map((membership) => membership.uuid));
  return new Map(rows.flatMap((row) => (row === null || row instanceof Error ? [] : [[row.uuid, row] as const])));
}

async function changedMembers(ctx: Context, info: GraphQLResolveInfo, changed: readonly ChangedMembership[]) {
  const identities = await changedIdentities(ctx, objectColumns(info, identityFields), changed);
  return changed.flatMap((membership) => identities.get(membership.uuid) ?? []);
}

async function changedEdges(ctx: Context, info: GraphQLResolveInfo, changed: readonly ChangedMembership[]) {
  const identities = await changedIdentities(ctx, edgeListProjection(info, groupMemberConnectionFields).node, changed);
  return changed.flatMap((membership) => {
    const node = identities.get(membership.uuid);
    return node ? [new ChangedMemberEdge(membership, node)] : [];
  });
}

type ChangePayload = { memberships: ChangedMembership[]; nestings: ChangedNesting[] };

/**
 * A payload's member groups, as edges of Group.memberGroups: needs `groups:read`, as that list
 * does. The write returned their keys and IDs; a query that shows more reads them, in one batch,
 * through the group loader. One deleted since the commit is left out.
 */
async function changedGroupEdges(ctx: Context, info: GraphQLResolveInfo, changed: readonly ChangedNesting[]) {
  ctx.caller.need('groups:read');
  if (changed.length === 0) return [];
  let nodes: Map<string, object>;
  if (coveredBy(edgeListProjection(info, nestedGroupConnectionFields).node, ['id'])) nodes = new Map(changed.map((row) => [row.uuid, { ...row, __typename: 'Group' }]));
  else {
    const rows = await ctx.loaders.of(groupLoaders).byUuid.loadMany(changed.map((row) => row.uuid));
    nodes = new Map(rows.flatMap((row) => (row === null || row instanceof Error ? [] : [[row.uuid, row] as const])));
  }
  return changed.flatMap((row) => {
    const node = nodes.get(row.uuid);
    return node ? [new ChangedNestingEdge(row, node)] : [];
  });
}

@Resolver(() => AddGroupMembersPayload)
export class AddGroupMembersPayloadResolver {
  @FieldResolver(() => [Identity], { description: 'The identities this call added; those that were members already are not listed.' })
  addedMembers(@Root() payload: ChangePayload, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return changedMembers(ctx, info, payload.memberships);
  }

  @FieldResolver(() => [GroupMemberEdge], {
    description:
      'The memberships this call made, as edges of `Group.members` in its default order (cursor, addedAt, node), in input order: for Relay’s `@appendEdge` or a normalized cache to insert them without a refetch.',
  })
  addedEdges(@Root() payload: ChangePayload, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return changedEdges(ctx, info, payload.memberships);
  }

  @FieldResolver(() => [NestedGroupEdge], {
    description:
      'The groups this call nested in the group, as edges of `Group.memberGroups` (cursor, addedAt, node), in input order; those nested already are not listed. Needs `groups:read`.',
  })
  addedGroupEdges(@Root() payload: ChangePayload, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return changedGroupEdges(ctx, info, payload.nestings);
  }
}

@Resolver(() => RemoveGroupMembersPayload)
export class RemoveGroupMembersPayloadResolver {
  @FieldResolver(() => [Identity], { description: 'The identities this call removed; those that were not members are not listed.' })
  removedMembers(@Root() payload: ChangePayload, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return changedMembers(ctx, info, payload.memberships);
  }

  @FieldResolver(() => [GroupMemberEdge], { description: 'The memberships this call ended, as the edges of `Group.members` (default order) they were, in input order.' })
  removedEdges(@Root() payload: ChangePayload, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return changedEdges(ctx, info, payload.memberships);
  }

  @FieldResolver(() => [ID], { description: 'The IDs of the identities this call removed: for Relay’s `@deleteEdge` on the group’s member lists.' })
  removedMemberIds(@Root() payload: ChangePayload, @Ctx() ctx: Context) {
    ctx.caller.need('identities:read');
    return payload.memberships.map((membership) => membership.id);
  }

  @FieldResolver(() => [NestedGroupEdge], { description: 'The nestings this call ended, as the edges of `Group.memberGroups` they were, in input order. Needs `groups:read`.' })
  removedGroupEdges(@Root() payload: ChangePayload, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return changedGroupEdges(ctx, info, payload.nestings);
  }

  @FieldResolver(() => [ID], { description: 'The IDs of the groups this call took out of the group: for Relay’s `@deleteEdge` on its `memberGroups`. Needs `groups:read`.' })
  removedGroupIds(@Root() payload: ChangePayload, @Ctx() ctx: Context) {
    ctx.caller.need('groups:read');
    return payload.nestings.map((row) => row.id);
  }
}

@Resolver(() => Identity)
export class IdentityGroupsResolver {
  private readonly identityGroups: ReturnType<typeof identityGroupsOf>;

  constructor(membershipService: MembershipService) {
    this.identityGroups = identityGroupsOf(membershipService);
  }

  @FieldResolver(() => IdentityGroupConnection, {
    nullable: true,
    description:
      'The groups the identity belongs to. DIRECT (the default): those it is a member of itself, in the order it joined them unless `orderBy` says otherwise (groups joined at the same instant come in ID order). ' +
      'TRANSITIVE: also every group those are nested in, at any depth, each once, in group ID order or by NAME, each edge saying whether it is `direct`. ' +
      'Needs `groups:read`: without it, null with FORBIDDEN.',
  })
  groups(
    @Root() identity: IdentityKeys,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('orderBy', () => IdentityGroupOrder, {
      nullable: true,
      description: 'The order; when omitted, the order it joined them (DIRECT) or group ID order (TRANSITIVE). A TRANSITIVE list takes NAME only (ADDED_AT is INVALID_INPUT).',
    })
    orderBy?: IdentityGroupOrder,
    @Arg('membership', () => MembershipKind, {
      defaultValue: MembershipKind.DIRECT,
      description: 'DIRECT: the groups the identity is a member of itself. TRANSITIVE: also the groups those are nested in, at any depth, each once.',
    })
    membership: MembershipKind = MembershipKind.DIRECT,
  ) {
    return this.identityGroups(identity, { ...page, orderBy, membership }, ctx, info);
  }
}

/**
 * linkIdentities' memberships, as edges of the identity's `groups` in its default order (the order it
 * joined them), so that a client appends them to the list it shows. The write returned when each
 * was made; the groups are read in one batch through the group loader, which the commit left empty.
 */
@Resolver(() => LinkIdentitiesPayload)
export class LinkIdentitiesPayloadResolver {
  @FieldResolver(() => [IdentityGroupEdge], {
    description:
      'The memberships the merge gave the identity — the duplicate’s groups it was not in — as edges of `Identity.groups` in its default order (cursor, addedAt, node): for Relay’s `@appendEdge`. Needs `groups:read`.',
  })
  async addedEdges(@Root() payload: LinkedIdentities, @Ctx() ctx: Context) {
    ctx.caller.need('groups:read');
    const groups = await ctx.loaders.of(groupLoaders).byUuid.loadMany(payload.added.map((membership) => membership.groupUuid));
    return payload.added.flatMap((membership, index) => {
      const group = groups[index];
      if (!group || group instanceof Error) return [];
      const row = { groupUuid: membership.groupUuid, addedAt: membership.addedAt, group, __cursor0: membership.addedAtSortValue, __cursor1: membership.groupUuid };
      return [new IdentityGroupEdgeOf(row, identityGroupOrdering)];
    });
  }
}
