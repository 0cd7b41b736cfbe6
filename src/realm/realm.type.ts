import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Node } from '../common/node.type';

@ObjectType({ implements: Node, simpleResolvers: true, description: 'An isolated administrative domain (a tenant): its identities and groups belong to it alone.' })
export class Realm extends Node {
  @Field({ description: 'Unique and URL-safe.' })
  name: string;

  @Field()
  displayName: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;

  @Field(() => Int, { description: 'Goes up with every change; send it back on update to detect concurrent edits.' })
  version: number;
}

@ObjectType({ simpleResolvers: true })
export class RealmEdge extends EdgeType(Realm) {}

@ObjectType({ simpleResolvers: true })
export class RealmConnection extends ConnectionType(RealmEdge) {}

@ObjectType({ simpleResolvers: true })
export class CreateRealmPayload {
  @Field(() => Realm)
  realm: Realm;
}

@ObjectType({ simpleResolvers: true })
export class UpdateRealmPayload {
  @Field(() => Realm)
  realm: Realm;
}

@ObjectType({ simpleResolvers: true })
export class DeleteRealmPayload {
  @Field(() => ID, { description: 'The deleted realm; its identities, groups and memberships went with it.' })
  deletedRealmId: string;
}
