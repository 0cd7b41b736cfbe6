import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Node } from '../common/node.type';
import { edgeFields, type ConnectionFields, type FieldColumns } from '../schema/projection';
import type { GroupColumn } from './group.columns';

@ObjectType({ implements: Node, simpleResolvers: true, description: 'A named set of identities of one realm.' })
export class Group extends Node {
  @Field({ description: 'Unique in the realm, case-insensitive.' })
  name: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => Int, { description: 'How many identities are members; kept by the database, free to read.' })
  memberCount: number;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;

  @Field(() => Int, { description: 'Goes up with every change of name or description; send it back on update to detect concurrent edits.' })
  version: number;
}

/** What each field of Group reads of its row (src/schema/projection.ts); `memberCount` is a key, `realm` and `members` read keys. */
export const groupFields: FieldColumns<GroupColumn> = {
  id: ['id'],
  name: ['name'],
  description: ['description'],
  memberCount: [],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
  version: ['version'],
  realm: [],
  members: [],
};

@ObjectType({ simpleResolvers: true })
export class GroupEdge extends EdgeType(Group) {}

export const groupConnectionFields: ConnectionFields<GroupColumn, 'cursor'> = { node: groupFields, edge: edgeFields };

@ObjectType({ simpleResolvers: true })
export class GroupConnection extends ConnectionType(GroupEdge) {}

@ObjectType({ simpleResolvers: true })
abstract class GroupPayload {
  @Field(() => Group)
  group: Group;
}

@ObjectType({ simpleResolvers: true })
export class CreateGroupPayload extends GroupPayload {}

@ObjectType({ simpleResolvers: true })
export class UpdateGroupPayload extends GroupPayload {}

@ObjectType({ simpleResolvers: true })
export class DeleteGroupPayload {
  @Field(() => ID, { description: 'The deleted group; its memberships went with it.' })
  deletedGroupId: string;
}
