import { Field, ID, InputType, Int } from 'type-graphql';
import { OrderDirection } from '../common/connection.type';
import { registerEnumType } from 'type-graphql';
import type { IdentityRole, IdentitySource, IdentityStatus } from '../common/enums';
import { IdentityRoleEnum, IdentitySourceEnum, IdentityStatusEnum } from './identity.type';
import { filterableProfileFields, profileAttributes, profileFields, profileMaxLength, type Profile } from './identity-profile';

export enum IdentityOrderField {
  CREATED_AT = 'CREATED_AT',
  DISPLAY_NAME = 'DISPLAY_NAME',
  USERNAME = 'USERNAME',
  PRIMARY_EMAIL = 'PRIMARY_EMAIL',
}
registerEnumType(IdentityOrderField, {
  name: 'IdentityOrderField',
  description: 'What a realm’s identities can be ordered by. Text fields sort case-insensitively, by code point.',
  valuesConfig: {
    CREATED_AT: { description: 'By creation time (the default).' },
    DISPLAY_NAME: { description: 'By display name.' },
    USERNAME: { description: 'By username.' },
    PRIMARY_EMAIL: { description: 'By primary email address.' },
  },
});

@InputType({ description: 'The order of a realm’s identities.' })
export class IdentityOrder {
  @Field(() => IdentityOrderField, { description: 'What to order by.' })
  field: IdentityOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Which way; ascending by default.' })
  direction: OrderDirection;
}

@InputType({ description: 'All given conditions must hold.' })
export class MemberFilter {
  @Field(() => String, {
    nullable: true,
    description:
      'Text found anywhere in the display name, username, email, full name or external ID, ignoring case and accents. ' +
      'A text of one or two characters matches the start of the display name, username or email instead (ignoring case).',
  })
  search?: string | null;

  @Field(() => IdentityStatusEnum, { nullable: true, description: 'Only identities with this status.' })
  status?: IdentityStatus | null;

  @Field(() => IdentityRoleEnum, { nullable: true, description: 'Only identities with this role.' })
  role?: IdentityRole | null;

  @Field(() => IdentitySourceEnum, { nullable: true, description: 'Only identities from this source.' })
  source?: IdentitySource | null;
}

export interface MemberFilter extends Partial<Record<(typeof filterableProfileFields)[number], string | null>> {}
for (const field of filterableProfileFields) {
  Field(() => String, { nullable: true, description: `Only identities with this ${field}, ignoring case.` })(MemberFilter.prototype, field);
}

@InputType({ description: 'All given conditions must hold.' })
export class IdentityFilter extends MemberFilter {
  @Field(() => ID, { nullable: true, description: 'Only members of this group.' })
  groupId?: string | null;
}

@InputType({ description: 'A new identity, ACTIVE from the start (inviteIdentity makes an INVITED one).' })
export class CreateIdentityInput {
  @Field(() => ID, { description: 'The realm the identity belongs to, for good.' })
  realmId: string;

  @Field({ description: '1–64 characters.' })
  displayName: string;

  @Field({ description: 'Unique in the realm, case-insensitive; no spaces.' })
  username: string;

  @Field({ description: 'Unique in the realm, case-insensitive.' })
  primaryEmail: string;

  @Field(() => String, { nullable: true, description: 'The person’s full name; omitted, none.' })
  fullName?: string | null;

  @Field(() => String, { nullable: true, description: 'E.164 with the country code, e.g. "+14155550100".' })
  phoneNumber?: string | null;

  @Field(() => IdentityRoleEnum, { defaultValue: 'GRANTEE', description: 'ADMIN or GRANTEE.' })
  role: IdentityRole;

  @Field(() => IdentitySourceEnum, { defaultValue: 'MANUAL', description: 'IDP for an identity an identity provider provisions (then `externalId` is required); it cannot change later.' })
  source: IdentitySource;

  @Field(() => String, { nullable: true, description: 'Required for IDP identities, refused for MANUAL ones.' })
  externalId?: string | null;
}

@InputType({ description: 'The identity to change and the fields to change; omitted fields stay as they are.' })
export class UpdateIdentityInput {
  @Field(() => ID, { description: 'The identity to change.' })
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;

  @Field({ nullable: true, description: 'A new display name, 1–64 characters.' })
  displayName?: string;

  @Field({ nullable: true, description: 'A new username: unique in the realm, case-insensitive; no spaces.' })
  username?: string;

  @Field({ nullable: true, description: 'A new primary email: unique in the realm, case-insensitive.' })
  primaryEmail?: string;

  @Field(() => String, { nullable: true, description: 'null clears it.' })
  fullName?: string | null;

  @Field(() => String, { nullable: true, description: 'null clears it.' })
  phoneNumber?: string | null;

  @Field(() => IdentityRoleEnum, { nullable: true, description: 'A new role.' })
  role?: IdentityRole;
}

/** The profile attributes on both inputs: optional, at most 256 characters; on update, null clears one. */
export interface CreateIdentityInput extends Partial<Profile> {}
export interface UpdateIdentityInput extends Partial<Profile> {}
for (const field of profileFields) {
  const description = `${profileAttributes[field].description.replace(/\.$/, '')}; at most ${profileMaxLength} characters.`;
  Field(() => String, { nullable: true, description })(CreateIdentityInput.prototype, field);
  Field(() => String, { nullable: true, description: `${description} null clears it.` })(UpdateIdentityInput.prototype, field);
}

@InputType()
abstract class IdentityStatusInput {
  @Field(() => ID, { description: 'The identity whose status changes.' })
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;
}

@InputType({ description: 'The ACTIVE identity to suspend.' })
export class SuspendIdentityInput extends IdentityStatusInput {}

@InputType({ description: 'The SUSPENDED or DEPROVISIONED identity to make ACTIVE again.' })
export class ReactivateIdentityInput extends IdentityStatusInput {}

@InputType({ description: 'The ACTIVE or SUSPENDED identity to deprovision.' })
export class DeprovisionIdentityInput extends IdentityStatusInput {}

@InputType({ description: 'The identity to delete.' })
export class DeleteIdentityInput {
  @Field(() => ID, { description: 'The identity to delete.' })
  id: string;
}

@InputType({ description: 'The identity that stays, and its duplicate, which is merged into it and deleted.' })
export class LinkIdentitiesInput {
  @Field(() => ID, { description: 'The identity that stays: it keeps its ID and its fields, and gains the duplicate’s groups.' })
  identityId: string;

  @Field(() => ID, { description: 'The duplicate: its groups go to the identity, then it is deleted.' })
  duplicateId: string;

  @Field(() => Int, { nullable: true, description: 'The identity’s version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;

  @Field(() => Int, { nullable: true, description: 'The duplicate’s version you last read; a stale one is refused with VERSION_CONFLICT.' })
  duplicateVersion?: number | null;
}
