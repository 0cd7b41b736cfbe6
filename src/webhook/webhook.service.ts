import type { ConnectionData } from '../common/connection.type';
import type { Context } from '../common/context';
import { AppError, ErrorCode, invalidInput, notFound, type InputPath } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { pageRequest, PageEdge, toPage, type PageArgs } from '../common/pagination';
import { wholeList } from '../common/projection';
import { optionalText } from '../common/validate';
import type { Tx } from '../db/transaction';
import type { Writes } from '../db/writes';
import { decodeEventCursor, encodeEventCursor } from '../events/event-cursor';
import { cursorAhead, cursorExpired } from '../events/event-relay';
import type { EventRow } from '../events/event.repository';
import type { EventService } from '../events/event.service';
import type { RealmRow } from '../realm/realm.repository';
import type { RealmService } from '../realm/realm.service';
import type { CreateWebhookEndpointInput, DeleteWebhookEndpointInput, ReplayWebhookEndpointInput, RetryWebhookDeliveryInput, RotateWebhookSecretInput, UpdateWebhookEndpointInput } from './webhook.inputs';
import { webhookLoaders } from './webhook.loaders';
import {
  abandonPendingThrough,
  deleteEndpoint,
  insertEndpoint,
  lockDelivery,
  lockEndpoint,
  realmLogBounds,
  requeueDelivery,
  rotateSecret,
  updateEndpoint,
  webhookDeliveryOrdering,
  webhookEndpointOrdering,
  type EndpointChanges,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from './webhook.repository';
import { newWebhookSecret } from './signature';
import { parseWebhookUrl, resolveWebhookTarget, systemResolver, UnsafeWebhookUrl, type Resolver } from './url-safety';

export interface WebhookRules {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS. */
  readonly allowPrivateNetworks: boolean;
  /** How hosts are resolved for the URL check (dns.lookup; replaced in tests). */
  readonly resolve?: Resolver;
}

const defaultGraceSeconds = 86_400;
const maxGraceSeconds = 604_800;

/** Webhook endpoints and their deliveries: the rules of managing them (the delivery itself is src/webhook/webhook-delivery.job.ts). */
export class WebhookService {
  private readonly resolve: Resolver;

  constructor(
    private readonly writes: Writes,
    private readonly realms: RealmService,
    private readonly events: EventService,
    private readonly rules: WebhookRules,
    /** Wakes the delivery job: an endpoint is due now (resumed, replayed, retried). */
    private readonly wakeDelivery: () => void,
  ) {
    this.resolve = rules.resolve ?? systemResolver;
  }

  getEndpoint(ctx: Context, uuid: string): Promise<WebhookEndpointRow | null> {
    return ctx.loaders.of(webhookLoaders).endpointByUuid.load(uuid);
  }

  getDelivery(ctx: Context, uuid: string): Promise<WebhookDeliveryRow | null> {
    return ctx.loaders.of(webhookLoaders).deliveryByUuid.load(uuid);
  }

  async listInRealm(ctx: Context, realm: RealmRow, args: PageArgs): Promise<ConnectionData<PageEdge<WebhookEndpointRow & Record<`__cursor${number}`, string>>>> {
    const request = pageRequest(args, webhookEndpointOrdering, ctx.limits);
    const loaders = ctx.loaders.of(webhookLoaders).ofRealm;
    const rows = await loaders.page(realm.uuid, undefined, webhookEndpointOrdering, request, wholeList);
    return { ...toPage(rows, webhookEndpointOrdering, request, PageEdge), totalCount: () => loaders.count(realm.uuid, undefined) };
  }

  async deliveriesOf(ctx: Context, endpoint: WebhookEndpointRow, args: PageArgs): Promise<ConnectionData<PageEdge<WebhookDeliveryRow & Record<`__cursor${number}`, string>>>> {
    const request = pageRequest(args, webhookDeliveryOrdering, ctx.limits);
    const loaders = ctx.loaders.of(webhookLoaders).deliveriesOf;
    const rows = await loaders.page(endpoint.uuid, undefined, webhookDeliveryOrdering, request, wholeList);
    return { ...toPage(rows, webhookDeliveryOrdering, request, PageEdge), totalCount: () => loaders.count(endpoint.uuid, undefined) };
  }

  realmOf(ctx: Context, row: { realmUuid: string }): Promise<RealmRow | null> {
    return this.realms.get(ctx, row.realmUuid);
  }

  /** Every (matching) event up to this cursor has been delivered, or came before the endpoint. */
  lastDeliveredCursor(endpoint: WebhookEndpointRow): string {
    return encodeEventCursor(endpoint.realmUuid, endpoint.deliveredThroughSeq);
  }

  eventCursor(delivery: WebhookDeliveryRow): string {
    return encodeEventCursor(delivery.realmUuid, delivery.eventSeq);
  }

  eventOf(ctx: Context, delivery: WebhookDeliveryRow): Promise<EventRow | null> {
    return this.events.eventAt(ctx, delivery.realmUuid, delivery.eventSeq);
  }

  async create(ctx: Context, input: CreateWebhookEndpointInput): Promise<{ webhookEndpoint: WebhookEndpointRow; secret: string }> {
    const realmUuid = expectGlobalId(input.realmId, 'Realm', ['input', 'realmId']);
    ctx.caller.needIn('webhooks:write', realmUuid, ['input', 'realmId']);
    const url = await this.safeUrl(input.url, ['input', 'url']);
    const description = optionalText(input.description, ['input', 'description'], 'The description', 1000) ?? null;
    const eventTypes = this.eventTypes(input.eventTypes);
    const secret = newWebhookSecret();
    const webhookEndpoint = await this.writes.run(ctx, async (tx) => {
      const row = await insertEndpoint(tx, { realmUuid, url, description, eventTypes, secret });
      if (!row) throw notFound('realm', ['input', 'realmId'], input.realmId);
      return row;
    });
    return { webhookEndpoint, secret };
  }

  async update(ctx: Context, input: UpdateWebhookEndpointInput): Promise<{ webhookEndpoint: WebhookEndpointRow }> {
    ctx.caller.need('webhooks:write');
    const uuid = expectGlobalId(input.id, 'WebhookEndpoint', ['input', 'id']);
    const changes: EndpointChanges = {};
    if (input.url != null) changes.url = await this.safeUrl(input.url, ['input', 'url']);
    if (input.description !== undefined) changes.description = optionalText(input.description, ['input', 'description'], 'The description', 1000) ?? null;
    if (input.eventTypes !== undefined) changes.eventTypes = this.eventTypes(input.eventTypes);
    const webhookEndpoint = await this.writes.run(ctx, async (tx) => {
      const current = await this.lockReachable(ctx, tx, uuid, input.id);
      const resumed = input.status === 'ACTIVE' && current.status !== 'ACTIVE';
      if (resumed) await this.refuseGap(tx, current);
      if (input.status != null && input.status !== current.status) {
        changes.status = input.status === 'ACTIVE' ? { status: 'ACTIVE', reason: null } : { status: input.status, reason: 'REQUESTED' };
      }
      // Resumed, or sent elsewhere: due now rather than at a retry time set for the old state.
      changes.dueNow = resumed || (changes.url !== undefined && changes.url !== current.url);
      const row = await updateEndpoint(tx, uuid, changes);
      if (changes.dueNow) tx.afterCommit(this.wakeDelivery);
      return row;
    });
    return { webhookEndpoint };
  }

  async delete(ctx: Context, input: DeleteWebhookEndpointInput): Promise<{ deletedWebhookEndpointId: string }> {
    ctx.caller.need('webhooks:write');
    const uuid = expectGlobalId(input.id, 'WebhookEndpoint', ['input', 'id']);
    await this.writes.run(ctx, async (tx) => {
      await this.lockReachable(ctx, tx, uuid, input.id);
      await deleteEndpoint(tx, uuid);
    });
    return { deletedWebhookEndpointId: input.id };
  }

  async rotateSecret(ctx: Context, input: RotateWebhookSecretInput): Promise<{ webhookEndpoint: WebhookEndpointRow; secret: string }> {
    ctx.caller.need('webhooks:write');
    const uuid = expectGlobalId(input.id, 'WebhookEndpoint', ['input', 'id']);
    const graceSeconds = input.graceSeconds ?? defaultGraceSeconds;
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > maxGraceSeconds) {
      throw invalidInput(['input', 'graceSeconds'], `graceSeconds is from 0 to ${maxGraceSeconds} (a week).`);
    }
    const secret = newWebhookSecret();
    const webhookEndpoint = await this.writes.run(ctx, async (tx) => {
      await this.lockReachable(ctx, tx, uuid, input.id);
      return rotateSecret(tx, uuid, secret, graceSeconds);
    });
    return { webhookEndpoint, secret };
  }

  /**
   * A FAILED delivery attempted again, now: PENDING, its endpoint ACTIVE (resumed if paused or
   * disabled) and due. Only the endpoint's next event: one the endpoint has gone past (delivered
   * since, or skipped by a replay) or will reach again (replayed to before it) is refused with
   * WEBHOOK_DELIVERY_NOT_NEXT and the cursor to replay from — sending an old event alone would
   * arrive after the events that followed it, and resending everything after it silently is not
   * what "retry this delivery" says (docs/decisions.md 109). One more attempt: the schedule does
   * not start again for it, so failing again pauses the endpoint again; resuming the endpoint
   * (status ACTIVE) gives its next event a new schedule.
   */
  async retryDelivery(ctx: Context, input: RetryWebhookDeliveryInput): Promise<{ webhookDelivery: WebhookDeliveryRow }> {
    ctx.caller.need('webhooks:write');
    const uuid = expectGlobalId(input.id, 'WebhookDelivery', ['input', 'id']);
    const webhookDelivery = await this.writes.run(ctx, async (tx) => {
      const delivery = await lockDelivery(tx, uuid);
      if (!delivery || !ctx.caller.reaches(delivery.realmUuid)) throw notFound('webhook delivery', ['input', 'id'], input.id);
      if (delivery.status !== 'FAILED') {
        throw new AppError(ErrorCode.INVALID_STATUS_TRANSITION, `Only a FAILED delivery can be retried; this one is ${delivery.status}.`, ['input', 'id'], { status: delivery.status });
      }
      const endpoint = (await lockEndpoint(tx, delivery.endpointUuid))!;
      const before = (BigInt(delivery.eventSeq) - 1n).toString();
      const bounds = (await realmLogBounds(tx, endpoint.realmUuid))!;
      if (BigInt(before) < BigInt(bounds.prunedThroughSeq)) {
        throw new AppError(ErrorCode.EVENT_CURSOR_EXPIRED, 'The event of this delivery is no longer kept (see EVENT_RETENTION_DAYS): it cannot be sent again.', ['input', 'id']);
      }
      if (endpoint.deliveredThroughSeq !== before) {
        const passed = BigInt(endpoint.deliveredThroughSeq) > BigInt(before);
        throw new AppError(
          ErrorCode.WEBHOOK_DELIVERY_NOT_NEXT,
          passed
            ? 'The endpoint has gone past this event (it was delivered since, or a replay skipped it). To send it again with the events after it, replay the endpoint after `replayAfter`.'
            : 'The endpoint was replayed to before this event: it will be sent again, in order, when the endpoint reaches it.',
          ['input', 'id'],
          { deliveredThroughCursor: this.lastDeliveredCursor(endpoint), replayAfter: encodeEventCursor(endpoint.realmUuid, before) },
        );
      }
      await updateEndpoint(tx, endpoint.uuid, { status: { status: 'ACTIVE', reason: null }, dueNow: true });
      const row = await requeueDelivery(tx, delivery);
      tx.afterCommit(this.wakeDelivery);
      return row;
    });
    return { webhookDelivery };
  }

  /**
   * Every (matching) event after the cursor delivered again, in order: the endpoint's cursor goes
   * there. Its status is left as it is (a PAUSED endpoint replays once resumed). A cursor past the
   * endpoint's own skips the events between: their PENDING deliveries are FAILED, as skipped.
   */
  async replay(ctx: Context, input: ReplayWebhookEndpointInput): Promise<{ webhookEndpoint: WebhookEndpointRow }> {
    ctx.caller.need('webhooks:write');
    const uuid = expectGlobalId(input.id, 'WebhookEndpoint', ['input', 'id']);
    const webhookEndpoint = await this.writes.run(ctx, async (tx) => {
      const endpoint = await this.lockReachable(ctx, tx, uuid, input.id);
      const seq = decodeEventCursor(input.after, endpoint.realmUuid, ['input', 'after']);
      const bounds = (await realmLogBounds(tx, endpoint.realmUuid))!;
      if (BigInt(seq) < BigInt(bounds.prunedThroughSeq)) throw cursorExpired(['input', 'after']);
      if (BigInt(seq) > BigInt(bounds.lastSeq)) throw cursorAhead(['input', 'after']);
      await abandonPendingThrough(tx, uuid, seq);
      const row = await updateEndpoint(tx, uuid, { deliveredThroughSeq: seq, dueNow: true });
      tx.afterCommit(this.wakeDelivery);
      return row;
    });
    return { webhookEndpoint };
  }

  /**
   * An endpoint resumed with events after its cursor pruned would skip them silently: refused, with
   * the oldest cursor a replay can start from (replaying there, then resuming, is the knowing choice).
   */
  private async refuseGap(tx: Tx, endpoint: WebhookEndpointRow): Promise<void> {
    const bounds = (await realmLogBounds(tx, endpoint.realmUuid))!;
    if (BigInt(endpoint.deliveredThroughSeq) >= BigInt(bounds.prunedThroughSeq)) return;
    throw new AppError(
      ErrorCode.EVENT_CURSOR_EXPIRED,
      'Events after this endpoint’s last delivered one are no longer kept (see EVENT_RETENTION_DAYS), so resuming would skip them. ' +
        'To resume past them, replay the endpoint after `oldestCursor` (replayWebhookEndpoint), then set it ACTIVE.',
      ['input', 'status'],
      { oldestCursor: encodeEventCursor(endpoint.realmUuid, bounds.prunedThroughSeq) },
    );
  }

  private async lockReachable(ctx: Context, tx: Tx, uuid: string, id: string): Promise<WebhookEndpointRow> {
    const endpoint = await lockEndpoint(tx, uuid);
    if (!endpoint || !ctx.caller.reaches(endpoint.realmUuid)) throw notFound('webhook endpoint', ['input', 'id'], id);
    return endpoint;
  }

  /** The URL's form, and where it leads now (checked again at each delivery: DNS changes). */
  private async safeUrl(raw: string, path: InputPath): Promise<string> {
    try {
      const url = parseWebhookUrl(raw.trim());
      await resolveWebhookTarget(url, this.rules.allowPrivateNetworks, this.resolve);
      return url.toString();
    } catch (error) {
      if (error instanceof UnsafeWebhookUrl) throw new AppError(ErrorCode.WEBHOOK_URL_NOT_ALLOWED, error.message, path);
      throw error;
    }
  }

  /** Null or omitted: every type; an empty list is refused (it would deliver nothing). */
  private eventTypes(types: readonly string[] | null | undefined): string[] | null {
    if (types == null) return null;
    if (types.length === 0) throw invalidInput(['input', 'eventTypes'], 'List at least one event type, or pass null for every type.');
    return [...new Set(types)];
  }
}
