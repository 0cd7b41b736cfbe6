import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import { listProjection } from '../schema/projection';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import type { Context } from '../common/context';
import { CreateGroupInput, DeleteGroupInput, GroupFilter, GroupOrder, UpdateGroupInput } from './group.inputs';
import type { GroupKeys } from './group.repository';
import { CreateGroupPayload, DeleteGroupPayload, Group, GroupConnection, groupConnectionFields, UpdateGroupPayload } from './group.type';
import type { GroupService } from './group.service';
import type { RealmService } from '../realm/realm.service';

@Resolver(() => Group)
export class GroupResolver {
  constructor(
    private readonly realmService: RealmService,
    private readonly groupService: GroupService,
  ) {}

  @FieldResolver(() => Realm, { description: 'The realm the group belongs to. Needs `realms:read`.' })
  realm(@Root() group: GroupKeys, @Ctx() ctx: Context) {
    ctx.caller.needOn('realms:read', group);
    return this.realmService.get(ctx, group.realmUuid);
  }

  @Mutation(() => CreateGroupPayload, {
    nullable: true,
    description: 'Creates a group, with its first members if `memberIds` names them, all or nothing. Needs `groups:write`; DUPLICATE_GROUP_NAME when the name is taken.',
  })
  async createGroup(@Ctx() ctx: Context, @Arg('input', () => CreateGroupInput, { description: 'The new group.' }) input: CreateGroupInput) {
    ctx.caller.need('groups:write');
    return { group: await this.groupService.create(ctx, input) };
  }

  @Mutation(() => UpdateGroupPayload, { nullable: true, description: 'Changes the fields given; omitted fields stay as they are. Needs `groups:write`.' })
  async updateGroup(@Ctx() ctx: Context, @Arg('input', () => UpdateGroupInput, { description: 'The group, the version you read, and the new values.' }) input: UpdateGroupInput) {
    ctx.caller.need('groups:write');
    return { group: await this.groupService.update(ctx, input) };
  }

  @Mutation(() => DeleteGroupPayload, {
    nullable: true,
    description: 'Deletes the group and its memberships (one GROUP_DELETED event); the identities stay. Needs `groups:write`.',
  })
  async deleteGroup(@Ctx() ctx: Context, @Arg('input', () => DeleteGroupInput, { description: 'The group to delete.' }) input: DeleteGroupInput) {
    ctx.caller.need('groups:write');
    return { deletedGroupId: await this.groupService.delete(ctx, input) };
  }
}

@Resolver(() => Realm)
export class RealmGroupsResolver {
  constructor(
    private readonly groupService: GroupService,
  ) {}

  @FieldResolver(() => GroupConnection, { nullable: true, description: 'The realm’s groups; by name unless `orderBy` says otherwise. Needs `groups:read`: without it, null with FORBIDDEN.' })
  groups(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => GroupFilter, { nullable: true, description: 'Only the groups that match; all when omitted.' }) filter?: GroupFilter,
    @Arg('orderBy', () => GroupOrder, { nullable: true, description: 'The order; by name, ascending, when omitted.' }) orderBy?: GroupOrder,
  ) {
    ctx.caller.needOn('groups:read', { realmUuid: realm.uuid });
    return this.groupService.listInRealm(ctx, realm, { ...page, filter, orderBy }, listProjection(info, groupConnectionFields));
  }
}
