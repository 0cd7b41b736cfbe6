import 'reflect-metadata';
import { assertObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType, type PubSub } from 'type-graphql';
import type { Services } from '../app/services';
import { ApiTokenResolver } from '../auth/api-token.resolver';
import type { Context } from '../common/context';
import { DateTimeISO } from '../common/date-time.scalar';
import { EventStreams } from '../events/event-streams';
import {
  InvitationEventResolver,
  MembershipEventCauseResolver,
  MembershipEventRelationsResolver,
  RealmEventInvitationResolver,
  RealmEventRelationsResolver,
  RealmEventsResolver,
} from '../events/event.resolver';
import { GroupResolver, RealmGroupsResolver } from '../group/group.resolver';
import { identityDuplicatesOf, IdentityDuplicatesResolver, RealmDuplicatesResolver } from '../identity/duplicates.resolver';
import { IdentityResolver, RealmIdentitiesResolver } from '../identity/identity.resolver';
import { InvitationResolver, RealmInvitationsResolver } from '../invitation/invitation.resolver';
import {
  AddGroupMembersPayloadResolver,
  groupMembersOf,
  GroupMembersResolver,
  identityGroupsOf,
  IdentityGroupsResolver,
  GroupNestingResolver,
  LinkIdentitiesPayloadResolver,
  nestedGroupsOf,
  RemoveGroupMembersPayloadResolver,
  transitiveMemberCountOf,
} from '../membership/membership.resolver';
import { RealmResolver } from '../realm/realm.resolver';
import { ErrorCodeResolver } from '../server/error-code.resolver';
import { NodeResolver } from '../server/node.resolver';
import { RealmWebhookEndpointsResolver, WebhookDeliveryResolver, WebhookEndpointResolver } from '../webhook/webhook.resolver';

/** Each resolver class, made with the services it needs: the one place resolvers get their collaborators. */
function resolverInstances(services: Services): Map<Function, object> {
  const { realms, identities, duplicates, groups, memberships, invitations, events, tokens, webhooks } = services;
  return new Map<Function, object>([
    [NodeResolver, new NodeResolver(services)],
    [RealmResolver, new RealmResolver(realms)],
    [RealmIdentitiesResolver, new RealmIdentitiesResolver(identities)],
    [RealmGroupsResolver, new RealmGroupsResolver(groups)],
    [IdentityResolver, new IdentityResolver(realms, identities)],
    [IdentityGroupsResolver, new IdentityGroupsResolver(memberships)],
    [IdentityDuplicatesResolver, new IdentityDuplicatesResolver(duplicates)],
    [RealmDuplicatesResolver, new RealmDuplicatesResolver(duplicates)],
    [LinkIdentitiesPayloadResolver, new LinkIdentitiesPayloadResolver()],
    [GroupResolver, new GroupResolver(realms, groups)],
    [GroupMembersResolver, new GroupMembersResolver(memberships)],
    [GroupNestingResolver, new GroupNestingResolver(memberships)],
    [AddGroupMembersPayloadResolver, new AddGroupMembersPayloadResolver()],
    [RemoveGroupMembersPayloadResolver, new RemoveGroupMembersPayloadResolver()],
    [RealmInvitationsResolver, new RealmInvitationsResolver(invitations)],
    [InvitationResolver, new InvitationResolver(realms, invitations)],
    [RealmEventsResolver, new RealmEventsResolver(events)],
    [RealmEventRelationsResolver, new RealmEventRelationsResolver(identities, groups)],
    [MembershipEventRelationsResolver, new MembershipEventRelationsResolver(identities, groups)],
    [MembershipEventCauseResolver, new MembershipEventCauseResolver(groups)],
    [RealmEventInvitationResolver, new RealmEventInvitationResolver(invitations)],
    [InvitationEventResolver, new InvitationEventResolver(invitations)],
    [ApiTokenResolver, new ApiTokenResolver(tokens)],
    [WebhookEndpointResolver, new WebhookEndpointResolver(webhooks)],
    [WebhookDeliveryResolver, new WebhookDeliveryResolver(webhooks)],
    [RealmWebhookEndpointsResolver, new RealmWebhookEndpointsResolver(webhooks)],
    [ErrorCodeResolver, new ErrorCodeResolver()],
  ]);
}

