import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import { listSelection } from '../common/selection';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import type { Context } from '../server/context';
import {
  CreateIdentityInput,
  DeleteIdentityInput,
  DeprovisionIdentityInput,
  IdentityFilter,
  IdentityOrder,
  ReactivateIdentityInput,
  SuspendIdentityInput,
  UpdateIdentityInput,
} from './identity.inputs';
import type { IdentityRow } from './identity.repository';
import {
  CreateIdentityPayload,
  DeleteIdentityPayload,
  DeprovisionIdentityPayload,
  Identity,
  IdentityConnection,
  ReactivateIdentityPayload,
  SuspendIdentityPayload,
  UpdateIdentityPayload,
} from './identity.type';

@Resolver(() => Identity)
export class IdentityResolver {
  @FieldResolver(() => Realm)
  realm(@Root() identity: IdentityRow, @Ctx() ctx: Context) {
    ctx.caller.need('realms:read');
    return ctx.services.realms.get(ctx, identity.realmUuid);
  }

  @Mutation(() => CreateIdentityPayload, { description: 'Creates an ACTIVE identity.' })
  async createIdentity(@Ctx() ctx: Context, @Arg('input', () => CreateIdentityInput) input: CreateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await ctx.services.identities.create(ctx, input) };
  }

  @Mutation(() => UpdateIdentityPayload, { description: 'Changes the fields given; omitted fields stay as they are.' })
  async updateIdentity(@Ctx() ctx: Context, @Arg('input', () => UpdateIdentityInput) input: UpdateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await ctx.services.identities.update(ctx, input) };
  }

  @Mutation(() => SuspendIdentityPayload, { description: 'ACTIVE → SUSPENDED.' })
  async suspendIdentity(@Ctx() ctx: Context, @Arg('input', () => SuspendIdentityInput) input: SuspendIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await ctx.services.identities.changeStatus(ctx, input, 'SUSPEND') };
  }

  @Mutation(() => ReactivateIdentityPayload, { description: 'SUSPENDED or DEPROVISIONED → ACTIVE.' })
  async reactivateIdentity(@Ctx() ctx: Context, @Arg('input', () => ReactivateIdentityInput) input: ReactivateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await ctx.services.identities.changeStatus(ctx, input, 'REACTIVATE') };
  }

  @Mutation(() => DeprovisionIdentityPayload, { description: 'ACTIVE or SUSPENDED → DEPROVISIONED.' })
  async deprovisionIdentity(@Ctx() ctx: Context, @Arg('input', () => DeprovisionIdentityInput) input: DeprovisionIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await ctx.services.identities.changeStatus(ctx, input, 'DEPROVISION') };
  }

  @Mutation(() => DeleteIdentityPayload, { description: 'Deletes the identity and its memberships.' })
  async deleteIdentity(@Ctx() ctx: Context, @Arg('input', () => DeleteIdentityInput) input: DeleteIdentityInput) {
    ctx.caller.need('identities:write');
    return { deletedIdentityId: await ctx.services.identities.delete(ctx, input) };
  }
}

@Resolver(() => Realm)
export class RealmIdentitiesResolver {
  @FieldResolver(() => IdentityConnection, { description: 'The realm’s identities; by creation time unless `orderBy` says otherwise.' })
  identities(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => IdentityFilter, { nullable: true }) filter?: IdentityFilter,
    @Arg('orderBy', () => IdentityOrder, { nullable: true }) orderBy?: IdentityOrder,
  ) {
    ctx.caller.need('identities:read');
    return ctx.services.identities.listInRealm(ctx, realm, { ...page, filter, orderBy }, listSelection(info));
  }
}
