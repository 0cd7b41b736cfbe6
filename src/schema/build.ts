import 'reflect-metadata';
import { assertObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { DateTimeISO } from '../common/date-time.scalar';
import type { Context } from '../server/context';
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
  groupMembers,
  GroupMembersResolver,
  identityGroups,
  IdentityGroupsResolver,
  RemoveGroupMembersPayloadResolver,
} from '../membership/membership.resolver';
import { RealmResolver } from '../realm/realm.resolver';
import { NodeResolver } from '../server/node.resolver';
import { ApiTokenResolver } from '../auth/api-token.resolver';

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

/**
 * Fields resolved once per row of a nested read, bound to graphql-js without type-graphql's wrapper:
 * it turns every argument into a class instance and validates it through a promise (validateArg is
 * async even with validation off), ≈ 10 % of a nested read's time (bench/ANALYSIS.md). These
 * functions take graphql-js' coerced arguments as they are; the decorated methods declare the fields.
 */
// Rows and arguments as graphql-js passes them (untyped there); each function declares what it takes.
const perRowFields: ReadonlyArray<[type: string, field: string, resolve: GraphQLFieldResolver<any, Context, any>]> = [
  ['Group', 'members', groupMembers],
  ['Identity', 'groups', identityGroups],
];

let built: Promise<GraphQLSchema> | undefined;

/**
 * The executable schema, built once per process. No global middleware: one no-op middleware
 * cost 3.4× on nested reads here; checks live in resolvers and loaders.
 */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [...resolvers],
    validate: false,
    pubSub: noPubSub,
    scalarsMap: [{ type: Date, scalar: DateTimeISO }],
  }).then((schema) => {
    for (const [type, field, resolve] of perRowFields) assertObjectType(schema.getType(type)).getFields()[field].resolve = resolve;
    return schema;
  });
  return built;
}
