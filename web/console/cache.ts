import { cacheExchange, type Cache, type Data, type Variables } from '@urql/exchange-graphcache';
import { schemaFacts } from './schema-facts';

/** Drops every cached page of `field` on the entity (any arguments): the views showing one fetch it again. */
function invalidateField(cache: Cache, typename: string, id: string | null | undefined, field: string): void {
  if (!id) return;
  const entity = { __typename: typename, id };
  for (const cached of cache.inspectFields(entity)) {
    if (cached.fieldName === field) cache.invalidate(entity, cached.fieldName, cached.arguments ?? undefined);
  }
}

const input = (args: Variables) => (args.input ?? {}) as Record<string, unknown>;
const ids = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : []);

/**
 * A mutation's payload updates the objects it returns by itself (same `id`, new fields); what the
 * cache cannot know is which lists an object joins or leaves. These say so: the lists are dropped,
 * and a view showing one reads it again.
 */
function membershipChanged(cache: Cache, groupId: string, identityIds: string[], groupIds: string[] = []): void {
  invalidateField(cache, 'Group', groupId, 'members');
  invalidateField(cache, 'Group', groupId, 'memberGroups');
  for (const id of identityIds) invalidateField(cache, 'Identity', id, 'groups');
  for (const id of groupIds) invalidateField(cache, 'Group', id, 'parentGroups');
}

export function consoleCache() {
  return cacheExchange({
    // Connections, edges, payloads: no `id`, stored inside their parent. `possibleTypes`: the concrete
    // types behind `Node`, so that `node(id) { ... on Group }` is read from the cache without guessing.
    keys: Object.fromEntries(schemaFacts.embedded.map((type) => [type, () => null])),
    possibleTypes: schemaFacts.possibleTypes,
    updates: {
      Mutation: {
        createIdentity: (_result: Data, args: Variables, cache: Cache) => invalidateField(cache, 'Realm', input(args).realmId as string, 'identities'),
        deleteIdentity: (_result: Data, args: Variables, cache: Cache) => cache.invalidate({ __typename: 'Identity', id: input(args).id as string }),
        createGroup: (_result: Data, args: Variables, cache: Cache) => {
          invalidateField(cache, 'Realm', input(args).realmId as string, 'groups');
          for (const id of ids(input(args).memberIds)) invalidateField(cache, 'Identity', id, 'groups');
        },
        deleteGroup: (_result: Data, args: Variables, cache: Cache) => cache.invalidate({ __typename: 'Group', id: input(args).id as string }),
        addGroupMembers: (_result: Data, args: Variables, cache: Cache) =>
          membershipChanged(cache, input(args).groupId as string, ids(input(args).identityIds), ids(input(args).groupIds)),
        removeGroupMembers: (_result: Data, args: Variables, cache: Cache) =>
          membershipChanged(cache, input(args).groupId as string, ids(input(args).identityIds), ids(input(args).groupIds)),
        inviteIdentity: (_result: Data, args: Variables, cache: Cache) => {
          invalidateField(cache, 'Realm', input(args).realmId as string, 'invitations');
          // The invitation made an INVITED identity.
          invalidateField(cache, 'Realm', input(args).realmId as string, 'identities');
        },
      },
      Subscription: {
        membershipChanged: (result: Data, _args: Variables, cache: Cache) => {
          const event = result.membershipChanged as { groupId: string; identityId: string; viaGroupId: string } | null;
          if (!event) return;
          membershipChanged(cache, event.groupId, [event.identityId]);
          // Followed TRANSITIVE, the change may be in a nested group: its own pages are stale too.
          if (event.viaGroupId && event.viaGroupId !== event.groupId) membershipChanged(cache, event.viaGroupId, [event.identityId]);
        },
        invitationChanged: (_result: Data, args: Variables, cache: Cache) => invalidateField(cache, 'Realm', args.realmId as string, 'invitations'),
      },
    },
  });
}
