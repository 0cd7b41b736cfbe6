import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { emailStatuses, invitationStatuses, type EmailStatus, type IdentityRole, type InvitationStatus } from '../common/enums';
import { Node } from '../common/node.type';
import { Identity, IdentityRoleEnum } from '../identity/identity.type';

const asEnum = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const InvitationStatusEnum = asEnum(invitationStatuses);
registerEnumType(InvitationStatusEnum, {
  name: 'InvitationStatus',
  description: 'PENDING → ACCEPTED by its token, PENDING → EXPIRED at `expiresAt`, PENDING or EXPIRED → REVOKED; resending makes an EXPIRED one PENDING again.',
  valuesConfig: {
    PENDING: { description: 'Sent (or being sent) and not used yet; its token works until `expiresAt`.' },
    ACCEPTED: { description: 'The invitee accepted: the identity is ACTIVE and in the invitation’s groups.' },
    REVOKED: { description: 'Withdrawn: its token no longer works and its invited identity was deleted.' },
    EXPIRED: { description: 'Not accepted in time; resend it to send a new link.' },
  },
});

export const InvitationDeliveryStateEnum = asEnum(emailStatuses);
registerEnumType(InvitationDeliveryStateEnum, {
  name: 'InvitationDeliveryState',
  description: 'Where an invitation’s email stands: QUEUED until the mail server takes it (SENT), the attempts run out (FAILED) or it is no longer wanted (CANCELLED).',
  valuesConfig: {
    QUEUED: { description: 'Waiting to be sent, or to be tried again after a failure (`lastError`, `nextAttemptAt`).' },
    SENT: { description: 'The mail server accepted the message.' },
    FAILED: { description: 'Given up after the last attempt; `lastError` says why. Resend the invitation to try again.' },
    CANCELLED: { description: 'Not sent: the invitation was revoked, resent (a newer message replaced it) or expired first.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'Where the email of an invitation (its latest one, after a resend) stands.' })
export class InvitationDelivery {
  @Field(() => InvitationDeliveryStateEnum, { description: 'QUEUED, SENT, FAILED or CANCELLED.' })
  state: EmailStatus;

  @Field(() => Int, { description: 'Attempts made so far, including one in progress.' })
  attempts: number;

  @Field(() => Date, {
    nullable: true,
    description: 'When the latest attempt began, recorded before the message went to the mail server. QUEUED with no `lastError`: that attempt is under way, or was lost in flight and is retried at `nextAttemptAt`.',
  })
  lastAttemptAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last failed attempt failed, as the mail server or network said; null once SENT.' })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: 'When the mail server accepted the message; null until SENT.' })
  sentAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due, while QUEUED.' })
  nextAttemptAt: Date | null;
}

@ObjectType({ implements: Node, simpleResolvers: true, description: 'An invitation by email to join a realm, with a single-use link.' })
export class Invitation extends Node {
  @Field({ description: 'The address the invitation went to; the identity’s primary email once accepted.' })
  email: string;

  @Field(() => IdentityRoleEnum, { description: 'The role the identity has once it accepts.' })
  role: IdentityRole;

  @Field(() => String, { nullable: true, description: 'The invitee’s full name, when the inviter gave one.' })
  fullName: string | null;

  @Field(() => String, { nullable: true, description: 'The invitee’s phone number in E.164, when the inviter gave one.' })
  phoneNumber: string | null;

  @Field(() => InvitationStatusEnum, { description: 'PENDING past `expiresAt` reads EXPIRED.' })
  status: InvitationStatus;

  // `deliveryStatus`, `identity` and `realm` are resolved through loaders (invitation.resolver.ts).

  @Field({ description: 'The link stops working at this time; resending restarts it.' })
  expiresAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the invitee accepted; null unless ACCEPTED.' })
  acceptedAt: Date | null;

  @Field({ description: 'When the invitation was made (a resend keeps it).' })
  createdAt: Date;
}

@ObjectType({ simpleResolvers: true, description: 'An invitation in a page of invitations, with its cursor.' })
export class InvitationEdge extends EdgeType(Invitation) {}

@ObjectType({ simpleResolvers: true, description: 'A page of a realm’s invitations, oldest first.' })
export class InvitationConnection extends ConnectionType(InvitationEdge) {}

@ObjectType({ simpleResolvers: true })
abstract class InvitationPayload {
  @Field(() => Invitation, { description: 'The invitation as it is now, after the change.' })
  invitation: Invitation;
}

@ObjectType({ simpleResolvers: true, description: 'What inviteIdentity made.' })
export class InviteIdentityPayload extends InvitationPayload {}

@ObjectType({ simpleResolvers: true, description: 'The invitation revokeInvitation revoked.' })
export class RevokeInvitationPayload extends InvitationPayload {}

@ObjectType({ simpleResolvers: true, description: 'The invitation resendInvitation sent again.' })
export class ResendInvitationPayload extends InvitationPayload {}

@ObjectType({ simpleResolvers: true, description: 'What accepting an invitation made.' })
export class AcceptInvitationPayload {
  @Field(() => Identity, { description: 'The identity, now ACTIVE and in the invitation’s groups.' })
  identity: Identity;
}
