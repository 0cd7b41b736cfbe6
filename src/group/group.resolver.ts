import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import { listSelection } from '../common/selection';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import type { Context } from '../server/context';
import { CreateGroupInput, DeleteGroupInput, GroupFilter, GroupOrder, UpdateGroupInput } from './group.inputs';
import type { GroupRow } from './group.repository';
import { CreateGroupPayload, DeleteGroupPayload, Group, GroupConnection, UpdateGroupPayload } from './group.type';

@Resolver(() => Group)
export class GroupResolver {
  @FieldResolver(() => Realm)
  realm(@Root() group: GroupRow, @Ctx() ctx: Context) {
    ctx.caller.need('realms:read');
    return ctx.services.realms.get(ctx, group.realmUuid);
  }

  @Mutation(() => CreateGroupPayload, { description: 'Creates a group, with its first members if `memberIds` names them.' })
  async createGroup(@Ctx() ctx: Context, @Arg('input', () => CreateGroupInput) input: CreateGroupInput) {
    ctx.caller.need('groups:write');
    return { group: await ctx.services.groups.create(ctx, input) };
  }

  @Mutation(() => UpdateGroupPayload, { description: 'Changes the fields given; omitted fields stay as they are.' })
  async updateGroup(@Ctx() ctx: Context, @Arg('input', () => UpdateGroupInput) input: UpdateGroupInput) {
    ctx.caller.need('groups:write');
    return { group: await ctx.services.groups.update(ctx, input) };
  }

  @Mutation(() => DeleteGroupPayload, { description: 'Deletes the group and its memberships; the identities stay.' })
  async deleteGroup(@Ctx() ctx: Context, @Arg('input', () => DeleteGroupInput) input: DeleteGroupInput) {
    ctx.caller.need('groups:write');
    return { deletedGroupId: await ctx.services.groups.delete(ctx, input) };
  }
}

@Resolver(() => Realm)
export class RealmGroupsResolver {
  @FieldResolver(() => GroupConnection, { description: 'The realm’s groups; by name unless `orderBy` says otherwise.' })
  groups(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => GroupFilter, { nullable: true }) filter?: GroupFilter,
    @Arg('orderBy', () => GroupOrder, { nullable: true }) orderBy?: GroupOrder,
  ) {
    ctx.caller.need('groups:read');
    return ctx.services.groups.listInRealm(ctx, realm, { ...page, filter, orderBy }, listSelection(info));
  }
}
