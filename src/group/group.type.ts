import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Node } from '../common/node.type';
import { edgeFields, type ConnectionFields, type FieldColumns } from '../schema/projection';
import type { GroupColumn } from './group.columns';

@ObjectType({ implements: Node, simpleResolvers: true, description: 'A named set of identities of one realm.' })
export class Group extends Node {
  @Field({ description: 'Unique in the realm, case-insensitive.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 300 characters; null when none was given.' })
  description: string | null;

  @Field(() => String, { nullable: true, description: 'The identity provider’s ID of a group it provisions over SCIM; unique in the realm, null for a group made here.' })
  externalId: string | null;

  @Field(() => Int, { description: 'How many identities are members; kept by the database, free to read.' })
  memberCount: number;

  @Field({ description: 'When the group was created.' })
  createdAt: Date;

  @Field({ description: 'When the name or description last changed, as `version` went up (members joining or leaving do not count); its creation time until then.' })
  updatedAt: Date;

  @Field(() => Int, { description: 'Goes up with every change of name or description; send it back on update to detect concurrent edits.' })
  version: number;
}

/** What each field of Group reads of its row (src/schema/projection.ts); `memberCount` is a key, `realm` and `members` read keys. */
export const groupFields: FieldColumns<GroupColumn> = {
  id: ['id'],
  name: ['name'],
  description: ['description'],
  externalId: ['externalId'],
  memberCount: [],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
  version: ['version'],
  realm: [],
  members: [],
  transitiveMemberCount: [],
  memberGroups: [],
  parentGroups: [],
};

@ObjectType({ simpleResolvers: true, description: 'A group in a page of groups, with its cursor.' })
export class GroupEdge extends EdgeType(Group) {}

export const groupConnectionFields: ConnectionFields<GroupColumn, 'cursor'> = { node: groupFields, edge: edgeFields };

@ObjectType({ simpleResolvers: true, description: 'A page of a realm’s groups.' })
export class GroupConnection extends ConnectionType(GroupEdge) {}

@ObjectType({ simpleResolvers: true })
abstract class GroupPayload {
  @Field(() => Group, { description: 'The group as it is now, after the change.' })
  group: Group;
}

@ObjectType({ simpleResolvers: true, description: 'What createGroup made.' })
export class CreateGroupPayload extends GroupPayload {}

@ObjectType({ simpleResolvers: true, description: 'What updateGroup changed.' })
export class UpdateGroupPayload extends GroupPayload {}

@ObjectType({ simpleResolvers: true, description: 'What deleteGroup removed.' })
export class DeleteGroupPayload {
  @Field(() => ID, { description: 'The deleted group; its memberships went with it.' })
  deletedGroupId: string;
}
