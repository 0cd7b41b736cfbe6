import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import type { Context } from '../common/context';
import { CreateRealmInput, DeleteRealmInput, UpdateRealmInput } from './realm.inputs';
import { CreateRealmPayload, DeleteRealmPayload, Realm, RealmConnection, UpdateRealmPayload } from './realm.type';
import type { RealmService } from './realm.service';

@Resolver(() => Realm)
export class RealmResolver {
  constructor(
    private readonly realmService: RealmService,
  ) {}

  @Query(() => RealmConnection, { description: 'All realms, by name.' })
  realms(@Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType) {
    ctx.caller.need('realms:read');
    return this.realmService.list(ctx, page);
  }

  @Query(() => Realm, { nullable: true, description: 'One realm, by `id` or by `name` (give exactly one).' })
  realm(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true }) id?: string,
    @Arg('name', () => String, { nullable: true }) name?: string,
  ) {
    ctx.caller.need('realms:read');
    return this.realmService.find(ctx, { id, name });
  }

  @Mutation(() => CreateRealmPayload)
  async createRealm(@Ctx() ctx: Context, @Arg('input', () => CreateRealmInput) input: CreateRealmInput) {
    ctx.caller.needAllRealms('realms:write');
    return { realm: await this.realmService.create(ctx, input) };
  }

  @Mutation(() => UpdateRealmPayload, { description: 'Changes the fields given; omitted fields stay as they are.' })
  async updateRealm(@Ctx() ctx: Context, @Arg('input', () => UpdateRealmInput) input: UpdateRealmInput) {
    ctx.caller.need('realms:write');
    return { realm: await this.realmService.update(ctx, input) };
  }

  @Mutation(() => DeleteRealmPayload, { description: 'Deletes the realm with all its identities, groups and memberships.' })
  async deleteRealm(@Ctx() ctx: Context, @Arg('input', () => DeleteRealmInput) input: DeleteRealmInput) {
    ctx.caller.needAllRealms('realms:write');
    return { deletedRealmId: await this.realmService.delete(ctx, input) };
  }
}
