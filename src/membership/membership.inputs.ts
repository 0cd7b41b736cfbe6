import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { OrderDirection } from '../common/connection.type';
import { invalidInput } from '../common/errors';

@InputType({ description: 'The group and the identities and groups to add to it: 1 to 1 000 IDs in all, all added or none.' })
export class AddGroupMembersInput {
  @Field(() => ID, { description: 'The group to add members to.' })
  groupId: string;

  @Field(() => [ID], { nullable: true, description: 'Identities of the group’s realm to add.' })
  identityIds?: string[] | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'Groups of the group’s realm to nest in it (they become its member groups); one that contains the group, or is the group, is GROUP_CYCLE.',
  })
  groupIds?: string[] | null;
}

@InputType({ description: 'The group and the identities and groups to remove from it: 1 to 1 000 IDs in all.' })
export class RemoveGroupMembersInput {
  @Field(() => ID, { description: 'The group to remove members from.' })
  groupId: string;

  @Field(() => [ID], { nullable: true, description: 'Identities to remove; removing a non-member is not an error.' })
  identityIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Member groups to take out of the group; one that is not nested in it is not an error.' })
  groupIds?: string[] | null;
}

/** The IDs of a membership write's input: 1 to 1 000 in all, identities and groups together. */
export function memberBatch(input: { identityIds?: readonly string[] | null; groupIds?: readonly string[] | null }): { identityIds: readonly string[]; groupIds: readonly string[] } {
  const identityIds = input.identityIds ?? [];
  const groupIds = input.groupIds ?? [];
  const count = identityIds.length + groupIds.length;
  if (count === 0 || count > 1000) {
    throw invalidInput(['input', groupIds.length > 0 && identityIds.length === 0 ? 'groupIds' : 'identityIds'], `Give from 1 to 1000 IDs in all, identities and groups (you gave ${count}).`);
  }
  return { identityIds, groupIds };
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

export enum MembershipKind {
  DIRECT = 'DIRECT',
  TRANSITIVE = 'TRANSITIVE',
}
registerEnumType(MembershipKind, {
  name: 'MembershipKind',
  description: 'Which memberships a list or a subscription covers: the group’s own, or also those through the groups nested in it, at any depth.',
  valuesConfig: {
    DIRECT: { description: 'Members of the group itself (the default).' },
    TRANSITIVE: { description: 'Members of the group or of any group nested in it, at any depth; one reached by several paths counts once.' },
  },
});
