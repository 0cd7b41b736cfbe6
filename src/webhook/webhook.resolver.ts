import { Arg, Args, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import type { Context } from '../common/context';
import { RealmEvent } from '../events/event.type';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import {
  CreateWebhookEndpointInput,
  DeleteWebhookEndpointInput,
  ReplayWebhookEndpointInput,
  RetryWebhookDeliveryInput,
  RotateWebhookSecretInput,
  UpdateWebhookEndpointInput,
} from './webhook.inputs';
import type { WebhookDeliveryRow, WebhookEndpointRow } from './webhook.repository';
import type { WebhookService } from './webhook.service';
import {
  CreateWebhookEndpointPayload,
  DeleteWebhookEndpointPayload,
  ReplayWebhookEndpointPayload,
  RetryWebhookDeliveryPayload,
  RotateWebhookSecretPayload,
  UpdateWebhookEndpointPayload,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookEndpoint,
  WebhookEndpointConnection,
} from './webhook.type';

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @FieldResolver(() => Realm, { nullable: true, description: 'The realm whose events it receives. Needs `realms:read`.' })
  realm(@Root() endpoint: WebhookEndpointRow, @Ctx() ctx: Context) {
    ctx.caller.needOn('realms:read', { realmUuid: endpoint.realmUuid });
    return this.webhooks.realmOf(ctx, endpoint);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Every (matching) event up to this cursor has been delivered (or was committed before the endpoint was created); pass it to replayWebhookEndpoint to deliver again from there.',
  })
  lastDeliveredCursor(@Root() endpoint: WebhookEndpointRow) {
    return this.webhooks.lastDeliveredCursor(endpoint);
  }

  @FieldResolver(() => WebhookDeliveryConnection, { nullable: true, description: 'Its deliveries, newest first: a row per event attempted. Needs `webhooks:read`.' })
  deliveries(@Root() endpoint: WebhookEndpointRow, @Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType) {
    ctx.caller.needOn('webhooks:read', { realmUuid: endpoint.realmUuid });
    return this.webhooks.deliveriesOf(ctx, endpoint, page);
  }

  @Mutation(() => CreateWebhookEndpointPayload, {
    nullable: true,
    description:
      'A new ACTIVE endpoint: the realm’s events committed from now on are POSTed to it, in order, signed with the secret in the payload (shown this once). ' +
      'Needs `webhooks:write`; WEBHOOK_URL_NOT_ALLOWED for a URL of a private address.',
  })
  createWebhookEndpoint(@Ctx() ctx: Context, @Arg('input', () => CreateWebhookEndpointInput, { description: 'The realm, the URL and the event types.' }) input: CreateWebhookEndpointInput) {
    return this.webhooks.create(ctx, input);
  }

  @Mutation(() => UpdateWebhookEndpointPayload, {
    nullable: true,
    description: 'Changes the fields given; status ACTIVE resumes a PAUSED or DISABLED endpoint from where it stopped. Needs `webhooks:write`.',
  })
  updateWebhookEndpoint(@Ctx() ctx: Context, @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The endpoint and the new values.' }) input: UpdateWebhookEndpointInput) {
    return this.webhooks.update(ctx, input);
  }

  @Mutation(() => DeleteWebhookEndpointPayload, { nullable: true, description: 'Deletes the endpoint and its delivery history; nothing more is sent to it. Needs `webhooks:write`.' })
  deleteWebhookEndpoint(@Ctx() ctx: Context, @Arg('input', () => DeleteWebhookEndpointInput, { description: 'The endpoint to delete.' }) input: DeleteWebhookEndpointInput) {
    return this.webhooks.delete(ctx, input);
  }

  @Mutation(() => RotateWebhookSecretPayload, {
    nullable: true,
    description: 'A new signing secret (in the payload, this once); during `graceSeconds` deliveries carry two signatures, the new one first. Needs `webhooks:write`.',
  })
  rotateWebhookSecret(@Ctx() ctx: Context, @Arg('input', () => RotateWebhookSecretInput, { description: 'The endpoint and the grace period.' }) input: RotateWebhookSecretInput) {
    return this.webhooks.rotateSecret(ctx, input);
  }

  @Mutation(() => RetryWebhookDeliveryPayload, {
    nullable: true,
    description: 'Sends a FAILED delivery again, now, resuming its endpoint if it was paused or disabled. Needs `webhooks:write`; INVALID_STATUS_TRANSITION unless FAILED.',
  })
  retryWebhookDelivery(@Ctx() ctx: Context, @Arg('input', () => RetryWebhookDeliveryInput, { description: 'The delivery.' }) input: RetryWebhookDeliveryInput) {
    return this.webhooks.retryDelivery(ctx, input);
  }

  @Mutation(() => ReplayWebhookEndpointPayload, {
    nullable: true,
    description:
      'Delivers again every matching event after the cursor, in order, with their original `webhook-id`s. Needs `webhooks:write`; EVENT_CURSOR_EXPIRED when retention removed events after it.',
  })
  replayWebhookEndpoint(@Ctx() ctx: Context, @Arg('input', () => ReplayWebhookEndpointInput, { description: 'The endpoint and the cursor.' }) input: ReplayWebhookEndpointInput) {
    return this.webhooks.replay(ctx, input);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @FieldResolver(() => WebhookEndpoint, { nullable: true, description: 'The endpoint it is to.' })
  endpoint(@Root() delivery: WebhookDeliveryRow, @Ctx() ctx: Context) {
    return this.webhooks.getEndpoint(ctx, delivery.endpointUuid);
  }

  @FieldResolver(() => String, { description: 'The event’s cursor in the realm’s log (replayWebhookEndpoint takes it).' })
  eventCursor(@Root() delivery: WebhookDeliveryRow) {
    return this.webhooks.eventCursor(delivery);
  }

  @FieldResolver(() => RealmEvent, { nullable: true, description: 'The event as the log has it; null once retention removed it. Needs `events:read`.' })
  event(@Root() delivery: WebhookDeliveryRow, @Ctx() ctx: Context) {
    ctx.caller.needOn('events:read', { realmUuid: delivery.realmUuid });
    return this.webhooks.eventOf(ctx, delivery);
  }
}

@Resolver(() => Realm)
export class RealmWebhookEndpointsResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @FieldResolver(() => WebhookEndpointConnection, { nullable: true, description: 'The realm’s webhook endpoints, oldest first. Needs `webhooks:read`: without it, null with FORBIDDEN.' })
  webhookEndpoints(@Root() realm: RealmRow, @Ctx() ctx: Context, @Args(() => PageArgsType) page: PageArgsType) {
    ctx.caller.needOn('webhooks:read', { realmUuid: realm.uuid });
    return this.webhooks.listInRealm(ctx, realm, page);
  }
}
