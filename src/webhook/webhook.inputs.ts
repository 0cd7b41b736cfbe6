import { Field, ID, InputType, Int } from 'type-graphql';
import { RealmEventType } from '../events/event.type';
import { WebhookEndpointStatusEnum } from './webhook.type';
import type { WebhookEndpointStatus } from './webhook.repository';

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field(() => ID, { description: 'The realm whose events it receives.' })
  realmId: string;

  @Field({ description: 'An absolute http:// or https:// URL, at most 2 048 characters, without credentials, of a public address (WEBHOOK_URL_NOT_ALLOWED otherwise).' })
  url: string;

  @Field(() => [RealmEventType], { nullable: true, description: 'Only these event types; omitted or null: every type.' })
  eventTypes?: RealmEventType[] | null;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 1 000 characters.' })
  description?: string | null;
}

@InputType({ description: 'The endpoint and the values to change; omitted fields stay as they are.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'A new URL, under the same rules as at creation.' })
  url?: string | null;

  @Field(() => [RealmEventType], { nullable: true, description: 'The event types delivered; null: every type (omit the field to keep them).' })
  eventTypes?: RealmEventType[] | null;

  @Field(() => String, { nullable: true, description: 'Free text; null clears it.' })
  description?: string | null;

  @Field(() => WebhookEndpointStatusEnum, {
    nullable: true,
    description: 'ACTIVE resumes a PAUSED or DISABLED endpoint from where it stopped (its next undelivered event); DISABLED or PAUSED stops deliveries.',
  })
  status?: WebhookEndpointStatus | null;
}

@InputType({ description: 'The endpoint to delete.' })
export class DeleteWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id: string;
}

@InputType({ description: 'The endpoint whose secret to replace, and how long the old one still signs.' })
export class RotateWebhookSecretInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id: string;

  @Field(() => Int, { nullable: true, description: 'Seconds during which deliveries are signed with both secrets, 0 to 604 800 (a week); default 86 400 (a day).' })
  graceSeconds?: number | null;
}

@InputType({ description: 'The delivery to send again.' })
export class RetryWebhookDeliveryInput {
  @Field(() => ID, { description: 'A FAILED delivery.' })
  id: string;
}

@InputType({ description: 'The endpoint, and the event after which to deliver again.' })
export class ReplayWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id: string;

  @Field({ description: 'An event cursor of the endpoint’s realm (an event’s `cursor`, Realm.lastEventCursor): every matching event after it is delivered again, in order.' })
  after: string;
}
