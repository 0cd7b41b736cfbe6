import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import { listProjection } from '../schema/projection';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import type { Context } from '../common/context';
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
import type { IdentityKeys } from './identity.repository';
import {
  CreateIdentityPayload,
  DeleteIdentityPayload,
  DeprovisionIdentityPayload,
  Identity,
  IdentityConnection,
  identityConnectionFields,
  ReactivateIdentityPayload,
  SuspendIdentityPayload,
  UpdateIdentityPayload,
} from './identity.type';
import type { IdentityService } from './identity.service';
import type { RealmService } from '../realm/realm.service';

@Resolver(() => Identity)
export class IdentityResolver {
  constructor(
    private readonly realmService: RealmService,
    private readonly identityService: IdentityService,
  ) {}

  @FieldResolver(() => Realm)
  realm(@Root() identity: IdentityKeys, @Ctx() ctx: Context) {
    ctx.caller.needOn('realms:read', identity);
    return this.realmService.get(ctx, identity.realmUuid);
  }

  @Mutation(() => CreateIdentityPayload, { description: 'Creates an ACTIVE identity.' })
  async createIdentity(@Ctx() ctx: Context, @Arg('input', () => CreateIdentityInput) input: CreateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.create(ctx, input) };
  }

  @Mutation(() => UpdateIdentityPayload, { description: 'Changes the fields given; omitted fields stay as they are.' })
  async updateIdentity(@Ctx() ctx: Context, @Arg('input', () => UpdateIdentityInput) input: UpdateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.update(ctx, input) };
  }

  @Mutation(() => SuspendIdentityPayload, { description: 'ACTIVE → SUSPENDED.' })
  async suspendIdentity(@Ctx() ctx: Context, @Arg('input', () => SuspendIdentityInput) input: SuspendIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.changeStatus(ctx, input, 'SUSPEND') };
  }

  @Mutation(() => ReactivateIdentityPayload, { description: 'SUSPENDED or DEPROVISIONED → ACTIVE.' })
  async reactivateIdentity(@Ctx() ctx: Context, @Arg('input', () => ReactivateIdentityInput) input: ReactivateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.changeStatus(ctx, input, 'REACTIVATE') };
  }

  @Mutation(() => DeprovisionIdentityPayload, { description: 'ACTIVE or SUSPENDED → DEPROVISIONED.' })
  async deprovisionIdentity(@Ctx() ctx: Context, @Arg('input', () => DeprovisionIdentityInput) input: DeprovisionIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.changeStatus(ctx, input, 'DEPROVISION') };
  }

  @Mutation(() => DeleteIdentityPayload, { description: 'Deletes the identity and its memberships.' })
  async deleteIdentity(@Ctx() ctx: Context, @Arg('input', () => DeleteIdentityInput) input: DeleteIdentityInput) {
    ctx.caller.need('identities:write');
    return { deletedIdentityId: await this.identityService.delete(ctx, input) };
  }
}

@Resolver(() => Realm)
export class RealmIdentitiesResolver {
  constructor(
    private readonly identityService: IdentityService,
  ) {}

  @FieldResolver(() => IdentityConnection, { nullable: true, description: 'The realm’s identities; by creation time unless `orderBy` says otherwise. Null, with FORBIDDEN, for a caller that may not read them.' })
  identities(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => IdentityFilter, { nullable: true }) filter?: IdentityFilter,
    @Arg('orderBy', () => IdentityOrder, { nullable: true }) orderBy?: IdentityOrder,
  ) {
    ctx.caller.needOn('identities:read', { realmUuid: realm.uuid });
    return this.identityService.listInRealm(ctx, realm, { ...page, filter, orderBy }, listProjection(info, identityConnectionFields));
  }
}
