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
  IDENTITIES_LINKED = 'identities.linked',
  GROUP_CREATED = 'group.created',
  GROUP_UPDATED = 'group.updated',
  GROUP_DELETED = 'group.deleted',
  MEMBERSHIP_ADDED = 'membership.added',
  MEMBERSHIP_REMOVED = 'membership.removed',
  GROUP_NESTED = 'group.nested',
  GROUP_UNNESTED = 'group.unnested',
  INVITATION_CREATED = 'invitation.created',
  INVITATION_SENT = 'invitation.sent',
  INVITATION_RESENT = 'invitation.resent',
  INVITATION_ACCEPTED = 'invitation.accepted',
  INVITATION_REVOKED = 'invitation.revoked',
  INVITATION_EXPIRED = 'invitation.expired',
  INVITATION_DELIVERY_FAILED = 'invitation.delivery_failed',
  WEBHOOK_ENDPOINT_PAUSED = 'webhook.endpoint_paused',
}
registerEnumType(RealmEventType, {
  name: 'RealmEventType',
  description: 'What happened in a realm. `data` holds the details of each type.',
  valuesConfig: {
    IDENTITY_CREATED: { description: 'An identity was created (createIdentity, or inviteIdentity’s INVITED one); `data` is a snapshot of it.' },
    IDENTITY_UPDATED: { description: 'Fields of an identity changed; `data.changes` has each field’s `before` and `after`.' },
    IDENTITY_STATUS_CHANGED: { description: 'An identity’s status changed (suspended, reactivated, deprovisioned, or ACTIVE by accepting an invitation).' },
    IDENTITY_DELETED: { description: 'An identity was deleted, its memberships with it (a MEMBERSHIP_REMOVED each); `data` is its last snapshot.' },
    IDENTITIES_LINKED: {
      description:
        'linkIdentities merged a duplicate (`data.mergedIdentityId`, `data.mergedIdentity` its last snapshot) into the event’s identity. The events that follow it, ' +
        'from the same change, are its steps: a MEMBERSHIP_ADDED of the identity for each of the duplicate’s groups it lacked (`data.membershipsAdded`), ' +
        'a MEMBERSHIP_REMOVED of the duplicate for each group it was in (`data.membershipsRemoved`), the duplicate’s IDENTITY_DELETED, and an IDENTITY_UPDATED ' +
        'when the identity took the duplicate’s `source` and `externalId`.',
    },
    GROUP_CREATED: { description: 'A group was created; `data` is a snapshot of it.' },
    GROUP_UPDATED: { description: 'A group’s name or description changed; `data.changes` has `before` and `after`.' },
    GROUP_DELETED: {
      description:
        'A group was deleted, with all its memberships at once: `data.memberCount` says how many, and no MEMBERSHIP_REMOVED is logged for them — except for a group that sat in a tree ' +
        '(nested in a group, or holding one): its memberships were ended just before, a MEMBERSHIP_REMOVED each, and `memberCount` is 0. Its nestings, both ways, were ended just before it, a GROUP_UNNESTED each.',
    },
    MEMBERSHIP_ADDED: { description: 'An identity joined a group.' },
    MEMBERSHIP_REMOVED: { description: 'An identity left a group: removed, deleted, or its group deleted while it sat in a tree (nested in a group, or holding one).' },
    GROUP_NESTED: {
      description:
        'A group became a member of the event’s group (addGroupMembers’ `groupIds`, or a SCIM member of type Group): `group` is the parent, `data.memberGroupId` the group nested in it.',
    },
    GROUP_UNNESTED: {
      description:
        'A group stopped being a member of the event’s group (`group`, the parent; `data.memberGroupId`, the child): removed by removeGroupMembers, or one of the two was deleted — logged just before that group’s GROUP_DELETED.',
    },
    INVITATION_CREATED: { description: 'An invitation was made (inviteIdentity).' },
    INVITATION_SENT: { description: 'The mail server accepted an invitation’s email.' },
    INVITATION_RESENT: { description: 'An invitation got a new link (resendInvitation); the earlier ones stopped working.' },
    INVITATION_ACCEPTED: { description: 'An invitation was accepted: its identity is ACTIVE and in its groups.' },
    INVITATION_REVOKED: { description: 'An invitation was revoked, its INVITED identity deleted.' },
    INVITATION_EXPIRED: { description: 'An invitation passed `expiresAt` unaccepted.' },
    INVITATION_DELIVERY_FAILED: { description: 'An attempt to send an invitation’s email failed; `data` says why and whether it will be retried.' },
    WEBHOOK_ENDPOINT_PAUSED: {
      description:
        'A webhook endpoint was PAUSED until updateWebhookEndpoint sets it ACTIVE. `data`: `webhookEndpointId`, `url`, `reason` ' +
        '(RETRIES_EXHAUSTED: its retry schedule ran out on the delivery `deliveryId` of the event `eventId`; EVENTS_PRUNED: retention ' +
        'removed events after its cursor before it got them, `deliveryId` and `eventId` null).',
    },
  },
});

export enum MembershipEventType {
  ADDED = 'membership.added',
  REMOVED = 'membership.removed',
}
registerEnumType(MembershipEventType, {
  name: 'MembershipEventType',
  description: 'Whether an identity joined or left a group.',
  valuesConfig: {
    ADDED: { description: 'The identity joined the group (addGroupMembers, createGroup’s members, an accepted invitation, a duplicate’s group by linkIdentities).' },
    REMOVED: { description: 'The identity left the group (removeGroupMembers, or the identity was deleted, or merged into another by linkIdentities).' },
  },
});

