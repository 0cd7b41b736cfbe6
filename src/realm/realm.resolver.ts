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

  @Query(() => RealmConnection, { description: 'All realms the token reaches (only its own for a token bound to one), ordered by name. Needs `realms:read`.' })
  realms(@Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType) {
    ctx.caller.need('realms:read');
    return this.realmService.list(ctx, page);
  }

  @Query(() => Realm, { nullable: true, description: 'One realm, by `id` or by `name` (give exactly one); null when none has it. Needs `realms:read`.' })
  realm(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true, description: 'The realm’s global ID.' }) id?: string,
    @Arg('name', () => String, { nullable: true, description: 'The realm’s unique name, e.g. "acme-prod".' }) name?: string,
  ) {
    ctx.caller.need('realms:read');
    return this.realmService.find(ctx, { id, name });
  }

  @Mutation(() => CreateRealmPayload, {
    nullable: true,
    description: 'Creates an empty realm. Needs `realms:write` on a token for all realms; DUPLICATE_REALM_NAME when the name is taken.',
  })
  async createRealm(@Ctx() ctx: Context, @Arg('input', () => CreateRealmInput, { description: 'The new realm’s names.' }) input: CreateRealmInput) {
    ctx.caller.needAllRealms('realms:write');
    return { realm: await this.realmService.create(ctx, input) };
  }

  @Mutation(() => UpdateRealmPayload, { nullable: true, description: 'Changes the fields given; omitted fields stay as they are. Needs `realms:write`.' })
  async updateRealm(@Ctx() ctx: Context, @Arg('input', () => UpdateRealmInput, { description: 'The realm, the version you read, and the new values.' }) input: UpdateRealmInput) {
    ctx.caller.need('realms:write');
    return { realm: await this.realmService.update(ctx, input) };
  }

  @Mutation(() => DeleteRealmPayload, {
    nullable: true,
    description: 'Deletes the realm with all its identities, groups, memberships, invitations and events, at once and for good. Needs `realms:write` on a token for all realms.',
  })
  async deleteRealm(@Ctx() ctx: Context, @Arg('input', () => DeleteRealmInput, { description: 'The realm to delete.' }) input: DeleteRealmInput) {
    ctx.caller.needAllRealms('realms:write');
    return { deletedRealmId: await this.realmService.delete(ctx, input) };
  }
}
