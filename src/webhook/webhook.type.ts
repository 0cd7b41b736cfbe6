import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, EdgeType } from '../common/connection.type';
import { Node } from '../common/node.type';
import { RealmEventType } from '../events/event.type';
import type { WebhookDeliveryStatus, WebhookEndpointStatus, WebhookEndpointStatusReason } from './webhook.repository';

export const WebhookEndpointStatusEnum = { ACTIVE: 'ACTIVE', PAUSED: 'PAUSED', DISABLED: 'DISABLED' } as const satisfies Record<WebhookEndpointStatus, WebhookEndpointStatus>;
registerEnumType(WebhookEndpointStatusEnum, {
  name: 'WebhookEndpointStatus',
  description: 'Whether an endpoint receives deliveries.',
  valuesConfig: {
    ACTIVE: { description: 'Events are delivered to it, in order (perhaps waiting for a retry: see `failingSince`).' },
    PAUSED: {
      description:
        'Stopped until updateWebhookEndpoint sets it ACTIVE, which resumes it from its next undelivered event: its retry schedule ran out, events it had not got were pruned, ' +
        'or an administrator paused it (`statusReason`).',
    },
    DISABLED: { description: 'The receiver answered 410 Gone, or an administrator disabled it (`statusReason`). updateWebhookEndpoint with status ACTIVE resumes it from where it stopped.' },
  },
});

export const WebhookEndpointStatusReasonEnum = {
  RETRIES_EXHAUSTED: 'RETRIES_EXHAUSTED',
  GONE: 'GONE',
  EVENTS_PRUNED: 'EVENTS_PRUNED',
  REQUESTED: 'REQUESTED',
} as const satisfies Record<WebhookEndpointStatusReason, WebhookEndpointStatusReason>;
registerEnumType(WebhookEndpointStatusReasonEnum, {
  name: 'WebhookEndpointStatusReason',
  description: 'Why an endpoint is not ACTIVE.',
  valuesConfig: {
    RETRIES_EXHAUSTED: { description: 'PAUSED: the retry schedule ran out on a delivery (FAILED; a WEBHOOK_ENDPOINT_PAUSED event says so). Fix the receiver, then resume.' },
    GONE: { description: 'DISABLED: the receiver answered 410 Gone.' },
    EVENTS_PRUNED: {
      description:
        'PAUSED: retention (EVENT_RETENTION_DAYS) removed events after its cursor before they were delivered (a WEBHOOK_ENDPOINT_PAUSED event says so). ' +
        'Resuming is refused (EVENT_CURSOR_EXPIRED) until replayWebhookEndpoint moves it past the gap: reconcile the receiver, replay from the oldest cursor kept, then resume.',
    },
    REQUESTED: { description: 'PAUSED or DISABLED by updateWebhookEndpoint.' },
  },
});

export const WebhookDeliveryStatusEnum = { PENDING: 'PENDING', SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED' } as const satisfies Record<WebhookDeliveryStatus, WebhookDeliveryStatus>;
registerEnumType(WebhookDeliveryStatusEnum, {
  name: 'WebhookDeliveryStatus',
  description: 'Where one event’s delivery to one endpoint stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: being attempted, or waiting for a retry at `nextAttemptAt`.' },
    SUCCEEDED: { description: 'The receiver answered 2xx.' },
    FAILED: { description: 'Given up: the retry schedule ran out, the receiver answered 410, or a replay skipped it. retryWebhookDelivery sends it again.' },
  },
});

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    'An HTTP endpoint that receives a realm’s events as they commit, in order, signed as the Standard Webhooks specification says (README “Webhooks”). Its secret is shown only by createWebhookEndpoint and rotateWebhookSecret.',
})
export class WebhookEndpoint extends Node {
  @Field({ description: 'Where the events are POSTed: an http(s) URL of a public address (unless the server sets WEBHOOK_ALLOW_PRIVATE_NETWORKS).' })
  url: string;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 1 000 characters.' })
  description: string | null;

  @Field(() => [RealmEventType], { nullable: true, description: 'The event types delivered; null: every type.' })
  eventTypes: string[] | null;

