import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { identityRoles, identitySources, identityStatuses, type IdentityRole, type IdentitySource, type IdentityStatus } from '../common/enums';
import { Node } from '../common/node.type';
import { edgeFields, type ConnectionFields, type FieldColumns } from '../schema/projection';
import type { IdentityColumn } from './identity.columns';
import { profileAttributes, profileFields, type Profile, type ProfileField } from './identity-profile';

const asEnum = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const IdentityRoleEnum = asEnum(identityRoles);
registerEnumType(IdentityRoleEnum, {
  name: 'IdentityRole',
  description: 'The identity’s role in the realm, for the systems that read it; rights in this API come from API tokens, not roles.',
  valuesConfig: {
    ADMIN: { description: 'Has access by default and grants access to others.' },
    GRANTEE: { description: 'Requests and receives access.' },
  },
});

export const IdentityStatusEnum = asEnum(identityStatuses);
registerEnumType(IdentityStatusEnum, {
  name: 'IdentityStatus',
  description: 'The lifecycle: INVITED → ACTIVE by accepting, ACTIVE ⇄ SUSPENDED, either → DEPROVISIONED, DEPROVISIONED → ACTIVE by reactivation.',
  valuesConfig: {
    INVITED: { description: 'Invited by email; becomes ACTIVE when the invitation is accepted.' },
    ACTIVE: { description: 'Can sign in and hold access.' },
    SUSPENDED: { description: 'Temporarily blocked; keeps its groups.' },
    DEPROVISIONED: { description: 'Offboarded; keeps its record and groups for audit until deleted.' },
  },
});

export const IdentitySourceEnum = asEnum(identitySources);
registerEnumType(IdentitySourceEnum, {
  name: 'IdentitySource',
  description: 'Where an identity comes from; fixed when it is created.',
  valuesConfig: {
    MANUAL: { description: 'Created by hand through this API.' },
    IDP: { description: 'Provisioned from an identity provider; `externalId` is its ID there.' },
  },
});

@ObjectType({ implements: Node, simpleResolvers: true, description: 'A user of a realm.' })
export class Identity extends Node {
  @Field({ description: 'The name people read, 1–64 characters; not unique.' })
  displayName: string;

  @Field({ description: 'Unique in the realm, case-insensitive.' })
  username: string;

  @Field({ description: 'Unique in the realm, case-insensitive.' })
  primaryEmail: string;

  @Field(() => String, { nullable: true, description: 'The person’s full name, when given.' })
  fullName: string | null;

  @Field(() => String, { nullable: true, description: 'E.164, e.g. "+14155550100".' })
  phoneNumber: string | null;

  @Field(() => IdentityRoleEnum, { description: 'ADMIN or GRANTEE; GRANTEE unless set otherwise.' })
  role: IdentityRole;

  @Field(() => IdentityStatusEnum, { description: 'Where the identity is in its lifecycle; changed by suspendIdentity, reactivateIdentity, deprovisionIdentity and by accepting an invitation.' })
  status: IdentityStatus;

  @Field(() => IdentitySourceEnum, { description: 'Created here (MANUAL) or provisioned by an identity provider (IDP).' })
  source: IdentitySource;

  @Field(() => String, { nullable: true, description: 'The identity provider’s ID of an IDP identity; unique in the realm.' })
  externalId: string | null;

  @Field({ description: 'When the identity was created (invited, for an invited one).' })
  createdAt: Date;

  @Field({ description: 'When its fields or status last changed, as `version` went up (joining or leaving groups does not count); its creation time until then.' })
  updatedAt: Date;

  @Field(() => Int, { description: 'Goes up with every change; send it back on update to detect concurrent edits.' })
  version: number;
}

/** The profile attributes (identity-profile.ts), each a nullable String field described by its table. */
export interface Identity extends Profile {}
for (const field of profileFields) {
  Field(() => String, { nullable: true, description: profileAttributes[field].description })(Identity.prototype, field);
}

/** What each field of Identity reads of its row (src/schema/projection.ts); `realm` and `groups` read its keys. */
export const identityFields: FieldColumns<IdentityColumn> = {
  id: ['id'],
  displayName: ['displayName'],
  username: ['username'],
  primaryEmail: ['primaryEmail'],
  fullName: ['fullName'],
  phoneNumber: ['phoneNumber'],
  role: ['role'],
  status: ['status'],
  source: ['source'],
  externalId: ['externalId'],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
  version: ['version'],
  ...(Object.fromEntries(profileFields.map((field) => [field, [field]])) as Record<ProfileField, [ProfileField]>),
  realm: [],
  groups: [],
  possibleDuplicates: [],
};

@ObjectType({ simpleResolvers: true, description: 'An identity in a page of identities, with its cursor.' })
export class IdentityEdge extends EdgeType(Identity) {}

export const identityConnectionFields: ConnectionFields<IdentityColumn, 'cursor'> = { node: identityFields, edge: edgeFields };

@ObjectType({ simpleResolvers: true, description: 'A page of a realm’s identities.' })
export class IdentityConnection extends ConnectionType(IdentityEdge) {}

@ObjectType({ simpleResolvers: true })
abstract class IdentityPayload {
  @Field(() => Identity, { description: 'The identity as it is now, after the change.' })
  identity: Identity;
}

@ObjectType({ simpleResolvers: true, description: 'What createIdentity made.' })
export class CreateIdentityPayload extends IdentityPayload {}

@ObjectType({ simpleResolvers: true, description: 'What updateIdentity changed.' })
export class UpdateIdentityPayload extends IdentityPayload {}

@ObjectType({ simpleResolvers: true, description: 'The identity suspendIdentity suspended.' })
export class SuspendIdentityPayload extends IdentityPayload {}

@ObjectType({ simpleResolvers: true, description: 'The identity reactivateIdentity made ACTIVE again.' })
export class ReactivateIdentityPayload extends IdentityPayload {}

@ObjectType({ simpleResolvers: true, description: 'The identity deprovisionIdentity deprovisioned.' })
export class DeprovisionIdentityPayload extends IdentityPayload {}

@ObjectType({ simpleResolvers: true, description: 'What deleteIdentity removed.' })
export class DeleteIdentityPayload {
  @Field(() => ID, { description: 'The deleted identity; its memberships went with it.' })
  deletedIdentityId: string;
}
