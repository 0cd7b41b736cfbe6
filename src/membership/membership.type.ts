import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import type { GroupColumn } from '../group/group.columns';
import { Group, groupFields } from '../group/group.type';
import type { IdentityColumn } from '../identity/identity.columns';
import { Identity, identityFields } from '../identity/identity.type';
import { edgeFields, type ConnectionFields, type FieldColumns } from '../schema/projection';
import type { MembershipEdgeColumn } from './membership.repository';

@ObjectType({ simpleResolvers: true, description: 'A member of a group.' })
export class GroupMemberEdge extends EdgeType(Identity) {
  @Field({
    description:
      'When the identity joined the group. In a TRANSITIVE list, when it joined the group itself if it is a direct member, else the earliest time it joined one of the groups below it that it is in (not when that group was nested).',
  })
  addedAt: Date;

  @Field({ description: 'Whether the identity is a member of the group itself; false when it is one only through a group nested in it. Always true in a DIRECT list.' })
  direct: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A page of a group’s members.' })
export class GroupMemberConnection extends ConnectionType(GroupMemberEdge) {}

/** The edges of both membership lists read the membership's own time as well (src/schema/projection.ts). */
export const membershipEdgeFields: FieldColumns<MembershipEdgeColumn> = { ...edgeFields, addedAt: ['addedAt'], direct: ['direct'] };

export const groupMemberConnectionFields: ConnectionFields<IdentityColumn, MembershipEdgeColumn> = { node: identityFields, edge: membershipEdgeFields };

@ObjectType({ simpleResolvers: true, description: 'A group the identity belongs to.' })
export class IdentityGroupEdge extends EdgeType(Group) {
  @Field({
    description:
      'When the identity joined the group. In a TRANSITIVE list, when it joined the group itself if it is a direct member, else the earliest time it joined one of the groups below it that it is in (not when that group was nested).',
  })
  addedAt: Date;

  @Field({ description: 'Whether the identity is a member of the group itself; false when it is one only through a group nested in it. Always true in a DIRECT list.' })
  direct: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A page of the groups an identity belongs to.' })
export class IdentityGroupConnection extends ConnectionType(IdentityGroupEdge) {}

export const identityGroupConnectionFields: ConnectionFields<GroupColumn, MembershipEdgeColumn> = { node: groupFields, edge: membershipEdgeFields };

@ObjectType({ simpleResolvers: true, description: 'A group nested in another: a member group of a group, or a group a group is nested in.' })
export class NestedGroupEdge extends EdgeType(Group) {
  @Field({ description: 'When the group was nested.' })
  addedAt: Date;
}

@ObjectType({ simpleResolvers: true, description: 'A page of a group’s member groups, or of the groups it is nested in.' })
export class NestedGroupConnection extends ConnectionType(NestedGroupEdge) {}

/** A nesting's edge reads its time; it has no `direct` (a nesting is direct). */
export const nestedGroupEdgeFields: FieldColumns<MembershipEdgeColumn> = { ...edgeFields, addedAt: ['addedAt'] };

export const nestedGroupConnectionFields: ConnectionFields<GroupColumn, MembershipEdgeColumn> = { node: groupFields, edge: nestedGroupEdgeFields };

@ObjectType({ simpleResolvers: true, description: 'What addGroupMembers changed.' })
export class AddGroupMembersPayload {
  @Field(() => Group, { description: 'The group as it is now, its `memberCount` included.' })
  group: Group;

  @Field(() => [Identity], { description: 'The identities this call added; those that were members already are not listed.' })
  addedMembers: Identity[];

  @Field(() => [GroupMemberEdge], {
    description:
      'The memberships this call made, as edges of `Group.members` in its default order (cursor, addedAt, node), in input order: for Relay’s `@appendEdge` or a normalized cache to insert them without a refetch.',
  })
  addedEdges: GroupMemberEdge[];

  @Field(() => [NestedGroupEdge], {
    description:
      'The groups this call nested in the group, as edges of `Group.memberGroups` (cursor, addedAt, node), in input order; those nested already are not listed.',
  })
  addedGroupEdges: NestedGroupEdge[];
}

@ObjectType({ simpleResolvers: true, description: 'What removeGroupMembers changed.' })
export class RemoveGroupMembersPayload {
  @Field(() => Group, { description: 'The group as it is now, its `memberCount` included.' })
  group: Group;

  @Field(() => [Identity], { description: 'The identities this call removed; those that were not members are not listed.' })
  removedMembers: Identity[];

  @Field(() => [GroupMemberEdge], {
    description: 'The memberships this call ended, as the edges of `Group.members` (default order) they were, in input order.',
  })
  removedEdges: GroupMemberEdge[];

  @Field(() => [ID], { description: 'The IDs of the identities this call removed: for Relay’s `@deleteEdge` on the group’s member lists.' })
  removedMemberIds: string[];

  @Field(() => [NestedGroupEdge], { description: 'The nestings this call ended, as the edges of `Group.memberGroups` they were, in input order.' })
  removedGroupEdges: NestedGroupEdge[];

  @Field(() => [ID], { description: 'The IDs of the groups this call took out of the group: for Relay’s `@deleteEdge` on its `memberGroups`.' })
  removedGroupIds: string[];
}
