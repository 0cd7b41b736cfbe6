import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CreateRealmInput {
  @Field({ description: 'Unique and URL-safe: 1–63 lowercase letters, digits and inner hyphens (e.g. "acme-prod").' })
  name: string;

  @Field({ description: 'The name people read, 1–128 characters.' })
  displayName: string;

  @Field(() => String, { nullable: true, description: 'At most 1 000 characters.' })
  description?: string | null;
}

@InputType()
export class UpdateRealmInput {
  @Field(() => ID)
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;

  @Field({ nullable: true })
  name?: string;

  @Field({ nullable: true })
  displayName?: string;

  @Field(() => String, { nullable: true, description: 'null clears it.' })
  description?: string | null;
}

@InputType()
export class DeleteRealmInput {
  @Field(() => ID)
  id: string;
}
