import { Field, ID, InputType, Int } from 'type-graphql';
import { OrderDirection } from '../common/connection.type';
import { registerEnumType } from 'type-graphql';
import type { IdentityRole, IdentitySource, IdentityStatus } from '../common/enums';
import { IdentityRoleEnum, IdentitySourceEnum, IdentityStatusEnum } from './identity.type';

export enum IdentityOrderField {
  CREATED_AT = 'CREATED_AT',
  DISPLAY_NAME = 'DISPLAY_NAME',
  USERNAME = 'USERNAME',
  PRIMARY_EMAIL = 'PRIMARY_EMAIL',
}
registerEnumType(IdentityOrderField, { name: 'IdentityOrderField', description: 'Text fields sort case-insensitively, by code point.' });

@InputType()
export class IdentityOrder {
  @Field(() => IdentityOrderField)
  field: IdentityOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
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

  @Field(() => IdentityStatusEnum, { nullable: true })
  status?: IdentityStatus | null;

  @Field(() => IdentityRoleEnum, { nullable: true })
  role?: IdentityRole | null;

  @Field(() => IdentitySourceEnum, { nullable: true })
  source?: IdentitySource | null;
}

@InputType({ description: 'All given conditions must hold.' })
export class IdentityFilter extends MemberFilter {
  @Field(() => ID, { nullable: true, description: 'Only members of this group.' })
  groupId?: string | null;
}

@InputType()
export class CreateIdentityInput {
  @Field(() => ID)
  realmId: string;

  @Field({ description: '1–64 characters.' })
  displayName: string;

  @Field({ description: 'Unique in the realm, case-insensitive; no spaces.' })
  username: string;

  @Field({ description: 'Unique in the realm, case-insensitive.' })
  primaryEmail: string;

  @Field(() => String, { nullable: true })
  fullName?: string | null;

  @Field(() => String, { nullable: true, description: 'E.164 with the country code, e.g. "+14155550100".' })
  phoneNumber?: string | null;

  @Field(() => IdentityRoleEnum, { defaultValue: 'GRANTEE' })
  role: IdentityRole;

  @Field(() => IdentitySourceEnum, { defaultValue: 'MANUAL' })
  source: IdentitySource;

  @Field(() => String, { nullable: true, description: 'Required for IDP identities, refused for MANUAL ones.' })
  externalId?: string | null;
}

@InputType()
export class UpdateIdentityInput {
  @Field(() => ID)
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;

  @Field({ nullable: true })
  displayName?: string;

  @Field({ nullable: true })
  username?: string;

  @Field({ nullable: true })
  primaryEmail?: string;

  @Field(() => String, { nullable: true, description: 'null clears it.' })
  fullName?: string | null;

  @Field(() => String, { nullable: true, description: 'null clears it.' })
  phoneNumber?: string | null;

  @Field(() => IdentityRoleEnum, { nullable: true })
  role?: IdentityRole;
}

@InputType()
abstract class IdentityStatusInput {
  @Field(() => ID)
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;
}

@InputType()
export class SuspendIdentityInput extends IdentityStatusInput {}

@InputType()
export class ReactivateIdentityInput extends IdentityStatusInput {}

@InputType()
export class DeprovisionIdentityInput extends IdentityStatusInput {}

@InputType()
export class DeleteIdentityInput {
  @Field(() => ID)
  id: string;
}
