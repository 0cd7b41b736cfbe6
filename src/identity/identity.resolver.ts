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

  @FieldResolver(() => Realm, { description: 'The realm the identity belongs to. Needs `realms:read`.' })
  realm(@Root() identity: IdentityKeys, @Ctx() ctx: Context) {
    ctx.caller.needOn('realms:read', identity);
    return this.realmService.get(ctx, identity.realmUuid);
  }

  @Mutation(() => CreateIdentityPayload, {
    nullable: true,
    description: 'Creates an ACTIVE identity. Needs `identities:write`; a taken username, email or external ID is refused (DUPLICATE_*, IDP_IDENTITY_CONFLICT).',
  })
  async createIdentity(@Ctx() ctx: Context, @Arg('input', () => CreateIdentityInput, { description: 'The new identity.' }) input: CreateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.create(ctx, input) };
  }

  @Mutation(() => UpdateIdentityPayload, { nullable: true, description: 'Changes the fields given; omitted fields stay as they are. Needs `identities:write`.' })
  async updateIdentity(@Ctx() ctx: Context, @Arg('input', () => UpdateIdentityInput, { description: 'The identity, the version you read, and the new values.' }) input: UpdateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.update(ctx, input) };
  }

  @Mutation(() => SuspendIdentityPayload, {
    nullable: true,
    description: 'ACTIVE → SUSPENDED; it keeps its groups. Needs `identities:write`; from another status, INVALID_STATUS_TRANSITION.',
  })
  async suspendIdentity(@Ctx() ctx: Context, @Arg('input', () => SuspendIdentityInput, { description: 'The identity to suspend.' }) input: SuspendIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.changeStatus(ctx, input, 'SUSPEND') };
  }

  @Mutation(() => ReactivateIdentityPayload, {
    nullable: true,
    description: 'SUSPENDED or DEPROVISIONED → ACTIVE. Needs `identities:write`; from another status, INVALID_STATUS_TRANSITION.',
  })
  async reactivateIdentity(@Ctx() ctx: Context, @Arg('input', () => ReactivateIdentityInput, { description: 'The identity to reactivate.' }) input: ReactivateIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.changeStatus(ctx, input, 'REACTIVATE') };
  }

  @Mutation(() => DeprovisionIdentityPayload, {
    nullable: true,
    description: 'ACTIVE or SUSPENDED → DEPROVISIONED; it keeps its record and groups until deleted. Needs `identities:write`; from another status, INVALID_STATUS_TRANSITION.',
  })
  async deprovisionIdentity(@Ctx() ctx: Context, @Arg('input', () => DeprovisionIdentityInput, { description: 'The identity to deprovision.' }) input: DeprovisionIdentityInput) {
    ctx.caller.need('identities:write');
    return { identity: await this.identityService.changeStatus(ctx, input, 'DEPROVISION') };
  }

  @Mutation(() => DeleteIdentityPayload, {
    nullable: true,
    description: 'Deletes the identity and its memberships, for good. Needs `identities:write`. An INVITED identity belongs to its invitation: revoke that instead (INVALID_STATUS_TRANSITION).',
  })
  async deleteIdentity(@Ctx() ctx: Context, @Arg('input', () => DeleteIdentityInput, { description: 'The identity to delete.' }) input: DeleteIdentityInput) {
    ctx.caller.need('identities:write');
    return { deletedIdentityId: await this.identityService.delete(ctx, input) };
  }
}

@Resolver(() => Realm)
export class RealmIdentitiesResolver {
  constructor(
    private readonly identityService: IdentityService,
  ) {}

  @FieldResolver(() => IdentityConnection, { nullable: true, description: 'The realm’s identities, invited ones included; by creation time unless `orderBy` says otherwise. Needs `identities:read`: without it, null with FORBIDDEN.' })
  identities(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => IdentityFilter, { nullable: true, description: 'Only the identities that match; all when omitted.' }) filter?: IdentityFilter,
    @Arg('orderBy', () => IdentityOrder, { nullable: true, description: 'The order; by creation time, ascending, when omitted.' }) orderBy?: IdentityOrder,
  ) {
    ctx.caller.needOn('identities:read', { realmUuid: realm.uuid });
    return this.identityService.listInRealm(ctx, realm, { ...page, filter, orderBy }, listProjection(info, identityConnectionFields));
  }
}
