import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { OrderDirection } from '../common/connection.type';

export enum GroupOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(GroupOrderField, {
  name: 'GroupOrderField',
  description: 'What a realm’s groups can be ordered by. NAME sorts case-insensitively, by code point.',
  valuesConfig: {
    NAME: { description: 'By name, case-insensitively (the default).' },
    CREATED_AT: { description: 'By creation time.' },
  },
});

@InputType({ description: 'The order of a realm’s groups.' })
export class GroupOrder {
  @Field(() => GroupOrderField, { description: 'What to order by.' })
  field: GroupOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Which way; ascending by default.' })
  direction: OrderDirection;
}

@InputType({ description: 'Which of a realm’s groups to list; all when no condition is given.' })
export class GroupFilter {
  @Field(() => String, { nullable: true, description: 'A case-insensitive prefix of the name.' })
  search?: string | null;
}

@InputType({ description: 'A new group and, optionally, its first members.' })
export class CreateGroupInput {
  @Field(() => ID, { description: 'The realm the group belongs to, for good.' })
  realmId: string;

  @Field({ description: '1–64 characters, unique in the realm (case-insensitive).' })
  name: string;

  @Field(() => String, { nullable: true, description: 'At most 300 characters.' })
  description?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Identities of the same realm to add at once (up to 1 000).' })
  memberIds?: string[] | null;
}

@InputType({ description: 'The group to change and the fields to change; omitted fields stay as they are.' })
export class UpdateGroupInput {
  @Field(() => ID, { description: 'The group to change.' })
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;

  @Field({ nullable: true, description: 'A new name: 1–64 characters, unique in the realm (case-insensitive).' })
  name?: string;

  @Field(() => String, { nullable: true, description: 'At most 300 characters; null clears it.' })
  description?: string | null;
}

@InputType({ description: 'The group to delete.' })
export class DeleteGroupInput {
  @Field(() => ID, { description: 'The group to delete; its members stay in the realm.' })
  id: string;
}
