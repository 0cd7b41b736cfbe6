import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Group } from '../group/group.type';
import { Identity } from '../identity/identity.type';
import { Invitation } from '../invitation/invitation.type';

/** Every event type; the GraphQL names of the log's dotted types. */
export enum RealmEventType {
  IDENTITY_CREATED = 'identity.created',
  IDENTITY_UPDATED = 'identity.updated',
  IDENTITY_STATUS_CHANGED = 'identity.status_changed',
  IDENTITY_DELETED = 'identity.deleted',
  GROUP_CREATED = 'group.created',
  GROUP_UPDATED = 'group.updated',
  GROUP_DELETED = 'group.deleted',
  MEMBERSHIP_ADDED = 'membership.added',
  MEMBERSHIP_REMOVED = 'membership.removed',
  INVITATION_CREATED = 'invitation.created',
  INVITATION_SENT = 'invitation.sent',
  INVITATION_RESENT = 'invitation.resent',
  INVITATION_ACCEPTED = 'invitation.accepted',
  INVITATION_REVOKED = 'invitation.revoked',
  INVITATION_EXPIRED = 'invitation.expired',
  INVITATION_DELIVERY_FAILED = 'invitation.delivery_failed',
}
registerEnumType(RealmEventType, { name: 'RealmEventType', description: 'What happened in a realm.' });

export enum MembershipEventType {
  ADDED = 'membership.added',
  REMOVED = 'membership.removed',
}
registerEnumType(MembershipEventType, { name: 'MembershipEventType' });

export enum InvitationEventType {
  CREATED = 'invitation.created',
  SENT = 'invitation.sent',
  RESENT = 'invitation.resent',
  ACCEPTED = 'invitation.accepted',
  REVOKED = 'invitation.revoked',
  EXPIRED = 'invitation.expired',
  DELIVERY_FAILED = 'invitation.delivery_failed',
}
registerEnumType(InvitationEventType, { name: 'InvitationEventType' });

@ObjectType({
  simpleResolvers: true,
  description:
    'Who made a change: the API token that made it, by its ID and its name when it did (`operator` for the token command at the shell). An event the server made itself — an invitation expiring, an email sent or failing — has none.',
})
export class EventActor {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;
}

@ObjectType()
abstract class EventFields {
  @Field({ description: 'Resume after this event: pass it as `after`. Ordered as the changes committed.' })
  cursor: string;

  @Field(() => ID, { description: 'Unique: drop an event whose id you have seen.' })
  id: string;

  @Field()
  occurredAt: Date;

  @Field(() => EventActor, { nullable: true })
  actor: EventActor | null;
}

@ObjectType({ simpleResolvers: true, description: 'Any change in a realm, from its log.' })
export class RealmEvent extends EventFields {
  @Field(() => RealmEventType)
  type: RealmEventType;

  @Field(() => ID, { nullable: true, description: 'The identity it concerns, if any (it may since have been deleted).' })
  identityId: string | null;

  @Field(() => ID, { nullable: true, description: 'The group it concerns, if any.' })
  groupId: string | null;

  @Field(() => ID, { nullable: true, description: 'The invitation it concerns, if any.' })
  invitationId: string | null;

  @Field(() => Identity, { nullable: true, description: 'The identity as it is now; null once deleted.' })
  identity: Identity | null;

  @Field(() => Group, { nullable: true, description: 'The group as it is now; null once deleted.' })
  group: Group | null;

  @Field(() => Invitation, { nullable: true, description: 'The invitation as it is now.' })
  invitation: Invitation | null;

  @Field(() => GraphQLJSONObject, {
    description:
      'The details: a snapshot for *_CREATED and *_DELETED, `changes: { field: { before, after } }` for updates. GROUP_DELETED ends all ' +
      'the group’s memberships at once: its `memberCount` says how many, and no MEMBERSHIP_REMOVED is logged for them.',
  })
  data: Record<string, unknown>;
}

@ObjectType({ simpleResolvers: true, description: 'An identity joined or left a group.' })
export class MembershipEvent extends EventFields {
  @Field(() => MembershipEventType)
  type: MembershipEventType;

  @Field(() => ID)
  groupId: string;

  @Field(() => ID)
  identityId: string;

  @Field(() => Group, { nullable: true, description: 'The group as it is now; null once deleted.' })
  group: Group | null;

  @Field(() => Identity, { nullable: true, description: 'The identity as it is now; null once deleted.' })
  identity: Identity | null;
}

@ObjectType({ simpleResolvers: true, description: 'A step in an invitation’s life.' })
export class InvitationEvent extends EventFields {
  @Field(() => InvitationEventType)
  type: InvitationEventType;

  @Field(() => ID)
  invitationId: string;

  @Field(() => Invitation, { nullable: true, description: 'The invitation as it is now.' })
  invitation: Invitation | null;

  @Field(() => GraphQLJSONObject, { description: 'E.g. `{ attempts, error, willRetry }` for DELIVERY_FAILED.' })
  data: Record<string, unknown>;
}

@ObjectType({ simpleResolvers: true })
export class RealmEventEdge extends EdgeType(RealmEvent) {}

@ObjectType({ simpleResolvers: true, description: 'A page of the event log, oldest first.' })
export class RealmEventConnection extends ConnectionType(RealmEventEdge) {}

