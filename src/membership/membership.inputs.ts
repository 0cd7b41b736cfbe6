import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { OrderDirection } from '../common/connection.type';

@InputType()
export class AddGroupMembersInput {
  @Field(() => ID)
  groupId: string;

  @Field(() => [ID], { description: '1 to 1 000 identities of the group’s realm; all are added or none.' })
  identityIds: string[];
}

@InputType()
export class RemoveGroupMembersInput {
  @Field(() => ID)
  groupId: string;

  @Field(() => [ID], { description: '1 to 1 000 identities; removing a non-member is not an error.' })
  identityIds: string[];
}

export enum GroupMemberOrderField {
  ADDED_AT = 'ADDED_AT',
  DISPLAY_NAME = 'DISPLAY_NAME',
  USERNAME = 'USERNAME',
}
registerEnumType(GroupMemberOrderField, {
  name: 'GroupMemberOrderField',
  description: 'ADDED_AT is when the identity joined the group; names sort case-insensitively, by code point. Ties come in identity ID order.',
});

@InputType()
export class GroupMemberOrder {
  @Field(() => GroupMemberOrderField)
  field: GroupMemberOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection;
}

export enum IdentityGroupOrderField {
  ADDED_AT = 'ADDED_AT',
  NAME = 'NAME',
}
registerEnumType(IdentityGroupOrderField, {
  name: 'IdentityGroupOrderField',
  description: 'ADDED_AT is when the identity joined the group; NAME sorts case-insensitively, by code point. Ties come in group ID order.',
});

@InputType()
export class IdentityGroupOrder {
  @Field(() => IdentityGroupOrderField)
  field: IdentityGroupOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection;
}
