import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toGlobalId } from '../common/global-id';
import { PageArgsType } from '../common/connection.type';
import type { Context } from '../common/context';
import { CreateApiTokenInput, RevokeApiTokenInput } from './api-token.inputs';
import type { ApiTokenRow } from './api-token.repository';
import { ApiToken, ApiTokenConnection, CreateApiTokenPayload, RevokeApiTokenPayload, Viewer } from './api-token.type';
import { unauthenticated } from './caller';
import { satisfies, scopes } from './scopes';
import type { ApiTokenService } from './api-token.service';

@Resolver(() => ApiToken)
export class ApiTokenResolver {
  constructor(
    private readonly tokenService: ApiTokenService,
  ) {}

  @Query(() => ApiTokenConnection, { description: 'The API tokens the caller manages (tokens:write): all, or those of its realm. Never their secrets.' })
  apiTokens(@Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType) {
    return this.tokenService.list(ctx, page);
  }

  @Query(() => Viewer, {
    description: 'The token this request is made with: its name, its scopes and its realm (no scope needed). A console shows what the token may do, and hides what it may not.',
  })
  viewer(@Ctx() ctx: Context): Viewer {
    const token = ctx.caller.token;
    if (!token) throw unauthenticated('This needs an API token: send `Authorization: Bearer <token>`.');
    return {
      id: token.actor.id,
      name: token.actor.name,
      scopes: scopes.filter((scope) => token.scopes.has(scope)),
      effectiveScopes: scopes.filter((scope) => satisfies(token.scopes, scope)),
      realmId: token.realmUuid === null ? null : toGlobalId('Realm', token.realmUuid),
    };
  }

  @FieldResolver(() => ID, { nullable: true, description: 'The realm it is bound to; null: all realms.' })
  realmId(@Root() token: ApiTokenRow) {
    return token.realmUuid === null ? null : toGlobalId('Realm', token.realmUuid);
  }

  @Mutation(() => CreateApiTokenPayload, {
    nullable: true,
    description: 'A new token, with at most the scopes and realms of the token creating it. Its secret is in the payload, once. Needs `tokens:write`.',
  })
  createApiToken(@Ctx() ctx: Context, @Arg('input', () => CreateApiTokenInput, { description: 'The new token’s name, scopes, realm and expiry.' }) input: CreateApiTokenInput) {
    return this.tokenService.create(ctx, input);
  }

  @Mutation(() => RevokeApiTokenPayload, {
    nullable: true,
    description: 'The token stops working at once, and so do the tokens it created and theirs; their WebSocket connections close (4403). Needs `tokens:write`.',
  })
  revokeApiToken(@Ctx() ctx: Context, @Arg('input', () => RevokeApiTokenInput, { description: 'The token to revoke.' }) input: RevokeApiTokenInput) {
    return this.tokenService.revoke(ctx, input);
  }
}