export enum InvitationEventType {
  CREATED = 'invitation.created',
  SENT = 'invitation.sent',
  RESENT = 'invitation.resent',
  ACCEPTED = 'invitation.accepted',
  REVOKED = 'invitation.revoked',
  EXPIRED = 'invitation.expired',
  DELIVERY_FAILED = 'invitation.delivery_failed',
}
registerEnumType(InvitationEventType, {
  name: 'InvitationEventType',
  description: 'A step in an invitation’s life.',
  valuesConfig: {
    CREATED: { description: 'The invitation was made; its email is queued.' },
    SENT: { description: 'The mail server accepted its email.' },
    RESENT: { description: 'It got a new link; the earlier ones stopped working.' },
    ACCEPTED: { description: 'The invitee accepted it.' },
    REVOKED: { description: 'It was revoked.' },
    EXPIRED: { description: 'It passed `expiresAt` unaccepted.' },
    DELIVERY_FAILED: { description: 'An attempt to send its email failed; `data` has `attempts`, `error` and `willRetry`.' },
  },
});

@ObjectType({
  simpleResolvers: true,
  description:
    'Who made a change: the API token that made it, by its ID and its name when it did (`operator` for the token command at the shell). An event the server made itself — an invitation expiring, an email sent or failing — has none.',
})
export class EventActor {
  @Field(() => ID, { description: 'The API token’s ID (`operator` for the `token` command); the token may since have been revoked.' })
  id: string;

  @Field({ description: 'The API token’s name when the change was made.' })
  name: string;
}

@ObjectType()
abstract class EventFields {
  @Field({ description: 'Resume after this event: pass it as `after`. Ordered as the changes committed.' })
  cursor: string;

  @Field(() => ID, { description: 'Unique: drop an event whose id you have seen.' })
  id: string;

  @Field({ description: 'When the change committed.' })
  occurredAt: Date;

  @Field(() => EventActor, { nullable: true, description: 'Who made the change; null for the server’s own (an invitation expiring, an email sent or failing).' })
  actor: EventActor | null;
}

@ObjectType({ simpleResolvers: true, description: 'Any change in a realm, from its log.' })
export class RealmEvent extends EventFields {
  @Field(() => RealmEventType, { description: 'What happened.' })
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
      'The details: a snapshot for *_CREATED and *_DELETED, `changes: { field: { before, after } }` for updates, ' +
      '`{ mergedIdentityId, mergedIdentity, membershipsAdded, membershipsRemoved }` for IDENTITIES_LINKED. GROUP_DELETED ends all ' +
      'the group’s memberships at once: its `memberCount` says how many, and no MEMBERSHIP_REMOVED is logged for them.',
  })
  data: Record<string, unknown>;
}

@ObjectType({ simpleResolvers: true, description: 'An identity joined or left a group.' })
export class MembershipEvent extends EventFields {
  @Field(() => MembershipEventType, { description: 'Joined (ADDED) or left (REMOVED).' })
  type: MembershipEventType;

  @Field(() => ID, { description: 'The group whose membership changed (in a TRANSITIVE subscription, the watched group); it may since have been deleted.' })
  groupId: string;

  @Field(() => ID, { description: 'The identity; it may since have been deleted.' })
  identityId: string;

  @Field(() => Group, { nullable: true, description: 'The group as it is now; null once deleted.' })
  group: Group | null;

  @Field(() => Identity, { nullable: true, description: 'The identity as it is now; null once deleted.' })
  identity: Identity | null;

  @Field(() => RealmEventType, {
    description:
      'The logged change it comes from: the event itself (MEMBERSHIP_ADDED, MEMBERSHIP_REMOVED), or, in a TRANSITIVE subscription, also a GROUP_NESTED or GROUP_UNNESTED ' +
      'that brought the identity into the tree or took it out.',
  })
  cause: RealmEventType;

  @Field(() => ID, {
    description:
      'The group the logged change was about: the group joined or left (`groupId` itself in a DIRECT subscription), or the group nested in or taken out of the tree.',
  })
  viaGroupId: string;

  @Field(() => Group, { nullable: true, description: 'The group of `viaGroupId` as it is now; null once deleted.' })
  viaGroup: Group | null;
}

@ObjectType({ simpleResolvers: true, description: 'A step in an invitation’s life.' })
export class InvitationEvent extends EventFields {
  @Field(() => InvitationEventType, { description: 'What happened to the invitation.' })
  type: InvitationEventType;

  @Field(() => ID, { description: 'The invitation.' })
  invitationId: string;

  @Field(() => Invitation, { nullable: true, description: 'The invitation as it is now.' })
  invitation: Invitation | null;

  @Field(() => GraphQLJSONObject, { description: 'E.g. `{ attempts, error, willRetry }` for DELIVERY_FAILED.' })
  data: Record<string, unknown>;
}

@ObjectType({ simpleResolvers: true, description: 'An event in a page of the log, with its cursor.' })
export class RealmEventEdge extends EdgeType(RealmEvent) {}

@ObjectType({ simpleResolvers: true, description: 'A page of the event log, oldest first.' })
export class RealmEventConnection extends ConnectionType(RealmEventEdge) {}

