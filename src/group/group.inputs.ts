import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { OrderDirection } from '../common/connection.type';

export enum GroupOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(GroupOrderField, { name: 'GroupOrderField', description: 'NAME sorts case-insensitively, by code point.' });

@InputType()
export class GroupOrder {
  @Field(() => GroupOrderField)
  field: GroupOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection;
}

@InputType()
export class GroupFilter {
  @Field(() => String, { nullable: true, description: 'A case-insensitive prefix of the name.' })
  search?: string | null;
}

@InputType()
export class CreateGroupInput {
  @Field(() => ID)
  realmId: string;

  @Field({ description: '1–64 characters, unique in the realm (case-insensitive).' })
  name: string;

  @Field(() => String, { nullable: true, description: 'At most 300 characters.' })
  description?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Identities of the same realm to add at once (up to 1 000).' })
  memberIds?: string[] | null;
}

@InputType()
export class UpdateGroupInput {
  @Field(() => ID)
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;

  @Field({ nullable: true })
  name?: string;

  @Field(() => String, { nullable: true, description: 'null clears it.' })
  description?: string | null;
}

@InputType()
export class DeleteGroupInput {
  @Field(() => ID)
  id: string;
}
