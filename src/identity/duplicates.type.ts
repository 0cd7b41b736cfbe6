import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { edgeFields, type ConnectionFields, type FieldColumns } from '../schema/projection';
import { duplicateReasons, duplicateRules, type DuplicateReason } from './duplicate-rules';
import type { IdentityColumn } from './identity.columns';
import { Identity, identityFields } from './identity.type';

export const DuplicateReasonEnum = Object.fromEntries(duplicateReasons.map((reason) => [reason, reason])) as Record<DuplicateReason, DuplicateReason>;
registerEnumType(DuplicateReasonEnum, {
  name: 'DuplicateReason',
  description:
    'Why two identities of a realm — one made by hand (MANUAL), one from the identity provider (IDP) — look like the same person. ' +
    'Each compares one attribute of both, with case and accents ignored; a pair is listed when any one matches.',
  valuesConfig: Object.fromEntries(duplicateReasons.map((reason) => [reason, { description: duplicateRules[reason].description }])),
});

@ObjectType({ simpleResolvers: true, description: 'An identity that looks like the same person as the one whose list it is in, and why.' })
export class IdentityDuplicateEdge extends EdgeType(Identity) {
  @Field(() => [DuplicateReasonEnum], { description: 'The rules that matched, at least one.' })
  reasons: DuplicateReason[];
}

/** An edge reads its reasons from the row it always has, and the cursor when asked. */
const duplicateEdgeFields: FieldColumns<'cursor'> = { ...edgeFields, reasons: [] };

export const identityDuplicateConnectionFields: ConnectionFields<IdentityColumn, 'cursor'> = { node: identityFields, edge: duplicateEdgeFields };

@ObjectType({ simpleResolvers: true, description: 'A page of an identity’s suspected duplicates.' })
export class IdentityDuplicateConnection extends ConnectionType(IdentityDuplicateEdge) {}

@ObjectType({
  simpleResolvers: true,
  description:
    'Two identities of a realm that look like the same person: `identity`, from the identity provider, and `duplicate`, made by hand. ' +
    '`linkIdentities(input: { identityId: identity.id, duplicateId: duplicate.id })` merges the hand-made one into the one the provider manages.',
})
export class DuplicatePair {
  @Field(() => Identity, { description: 'The identity from the identity provider (source IDP), which keeps being managed by it.' })
  identity: Identity;

  @Field(() => Identity, { description: 'The identity made by hand (source MANUAL) that looks like it.' })
  duplicate: Identity;

  @Field(() => [DuplicateReasonEnum], { description: 'The rules that matched, at least one.' })
  reasons: DuplicateReason[];
}

@ObjectType({ simpleResolvers: true, description: 'A pair in a page of a realm’s suspected duplicates.' })
export class DuplicatePairEdge extends EdgeType(DuplicatePair) {}

@ObjectType({ simpleResolvers: true, description: 'A page of a realm’s suspected duplicates, in the creation order of the side it walks.' })
export class DuplicatePairConnection extends ConnectionType(DuplicatePairEdge) {}

@ObjectType({ simpleResolvers: true, description: 'What linkIdentities merged.' })
export class LinkIdentitiesPayload {
  @Field(() => Identity, { description: 'The identity as it is now: its own ID and fields, the duplicate’s groups added, and, when it took them, the duplicate’s `source` and `externalId`.' })
  identity: Identity;

  @Field(() => ID, { description: 'The duplicate, deleted: for Relay’s `@deleteRecord` and the lists that showed it.' })
  mergedIdentityId: string;
}
