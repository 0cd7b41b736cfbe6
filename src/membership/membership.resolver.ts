import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import type { PageArgs } from '../common/pagination';
import { coveredBy } from '../common/projection';
import type { GroupKeys } from '../group/group.columns';
import { Group } from '../group/group.type';
import type { IdentityKeys, MemberKeys } from '../identity/identity.columns';
import { MemberFilter } from '../identity/identity.inputs';
import { identityLoaders } from '../identity/identity.loaders';
import { Identity, identityFields } from '../identity/identity.type';
import type { Context } from '../common/context';
import { listProjection, nestedLists, objectColumns } from '../schema/projection';
import type { MembershipService } from './membership.service';
import { AddGroupMembersInput, RemoveGroupMembersInput } from './membership.inputs';
import {
  AddGroupMembersPayload,
  GroupMemberConnection,
  groupMemberConnectionFields,
  IdentityGroupConnection,
  identityGroupConnectionFields,
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
  return (group: GroupKeys, args: PageArgs & { filter?: MemberFilter | null }, ctx: Context, info: GraphQLResolveInfo) => {
    ctx.caller.needOn('identities:read', group);
    // The members' own `groups`, loaded with the page when the caller may read them.
    const groupsOfEach = ctx.caller.can('groups:read') ? nestedLists(info, 'Identity', 'groups', identityGroupConnectionFields) : [];
    return memberships.membersOf(ctx, group, args, listProjection(info, groupMemberConnectionFields), groupsOfEach);
  };
}

export function identityGroupsOf(memberships: MembershipService) {
  return (identity: IdentityKeys, args: PageArgs, ctx: Context, info: GraphQLResolveInfo) => {
    ctx.caller.needOn('groups:read', { realmUuid: identity.realmUuid, identityUuid: identity.uuid });
    return memberships.groupsOf(ctx, identity, args, listProjection(info, identityGroupConnectionFields));
  };
}

@Resolver(() => Group)
export class GroupMembersResolver {
  private readonly groupMembers: ReturnType<typeof groupMembersOf>;

  constructor(private readonly membershipService: MembershipService) {
    this.groupMembers = groupMembersOf(membershipService);
  }

  @FieldResolver(() => GroupMemberConnection, {
    nullable: true,
    description: 'The group’s members, in the order they were added (those added by one call share `addedAt` and come in ID order). Null, with FORBIDDEN, for a caller that may not read them.',
  })
  members(
    @Root() group: GroupKeys,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => MemberFilter, { nullable: true }) filter?: MemberFilter,
  ) {
    return this.groupMembers(group, { ...page, filter }, ctx, info);
  }

  @Mutation(() => AddGroupMembersPayload, { description: 'Adds 1 to 1 000 identities of the group’s realm; existing members are left as they are.' })
  async addGroupMembers(@Ctx() ctx: Context, @Arg('input', () => AddGroupMembersInput) input: AddGroupMembersInput) {
    ctx.caller.need('groups:write');
    const { group, identities } = await this.membershipService.add(ctx, input);
    return { group, addedMembers: identities };
  }

  @Mutation(() => RemoveGroupMembersPayload, { description: 'Removes 1 to 1 000 identities; non-members are ignored.' })
  async removeGroupMembers(@Ctx() ctx: Context, @Arg('input', () => RemoveGroupMembersInput) input: RemoveGroupMembersInput) {
    ctx.caller.need('groups:write');
    const { group, identities } = await this.membershipService.remove(ctx, input);
    return { group, removedMembers: identities };
  }
}

/**
 * A payload's identities are an edge like any other: groups:write changes memberships, and reading
 * who was added or removed takes identities:read, as Group.members does. The write returned their
 * keys and IDs (the usual `addedMembers { id }` needs no more); a query that shows more of them
 * reads them, in one batch, through the identity loader, which the commit left empty.
 */
async function changedIdentities(ctx: Context, info: GraphQLResolveInfo, changed: MemberKeys[]) {
  ctx.caller.need('identities:read');
  if (coveredBy(objectColumns(info, identityFields), ['id'])) return changed;
  const rows = await ctx.loaders.of(identityLoaders).byUuid.loadMany(changed.map((identity) => identity.uuid));
  // One deleted since the commit is no longer there to show.
  return rows.filter((row) => row !== null && !(row instanceof Error));
}

@Resolver(() => AddGroupMembersPayload)
export class AddGroupMembersPayloadResolver {
  @FieldResolver(() => [Identity], { description: 'The identities this call added; those that were members already are not listed.' })
  addedMembers(@Root() payload: { addedMembers: MemberKeys[] }, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return changedIdentities(ctx, info, payload.addedMembers);
  }
}

@Resolver(() => RemoveGroupMembersPayload)
export class RemoveGroupMembersPayloadResolver {
  @FieldResolver(() => [Identity], { description: 'The identities this call removed; those that were not members are not listed.' })
  removedMembers(@Root() payload: { removedMembers: MemberKeys[] }, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return changedIdentities(ctx, info, payload.removedMembers);
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
    description: 'The groups the identity belongs to, in the order it joined them (groups joined at the same instant come in ID order). Null, with FORBIDDEN, for a caller that may not read them.',
  })
  groups(@Root() identity: IdentityKeys, @Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType, @Info() info: GraphQLResolveInfo) {
    return this.identityGroups(identity, page, ctx, info);
  }
}
