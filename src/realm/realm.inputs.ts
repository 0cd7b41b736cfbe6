import { Field, ID, InputType, Int } from 'type-graphql';
import type { ProvisionedDeletion } from '../common/enums';
import { ProvisionedDeletionEnum } from './realm.type';

@InputType({ description: 'A new realm.' })
export class CreateRealmInput {
  @Field({ description: 'Unique and URL-safe: 1–63 lowercase letters, digits and inner hyphens (e.g. "acme-prod").' })
  name: string;

  @Field({ description: 'The name people read, 1–128 characters.' })
  displayName: string;

  @Field(() => String, { nullable: true, description: 'At most 1 000 characters.' })
  description?: string | null;

  @Field(() => ProvisionedDeletionEnum, { defaultValue: 'DELETE', description: 'What an identity provider’s DELETE of a user does (SCIM).' })
  provisionedDeletion?: ProvisionedDeletion;
}

@InputType({ description: 'The realm to change and the fields to change; omitted fields stay as they are.' })
export class UpdateRealmInput {
  @Field(() => ID, { description: 'The realm to change.' })
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you last read; a stale one is refused with VERSION_CONFLICT.' })
  version?: number | null;

  @Field({ nullable: true, description: 'A new unique name: 1–63 lowercase letters, digits and inner hyphens. Clients that find the realm by name must use the new one.' })
  name?: string;

  @Field({ nullable: true, description: 'A new name for people, 1–128 characters.' })
  displayName?: string;

  @Field(() => String, { nullable: true, description: 'At most 1 000 characters; null clears it.' })
  description?: string | null;

  @Field(() => ProvisionedDeletionEnum, { nullable: true, description: 'What an identity provider’s DELETE of a user does from now on (SCIM).' })
  provisionedDeletion?: ProvisionedDeletion;
}

@InputType({ description: 'The realm to delete.' })
export class DeleteRealmInput {
  @Field(() => ID, { description: 'The realm to delete, with everything in it.' })
  id: string;
}