  @Field(() => WebhookEndpointStatusEnum, { description: 'Whether it receives deliveries.' })
  status: WebhookEndpointStatus;

  @Field(() => WebhookEndpointStatusReasonEnum, { nullable: true, description: 'Why it is PAUSED or DISABLED; null while ACTIVE.' })
  statusReason: WebhookEndpointStatusReason | null;

  @Field({ description: 'When it was created: delivery begins with the events committed after.' })
  createdAt: Date;

  @Field({ description: 'When its settings or status last changed.' })
  updatedAt: Date;

  @Field(() => Date, { nullable: true, description: 'Since when its deliveries fail (the first failure since the last success); null while they succeed.' })
  failingSince: Date | null;
}

@ObjectType({ implements: Node, simpleResolvers: true, description: 'One event’s delivery to one webhook endpoint: a row per event attempted, with its last attempt.' })
export class WebhookDelivery extends Node {
  @Field(() => ID, { description: 'The event’s `id`: the `webhook-id` header of every attempt and replay of it, by which receivers drop duplicates.' })
  eventId: string;

  @Field(() => RealmEventType, { description: 'The event’s type.' })
  eventType: string;

  @Field(() => WebhookDeliveryStatusEnum, { description: 'Where it stands.' })
  status: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far (one is counted as it begins).' })
  attempts: number;

  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last answer; null when there was none (a network error, a timeout, a refused address).' })
  lastResponseCode: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed, when it did.' })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: 'When the last attempt began.' })
  lastAttemptAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it is attempted again; null unless PENDING after a failure.' })
  nextAttemptAt: Date | null;
}

@ObjectType({ simpleResolvers: true, description: 'A webhook endpoint in a page, with its cursor.' })
export class WebhookEndpointEdge extends EdgeType(WebhookEndpoint) {}

@ObjectType({ simpleResolvers: true, description: 'A page of a realm’s webhook endpoints, oldest first.' })
export class WebhookEndpointConnection extends ConnectionType(WebhookEndpointEdge) {}

@ObjectType({ simpleResolvers: true, description: 'A delivery in a page, with its cursor.' })
export class WebhookDeliveryEdge extends EdgeType(WebhookDelivery) {}

@ObjectType({ simpleResolvers: true, description: 'A page of an endpoint’s deliveries, newest first.' })
export class WebhookDeliveryConnection extends ConnectionType(WebhookDeliveryEdge) {}

@ObjectType({ simpleResolvers: true, description: 'The new endpoint and, this once, its signing secret.' })
export class CreateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { description: 'The new endpoint, ACTIVE.' })
  webhookEndpoint: WebhookEndpoint;

  @Field({ description: 'The signing secret, `whsec_…`: verify deliveries with it (e.g. npm `standardwebhooks`). Shown this once; store it now.' })
  secret: string;
}

@ObjectType({ simpleResolvers: true, description: 'The endpoint as changed.' })
export class UpdateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint, with the new values.' })
  webhookEndpoint: WebhookEndpoint;
}

@ObjectType({ simpleResolvers: true, description: 'What deleteWebhookEndpoint deleted.' })
export class DeleteWebhookEndpointPayload {
  @Field(() => ID, { description: 'The deleted endpoint’s ID; its deliveries went with it.' })
  deletedWebhookEndpointId: string;
}

@ObjectType({ simpleResolvers: true, description: 'The endpoint and its new secret.' })
export class RotateWebhookSecretPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  webhookEndpoint: WebhookEndpoint;

  @Field({ description: 'The new signing secret, `whsec_…`, shown this once. Until the grace period ends, deliveries carry a signature with each secret.' })
  secret: string;
}

@ObjectType({ simpleResolvers: true, description: 'The delivery sent again.' })
export class RetryWebhookDeliveryPayload {
  @Field(() => WebhookDelivery, { description: 'The delivery, PENDING again.' })
  webhookDelivery: WebhookDelivery;
}

@ObjectType({ simpleResolvers: true, description: 'The endpoint moved back to the cursor.' })
export class ReplayWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint; its events after the cursor are delivered again, in order.' })
  webhookEndpoint: WebhookEndpoint;
}