const resolvers = [
  NodeResolver,
  RealmResolver,
  RealmIdentitiesResolver,
  RealmGroupsResolver,
  IdentityResolver,
  IdentityGroupsResolver,
  IdentityDuplicatesResolver,
  RealmDuplicatesResolver,
  LinkIdentitiesPayloadResolver,
  GroupResolver,
  GroupMembersResolver,
  GroupNestingResolver,
  AddGroupMembersPayloadResolver,
  RemoveGroupMembersPayloadResolver,
  RealmInvitationsResolver,
  InvitationResolver,
  RealmEventsResolver,
  RealmEventRelationsResolver,
  MembershipEventRelationsResolver,
  MembershipEventCauseResolver,
  RealmEventInvitationResolver,
  InvitationEventResolver,
  ApiTokenResolver,
  WebhookEndpointResolver,
  WebhookDeliveryResolver,
  RealmWebhookEndpointsResolver,
  ErrorCodeResolver,
] as const;

/**
 * Fields resolved once per row of a nested read, bound to graphql-js without type-graphql's
 * wrapper, which turns every argument into a class instance and validates it through a promise
 * (validateArg is async even with validation off), and has no hook to bind a field otherwise
 * (docs/decisions.md 81). The decorated methods declare these fields
 * and call the same functions (src/membership/membership.resolver.ts); this is the one place they
 * are bound, once the schema is built, and removing it would change the speed, not an answer.
 */
function hotFields(services: Services): ReadonlyArray<[type: string, field: string, resolve: GraphQLFieldResolver<any, Context, any>]> {
  return [
    ['Group', 'members', groupMembersOf(services.memberships)],
    ['Group', 'transitiveMemberCount', transitiveMemberCountOf(services.memberships)],
    ['Identity', 'groups', identityGroupsOf(services.memberships)],
    ['Group', 'memberGroups', nestedGroupsOf(services.memberships, 'memberGroups')],
    ['Group', 'parentGroups', nestedGroupsOf(services.memberships, 'parentGroups')],
    ['Identity', 'possibleDuplicates', identityDuplicatesOf(services.duplicates)],
  ];
}

/** The root types' descriptions, which type-graphql has no option for. */
const rootDescriptions = {
  Query:
    'What can be read. Every field needs an API token (`Authorization: Bearer <token>`) with the scope the field names; ' +
    'a token bound to a realm reaches that realm only.',
  Mutation:
    'What can be changed. Each mutation takes one `input`, is one transaction, and returns a payload naming what changed; ' +
    'a failed one changes nothing, is null, and answers an error with its `extensions.code` (ErrorCode). ' +
    'The mutations of one document run in order, each on its own: one refused does not undo or stop the others, whose payloads stand beside its null. ' +
    'All but acceptInvitation need an API token with the scope they name.',
  Subscription:
    'Changes as they commit, over WebSocket only (the graphql-ws protocol, at the same URL as HTTP). Pass `after` to replay what was missed, then go on live.',
};

/** No global middleware (one no-op middleware multiplied a nested read's time: docs/decisions.md 34): checks live in resolvers and loaders. */
async function build(container: ContainerType, pubSub: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({ resolvers: [...resolvers], container, pubSub, validate: false, scalarsMap: [{ type: Date, scalar: DateTimeISO }] });
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (root) root.description = rootDescriptions[root.name as keyof typeof rootDescriptions];
  }
  return schema;
}

/**
 * The executable schema of one app: its resolvers made with its services, its subscriptions
 * answered by its relay (src/events/event-streams.ts), the hot fields bound.
 */
export async function buildAppSchema(services: Services): Promise<GraphQLSchema> {
  const instances = resolverInstances(services);
  const schema = await build({ get: (resolverClass) => instances.get(resolverClass) }, new EventStreams(services.events));
  for (const [type, field, resolve] of hotFields(services)) assertObjectType(schema.getType(type)).getFields()[field].resolve = resolve;
  return schema;
}

const runsNothing: ContainerType & PubSub = {
  get: () => {
    throw new Error('getSchema() describes the API; an app executes the schema it builds with its services (buildAppSchema).');
  },
  publish: () => undefined,
  subscribe: () => {
    throw new Error('getSchema() describes the API; an app executes the schema it builds with its services (buildAppSchema).');
  },
};

let described: Promise<GraphQLSchema> | undefined;

/** The API's schema, to print (schema/schema.graphql), validate or walk; built once per process, it executes nothing. */
export function getSchema(): Promise<GraphQLSchema> {
  described ??= build(runsNothing, runsNothing);
  return described;
}
