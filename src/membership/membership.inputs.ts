import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { OrderDirection } from '../common/connection.type';

@InputType({ description: 'The group and the identities to add to it.' })
export class AddGroupMembersInput {
  @Field(() => ID, { description: 'The group to add members to.' })
  groupId: string;

  @Field(() => [ID], { description: '1 to 1 000 identities of the group’s realm; all are added or none.' })
  identityIds: string[];
}

@InputType({ description: 'The group and the identities to remove from it.' })
export class RemoveGroupMembersInput {
  @Field(() => ID, { description: 'The group to remove members from.' })
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
  valuesConfig: {
    ADDED_AT: { description: 'By when the identity joined the group (the default).' },
    DISPLAY_NAME: { description: 'By the member’s display name.' },
    USERNAME: { description: 'By the member’s username.' },
  },
});

@InputType({ description: 'The order of a group’s members.' })
export class GroupMemberOrder {
  @Field(() => GroupMemberOrderField, { description: 'What to order by.' })
  field: GroupMemberOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Which way; ascending by default.' })
  direction: OrderDirection;
}

export enum IdentityGroupOrderField {
  ADDED_AT = 'ADDED_AT',
  NAME = 'NAME',
}
registerEnumType(IdentityGroupOrderField, {
  name: 'IdentityGroupOrderField',
  description: 'ADDED_AT is when the identity joined the group; NAME sorts case-insensitively, by code point. Ties come in group ID order.',
  valuesConfig: {
    ADDED_AT: { description: 'By when the identity joined the group (the default).' },
    NAME: { description: 'By the group’s name.' },
  },
});

@InputType({ description: 'The order of the groups an identity belongs to.' })
export class IdentityGroupOrder {
  @Field(() => IdentityGroupOrderField, { description: 'What to order by.' })
  field: IdentityGroupOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Which way; ascending by default.' })
  direction: OrderDirection;
}
