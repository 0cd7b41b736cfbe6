import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { AppError, ErrorCode, invalidInput } from '../common/errors';
import { parseGlobalId, type NodeType } from '../common/global-id';
import { Node } from '../common/node.type';
import type { Scope } from '../auth/scopes';
import type { Context } from './context';

const maxNodes = 1000;

const readScopes: Record<NodeType, Scope> = {
  Realm: 'realms:read',
  Identity: 'identities:read',
  Group: 'groups:read',
  Invitation: 'invitations:read',
  ApiToken: 'tokens:write',
};

function fetchNode(ctx: Context, id: string, path: ReadonlyArray<string | number>) {
  const parsed = parseGlobalId(id);
  if (!parsed) throw new AppError(ErrorCode.INVALID_ID, `"${id.slice(0, 60)}" is not a valid ID.`, path);
  const fetchers: Record<NodeType, (uuid: string) => Promise<unknown>> = {
    Realm: (uuid) => ctx.services.realms.get(ctx, uuid),
    Identity: (uuid) => ctx.services.identities.get(ctx, uuid),
    Group: (uuid) => ctx.services.groups.get(ctx, uuid),
    Invitation: (uuid) => ctx.services.invitations.get(ctx, uuid),
    ApiToken: (uuid) => ctx.services.tokens.get(ctx, uuid),
  };
  // The scope of the type asked for; another realm's object is simply not found (the loaders).
  ctx.caller.need(readScopes[parsed.type]);
  return fetchers[parsed.type](parsed.uuid);
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global ID; null when none has it.' })
  node(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return fetchNode(ctx, id, ['id']);
  }

  @Query(() => [Node], { nullable: 'items', description: 'Up to 1 000 objects by global ID, in the order asked; null for those not found.' })
  nodes(@Ctx() ctx: Context, @Arg('ids', () => [ID]) ids: string[]) {
    if (ids.length > maxNodes) throw invalidInput(['ids'], `Ask for at most ${maxNodes} IDs at once (you asked for ${ids.length}).`);
    return Promise.all(ids.map((id, index) => fetchNode(ctx, id, ['ids', index])));
  }
}
