import { Field, ID, InputType, Int } from 'type-graphql';
import type { IdentityRole } from '../common/enums';
import { IdentityRoleEnum } from '../identity/identity.type';

@InputType({ description: 'Whom to invite into which realm, and what the identity gets once it accepts.' })
export class InviteIdentityInput {
  @Field(() => ID, { description: 'The realm to invite into.' })
  realmId: string;

  @Field({ description: 'Where the invitation goes; becomes the identity’s primary email. No identity of the realm may have it.' })
  email: string;

  @Field(() => IdentityRoleEnum, { defaultValue: 'GRANTEE', description: 'The identity’s role once it accepts.' })
  role: IdentityRole;

  @Field(() => String, { nullable: true, description: 'Also the display name until the invitee chooses one.' })
  fullName?: string | null;

  @Field(() => String, { nullable: true, description: 'E.164 with the country code, e.g. "+14155550100".' })
  phoneNumber?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Groups of the realm (up to 100) the identity joins when it accepts; those deleted by then are skipped.' })
  groupIds?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'How long the link works, 1 to 8 760 hours; INVITATION_TTL_HOURS (default 168, 7 days) when omitted.' })
  expiresInHours?: number | null;
}

@InputType({ description: 'The invitation link’s token and the names the invitee chose.' })
export class AcceptInvitationInput {
  @Field({ description: 'The token of the invitation link.' })
  token: string;

  @Field({ description: '1–64 characters.' })
  displayName: string;

  @Field({ description: 'Unique in the realm, case-insensitive; no spaces.' })
  username: string;
}

@InputType({ description: 'The invitation to revoke.' })
export class RevokeInvitationInput {
  @Field(() => ID, { description: 'A PENDING or EXPIRED invitation.' })
  id: string;
}

@InputType({ description: 'The invitation to send again, and for how long its new link works.' })
export class ResendInvitationInput {
  @Field(() => ID, { description: 'A PENDING or EXPIRED invitation.' })
  id: string;

  @Field(() => Int, { nullable: true, description: 'How long the new link works, 1 to 8 760 hours from now; INVITATION_TTL_HOURS when omitted.' })
  expiresInHours?: number | null;
}
