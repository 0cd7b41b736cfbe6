import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { provisionedDeletions, type ProvisionedDeletion } from '../common/enums';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Node } from '../common/node.type';

export const ProvisionedDeletionEnum = Object.fromEntries(provisionedDeletions.map((value) => [value, value])) as Record<ProvisionedDeletion, ProvisionedDeletion>;
registerEnumType(ProvisionedDeletionEnum, {
  name: 'ProvisionedDeletion',
  description: 'What an identity provider’s DELETE of a user (SCIM `DELETE /Users/<id>`) does in a realm. Either way the user is gone for SCIM (404 after).',
  valuesConfig: {
    DELETE: { description: 'The identity is deleted, with its memberships (IDENTITY_DELETED).' },
    DEPROVISION: {
      description:
        'The identity is kept, DEPROVISIONED, with its groups, for the audit trail; SCIM no longer shows it, and a later POST of the same userName reactivates it.',
    },
  },
});

@ObjectType({ implements: Node, simpleResolvers: true, description: 'An isolated administrative domain (a tenant): its identities and groups belong to it alone.' })
export class Realm extends Node {
  @Field({ description: 'Unique and URL-safe.' })
  name: string;

  @Field({ description: 'The name people read, 1–128 characters; not unique.' })
  displayName: string;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 1 000 characters; null when none was given.' })
  description: string | null;

  @Field(() => ProvisionedDeletionEnum, { description: 'What an identity provider’s DELETE of a user does here (SCIM); DELETE unless set otherwise.' })
  provisionedDeletion: ProvisionedDeletion;

  @Field({ description: 'When the realm was created.' })
  createdAt: Date;

  @Field({ description: 'When the realm’s own fields last changed, as `version` went up (a change to its identities or groups does not count); its creation time until then.' })
  updatedAt: Date;

  @Field(() => Int, { description: 'Goes up with every change; send it back on update to detect concurrent edits.' })
  version: number;
}

@ObjectType({ simpleResolvers: true, description: 'A realm in a page of realms, with its cursor.' })
export class RealmEdge extends EdgeType(Realm) {}

@ObjectType({ simpleResolvers: true, description: 'A page of realms, ordered by name.' })
export class RealmConnection extends ConnectionType(RealmEdge) {}

@ObjectType({ simpleResolvers: true, description: 'What createRealm made.' })
export class CreateRealmPayload {
  @Field(() => Realm, { description: 'The new realm, with no identities or groups yet.' })
  realm: Realm;
}

@ObjectType({ simpleResolvers: true, description: 'What updateRealm changed.' })
export class UpdateRealmPayload {
  @Field(() => Realm, { description: 'The realm as it is now, with its new `version`.' })
  realm: Realm;
}

@ObjectType({ simpleResolvers: true, description: 'What deleteRealm removed.' })
export class DeleteRealmPayload {
  @Field(() => ID, { description: 'The deleted realm; its identities, groups and memberships went with it.' })
  deletedRealmId: string;
}
