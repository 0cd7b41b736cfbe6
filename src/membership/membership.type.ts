import { Field, ObjectType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Group } from '../group/group.type';
import { Identity } from '../identity/identity.type';

@ObjectType({ simpleResolvers: true, description: 'A member of a group.' })
export class GroupMemberEdge extends EdgeType(Identity) {
  @Field({ description: 'When the identity joined the group.' })
  addedAt: Date;
}

@ObjectType({ simpleResolvers: true })
export class GroupMemberConnection extends ConnectionType(GroupMemberEdge) {}

@ObjectType({ simpleResolvers: true, description: 'A group the identity belongs to.' })
export class IdentityGroupEdge extends EdgeType(Group) {
  @Field({ description: 'When the identity joined the group.' })
  addedAt: Date;
}

@ObjectType({ simpleResolvers: true })
export class IdentityGroupConnection extends ConnectionType(IdentityGroupEdge) {}

@ObjectType({ simpleResolvers: true })
export class AddGroupMembersPayload {
  @Field(() => Group)
  group: Group;

  @Field(() => [Identity], { description: 'The identities this call added; those that were members already are not listed.' })
  addedMembers: Identity[];
}

@ObjectType({ simpleResolvers: true })
export class RemoveGroupMembersPayload {
  @Field(() => Group)
  group: Group;

  @Field(() => [Identity], { description: 'The identities this call removed; those that were not members are not listed.' })
  removedMembers: Identity[];
}
