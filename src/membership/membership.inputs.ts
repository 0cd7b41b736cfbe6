import { Field, ID, InputType } from 'type-graphql';

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
