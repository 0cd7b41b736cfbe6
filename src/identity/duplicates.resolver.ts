import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import type { Context } from '../common/context';
import type { PageArgs } from '../common/pagination';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import { listProjection } from '../schema/projection';
import type { DuplicateService } from './duplicates.service';
import { DuplicatePairConnection, IdentityDuplicateConnection, identityDuplicateConnectionFields, LinkIdentitiesPayload } from './duplicates.type';
import { LinkIdentitiesInput } from './identity.inputs';
import type { IdentityKeys } from './identity.repository';
import { Identity } from './identity.type';

const rules = 'a hand-made identity (MANUAL) and one from the identity provider (IDP) with the same full name, display name, email local part, phone number or employee number';

/**
 * Identity.possibleDuplicates runs once per row of a list of identities, so it is bound to graphql-js
 * as this function, without type-graphql's wrapper (src/schema/build.ts, `hotFields`); the
 * decorated method declares the field and calls the same function.
 */
export function identityDuplicatesOf(duplicates: DuplicateService) {
  return (identity: IdentityKeys, args: PageArgs, ctx: Context, info: GraphQLResolveInfo) => {
    ctx.caller.needOn('identities:read', identity);
    return duplicates.duplicatesOf(ctx, identity, args, listProjection(info, identityDuplicateConnectionFields));
  };
}

@Resolver(() => Identity)
export class IdentityDuplicatesResolver {
  private readonly possibleDuplicatesOf: ReturnType<typeof identityDuplicatesOf>;

  constructor(private readonly duplicateService: DuplicateService) {
    this.possibleDuplicatesOf = identityDuplicatesOf(duplicateService);
  }

  @FieldResolver(() => IdentityDuplicateConnection, {
    nullable: true,
    description:
      `The identities of the realm that look like the same person — ${rules} (DuplicateReason) — oldest first, each with the rules that matched. ` +
      'Only pairs of a MANUAL and an IDP identity count; INVITED identities are left out. Needs `identities:read`: without it, null with FORBIDDEN.',
  })
  possibleDuplicates(@Root() identity: IdentityKeys, @Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType, @Info() info: GraphQLResolveInfo) {
    return this.possibleDuplicatesOf(identity, page, ctx, info);
  }

  @Mutation(() => LinkIdentitiesPayload, {
    nullable: true,
    description:
      'Merges a duplicate into an identity, in one transaction: the identity joins the duplicate’s groups it was not in, the duplicate is deleted, and the identity keeps its ID and fields — ' +
      'but a MANUAL identity takes an IDP duplicate’s `source` and `externalId`, so that the identity provider keeps managing the person. ' +
      'Logs IDENTITIES_LINKED, then the memberships added and removed, the duplicate’s IDENTITY_DELETED and the identity’s IDENTITY_UPDATED. ' +
      'Needs `identities:write` and `groups:write`. Refused: the same identity twice or two IDP identities (INVALID_INPUT), two realms (CROSS_REALM), ' +
      'an INVITED identity (INVALID_STATUS_TRANSITION), a stale `version` or `duplicateVersion` (VERSION_CONFLICT).',
  })
  async linkIdentities(@Ctx() ctx: Context, @Arg('input', () => LinkIdentitiesInput, { description: 'The identity that stays and the duplicate merged into it.' }) input: LinkIdentitiesInput) {
    ctx.caller.need('identities:write');
    ctx.caller.need('groups:write');
    return this.duplicateService.link(ctx, input);
  }
}

@Resolver(() => Realm)
export class RealmDuplicatesResolver {
  constructor(private readonly duplicateService: DuplicateService) {}

  @FieldResolver(() => DuplicatePairConnection, {
    nullable: true,
    description:
      `The realm’s suspected duplicates for an admin’s review: pairs of ${rules} (DuplicateReason). ` +
      'A page walks the smaller side in creation order and costs what that walk passes before the page is full: fast where pairs are many or a side is small, slower where they are rare among many identities of both sources; `totalCount` walks the whole side. ' +
      'Needs `identities:read`: without it, null with FORBIDDEN.',
  })
  possibleDuplicates(@Root() realm: RealmRow, @Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType) {
    ctx.caller.needOn('identities:read', { realmUuid: realm.uuid });
    return this.duplicateService.pairsOf(ctx, realm, page);
  }
}
