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

  @FieldResolver(() => Realm)
  realm(@Root() group: GroupKeys, @Ctx() ctx: Context) {
    ctx.caller.needOn('realms:read', group);
    return this.realmService.get(ctx, group.realmUuid);
  }

  @Mutation(() => CreateGroupPayload, { description: 'Creates a group, with its first members if `memberIds` names them.' })
  async createGroup(@Ctx() ctx: Context, @Arg('input', () => CreateGroupInput) input: CreateGroupInput) {
    ctx.caller.need('groups:write');
    return { group: await this.groupService.create(ctx, input) };
  }

  @Mutation(() => UpdateGroupPayload, { description: 'Changes the fields given; omitted fields stay as they are.' })
  async updateGroup(@Ctx() ctx: Context, @Arg('input', () => UpdateGroupInput) input: UpdateGroupInput) {
    ctx.caller.need('groups:write');
    return { group: await this.groupService.update(ctx, input) };
  }

  @Mutation(() => DeleteGroupPayload, { description: 'Deletes the group and its memberships; the identities stay.' })
  async deleteGroup(@Ctx() ctx: Context, @Arg('input', () => DeleteGroupInput) input: DeleteGroupInput) {
    ctx.caller.need('groups:write');
    return { deletedGroupId: await this.groupService.delete(ctx, input) };
  }
}

@Resolver(() => Realm)
export class RealmGroupsResolver {
  constructor(
    private readonly groupService: GroupService,
  ) {}

  @FieldResolver(() => GroupConnection, { nullable: true, description: 'The realm’s groups; by name unless `orderBy` says otherwise. Null, with FORBIDDEN, for a caller that may not read them.' })
  groups(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => GroupFilter, { nullable: true }) filter?: GroupFilter,
    @Arg('orderBy', () => GroupOrder, { nullable: true }) orderBy?: GroupOrder,
  ) {
    ctx.caller.needOn('groups:read', { realmUuid: realm.uuid });
    return this.groupService.listInRealm(ctx, realm, { ...page, filter, orderBy }, listProjection(info, groupConnectionFields));
  }
}
