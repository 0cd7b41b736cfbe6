import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import {
  InvitationEventResolver,
  MembershipEventRelationsResolver,
  RealmEventInvitationResolver,
  RealmEventRelationsResolver,
  RealmEventsResolver,
} from '../events/event.resolver';
import { GroupResolver, RealmGroupsResolver } from '../group/group.resolver';
import { IdentityResolver, RealmIdentitiesResolver } from '../identity/identity.resolver';
import { InvitationResolver, RealmInvitationsResolver } from '../invitation/invitation.resolver';
import {
  AddGroupMembersPayloadResolver,
  GroupMembersResolver,
  IdentityGroupsResolver,
  RemoveGroupMembersPayloadResolver,
} from '../membership/membership.resolver';
import { RealmResolver } from '../realm/realm.resolver';
import { NodeResolver } from '../server/node.resolver';
import { ApiTokenResolver } from '../token/api-token.resolver';

export const resolvers = [
  NodeResolver,
  RealmResolver,
  RealmIdentitiesResolver,
  RealmGroupsResolver,
  IdentityResolver,
  IdentityGroupsResolver,
  GroupResolver,
  GroupMembersResolver,
  AddGroupMembersPayloadResolver,
  RemoveGroupMembersPayloadResolver,
  RealmInvitationsResolver,
  InvitationResolver,
  RealmEventsResolver,
  RealmEventRelationsResolver,
  MembershipEventRelationsResolver,
  RealmEventInvitationResolver,
  InvitationEventResolver,
  ApiTokenResolver,
] as const;

/**
 * type-graphql insists on a PubSub once a schema has subscriptions. Ours do not use it: each
 * subscription's `subscribe` reads the event log through the EventRelay (src/events).
 */
const noPubSub: PubSub = {
  publish: () => {
    throw new Error('Events are appended with appendEvents in a transaction, not published.');
  },
  subscribe: () => {
    throw new Error('Subscriptions read the event log through the EventRelay.');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/**
 * The executable schema, built once per process. No global middleware: one no-op middleware
 * cost 3.4× on nested reads here; checks live in resolvers and loaders.
 */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: [...resolvers], validate: false, pubSub: noPubSub });
  return built;
}
