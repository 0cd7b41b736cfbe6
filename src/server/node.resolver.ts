import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { AppError, ErrorCode, invalidInput } from '../common/errors';
import { parseGlobalId, type NodeType } from '../common/global-id';
import { Node } from '../common/node.type';
import type { Scope } from '../auth/scopes';
import type { ApiTokenService } from '../auth/api-token.service';
import type { Context } from '../common/context';
import type { GroupService } from '../group/group.service';
import type { IdentityService } from '../identity/identity.service';
import type { InvitationService } from '../invitation/invitation.service';
import type { RealmService } from '../realm/realm.service';
import type { WebhookService } from '../webhook/webhook.service';

const maxNodes = 1000;

const readScopes: Record<NodeType, Scope> = {
  Realm: 'realms:read',
  Identity: 'identities:read',
  Group: 'groups:read',
  Invitation: 'invitations:read',
  ApiToken: 'tokens:write',
  WebhookEndpoint: 'webhooks:read',
  WebhookDelivery: 'webhooks:read',
};

@Resolver()
export class NodeResolver {
  private readonly fetchers: Record<NodeType, (ctx: Context, uuid: string) => Promise<unknown>>;

  constructor(services: { realms: RealmService; identities: IdentityService; groups: GroupService; invitations: InvitationService; tokens: ApiTokenService; webhooks: WebhookService }) {
    this.fetchers = {
      Realm: (ctx, uuid) => services.realms.get(ctx, uuid),
      Identity: (ctx, uuid) => services.identities.get(ctx, uuid),
      Group: (ctx, uuid) => services.groups.get(ctx, uuid),
      Invitation: (ctx, uuid) => services.invitations.get(ctx, uuid),
      ApiToken: (ctx, uuid) => services.tokens.get(ctx, uuid),
      WebhookEndpoint: (ctx, uuid) => services.webhooks.getEndpoint(ctx, uuid),
      WebhookDelivery: (ctx, uuid) => services.webhooks.getDelivery(ctx, uuid),
    };
  }

  @Query(() => Node, {
    nullable: true,
    description: 'Any object by its global ID; null when none has it, or it is in a realm the token does not reach. Needs the read scope of its type (`groups:read` for a Group, …).',
  })
  node(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'A global ID this API gave out.' }) id: string) {
    return this.fetch(ctx, id, ['id']);
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: 'Up to 1 000 objects by global ID, in the order asked; null for those not found. Needs the read scope of each one’s type.',
  })
  nodes(@Ctx() ctx: Context, @Arg('ids', () => [ID], { description: 'At most 1 000 global IDs, of any types.' }) ids: string[]) {
    if (ids.length > maxNodes) throw invalidInput(['ids'], `Ask for at most ${maxNodes} IDs at once (you asked for ${ids.length}).`);
    return Promise.all(ids.map((id, index) => this.fetch(ctx, id, ['ids', index])));
  }

  private fetch(ctx: Context, id: string, path: ReadonlyArray<string | number>) {
    const parsed = parseGlobalId(id);
    if (!parsed) throw new AppError(ErrorCode.INVALID_ID, `"${id.slice(0, 60)}" is not a valid ID.`, path);
    // The scope of the type asked for; another realm's object is simply not found (the loaders).
    ctx.caller.need(readScopes[parsed.type]);
    return this.fetchers[parsed.type](ctx, parsed.uuid);
  }
}
