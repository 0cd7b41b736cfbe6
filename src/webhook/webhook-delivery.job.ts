import type { DataSource } from 'typeorm';
import { toGlobalId } from '../common/global-id';
import { withTransaction } from '../db/transaction';
import { appendEvents } from '../events/event-log';
import type { EventType } from '../events/event-types';
import type { EventRow } from '../events/event.repository';
import type { EventService } from '../events/event.service';
import type { Job } from '../jobs/jobs';
import type { Logger } from '../logger';
import { signatureHeader } from './signature';
import { webhookPayload } from './webhook-payload';
import { webhookRetryDelayMs } from './webhook-retry';
import type { WebhookSender } from './webhook-sender';
import {
  advanceCursor,
  beginAttempt,
  claimEndpoints,
  failDelivery,
  recordRetry,
  recordSuccess,
  releaseLease,
  stopEndpoint,
  webhookBacklog,
  type BegunAttempt,
  type ClaimedEndpoint,
  type FailedAttempt,
  type WebhookBacklog,
} from './webhook.repository';
import { parseWebhookUrl, resolveWebhookTarget, systemResolver, UnsafeWebhookUrl, type Resolver } from './url-safety';

export interface WebhookDeliveryOptions {
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  allowPrivateNetworks: boolean;
  /** Endpoints delivered to at once by this instance. */
  concurrency: number;
  /** Events delivered to one endpoint per turn before it goes to the back of the queue. */
  eventsPerTurn?: number;
  /** How long a claimed endpoint is this instance's; renewed before each event. Default: the timeout plus 10 s. */
  leaseMs?: number;
  resolve?: Resolver;
}

export const webhookDeliveryJobName = 'webhook-delivery';

/**
 * Pushes each realm's log to its webhook endpoints (docs/decisions.md 108, 109). A turn claims an
 * endpoint (a lease in its row: SKIP LOCKED, then `lease_token`/`lease_until`, so exactly one
 * instance delivers to it at a time), reads the realm's events after the endpoint's cursor — with
 * how far retention has pruned the log, so a gap pauses the endpoint instead of being crossed — and
 * POSTs them one at a time, in order: the attempt is recorded (and the lease renewed) before the
 * request leaves, the outcome after — a success and the next event's attempt in one statement —
 * and the cursor moves only on a 2xx that was recorded. A failure schedules the retry and ends the
 * turn (the event holds the endpoint's later ones back, nobody else's); 410 disables the endpoint;
 * an exhausted schedule pauses it, with its event in the same transaction. No transaction stays
 * open across a request.
 *
 * `run` only starts turns, up to `concurrency` at once, and returns: a slow endpoint holds its own
 * slot, and wakes (a NOTIFY of the log, a retry's timer, the tick) are not held behind it. A turn
 * delivers at most `eventsPerTurn` events, then the endpoint goes to the back (claims take the
 * endpoint served longest ago first), so a backlog of a thousand does not starve the others.
 * A crash mid-request loses nothing: the lease expires, another instance (or this one, restarted)
 * claims the endpoint and sends the event again, with the same `webhook-id`.
 */
export class WebhookDeliveryJob implements Job {
  readonly name = webhookDeliveryJobName;
  private readonly turns = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly eventsPerTurn: number;
  private readonly leaseMs: number;
  private readonly resolve: Resolver;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    /** The log's reader (src/events): the events after an endpoint's cursor. */
    private readonly events: Pick<EventService, 'readAfter'>,
    private readonly send: WebhookSender,
    private readonly logger: Logger,
    private readonly options: WebhookDeliveryOptions,
    /** Runs the job again (through the job runner, which never runs it twice at once). */
    private readonly wake: () => void,
  ) {
    this.eventsPerTurn = options.eventsPerTurn ?? 50;
    this.leaseMs = options.leaseMs ?? options.timeoutMs + 10_000;
    this.resolve = options.resolve ?? systemResolver;
  }

  /** What is left to deliver (the metrics' webhook gauges). */
  backlog(): Promise<WebhookBacklog> {
    return webhookBacklog(this.dataSource);
  }

  async run(): Promise<void> {
    if (this.stopped) return;
    const free = this.options.concurrency - this.turns.size;
    if (free <= 0) return;
    const claimed = await claimEndpoints(this.dataSource, free, this.leaseMs);
    for (const endpoint of claimed) {
      const turn = this.turn(endpoint)
        .catch((error: unknown) => this.logger.error('webhook delivery turn failed', { endpoint: endpoint.uuid, error: String(error) }))
        .finally(() => {
          this.turns.delete(turn);
          // A slot is free, and this endpoint (or another) may have more.
          if (!this.stopped) this.wake();
        });
      this.turns.add(turn);
    }
  }

  /** Waits for the turns in flight; no new ones start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.turns]);
  }

  private async turn(endpoint: ClaimedEndpoint): Promise<void> {
    try {
      const types = endpoint.eventTypes as EventType[] | null;
      const read = await this.events.readAfter(endpoint.realmUuid, endpoint.deliveredThroughSeq, this.eventsPerTurn, types);
      if (!read) return; // The realm is being deleted, and the endpoint with it.
      if (BigInt(read.prunedThroughSeq) > BigInt(endpoint.deliveredThroughSeq)) {
        await this.pauseForPrunedEvents(endpoint, read.prunedThroughSeq);
        return;
      }
      const { events } = read;
      let cursor = endpoint.deliveredThroughSeq;
      let attempt = events.length ? await beginAttempt(this.dataSource, endpoint, events[0], this.leaseMs) : undefined;
      for (const [index, event] of events.entries()) {
        // No attempt began: the lease is gone (the endpoint changed status, was deleted, or another instance has it).
        if (!attempt) return;
        const outcome = await this.deliver(endpoint, event, attempt, cursor, events[index + 1] ?? null);
        if (!outcome.delivered) return;
        cursor = event.seq;
        attempt = outcome.next;
      }
      // Fewer than a turn's worth: nothing else matches up to the log's end as claimed, so the
      // cursor skips the events of other types (the endpoint is not claimed again for them).
      if (events.length < this.eventsPerTurn && BigInt(endpoint.lastSeq) > BigInt(cursor)) {
        await withTransaction(this.dataSource, (tx) => advanceCursor(tx, endpoint, cursor, endpoint.lastSeq));
      }
    } finally {
      await releaseLease(this.dataSource, endpoint);
    }
  }

  /**
   * One event's attempt (begun already); on a 2xx recorded, the next event's attempt begins in the
   * same statement (`next`: none when the endpoint stopped meanwhile, or there is no next event).
   */
  private async deliver(endpoint: ClaimedEndpoint, event: EventRow, attempt: BegunAttempt, cursor: string, next: EventRow | null): Promise<{ delivered: true; next?: BegunAttempt } | { delivered: false }> {
    const outcome = await this.post(endpoint, event);
    if ('status' in outcome && outcome.status >= 200 && outcome.status < 300) {
      const recorded = await recordSuccess(this.dataSource, endpoint, attempt.uuid, outcome.status, cursor, event.seq, next, this.leaseMs);
      return recorded.moved ? { delivered: true, next: recorded.next } : { delivered: false };
    }
    const failure: FailedAttempt = {
      deliveryUuid: attempt.uuid,
      responseCode: 'status' in outcome ? outcome.status : null,
      error: 'status' in outcome ? `The receiver answered ${outcome.status}${outcome.status >= 300 && outcome.status < 400 ? ' (redirects are not followed)' : ''}.` : outcome.error,
    };
    if ('status' in outcome && outcome.status === 410) {
      await withTransaction(this.dataSource, async (tx) => {
        await stopEndpoint(tx, endpoint, 'DISABLED', 'GONE');
        await failDelivery(tx, endpoint, { ...failure, error: 'The receiver answered 410 Gone: the endpoint is DISABLED.' });
      });
      this.logger.warn('webhook endpoint disabled: 410 Gone', { endpoint: endpoint.uuid });
      return { delivered: false };
    }
    const retryInMs = webhookRetryDelayMs(attempt.attempts, this.options.retryDelaysMs);
    if (retryInMs !== null) {
      await withTransaction(this.dataSource, (tx) => recordRetry(tx, endpoint, failure, retryInMs));
      this.wakeIn(retryInMs);
      this.logger.info('webhook delivery failed; will retry', { endpoint: endpoint.uuid, attempts: attempt.attempts, error: failure.error, retryInMs });
      return { delivered: false };
    }
    await withTransaction(this.dataSource, async (tx) => {
      if (await stopEndpoint(tx, endpoint, 'PAUSED', 'RETRIES_EXHAUSTED')) {
        await appendEvents(tx, endpoint.realmUuid, [
          {
            type: 'webhook.endpoint_paused',
            data: {
              webhookEndpointId: toGlobalId('WebhookEndpoint', endpoint.uuid),
              url: endpoint.url,
              reason: 'RETRIES_EXHAUSTED',
              deliveryId: toGlobalId('WebhookDelivery', attempt.uuid),
              eventId: event.id,
            },
          },
        ]);
      }
      await failDelivery(tx, endpoint, failure);
    });
    this.logger.warn('webhook endpoint paused: the retry schedule ran out', { endpoint: endpoint.uuid, attempts: attempt.attempts, error: failure.error });
    return { delivered: false };
  }

  /**
   * Retention pruned events after the endpoint's cursor before it got them (it was paused longer
   * than EVENT_RETENTION_DAYS, or the schedule is longer): going on would skip them without a word,
   * so the endpoint is PAUSED (EVENTS_PRUNED) with an event that says so. Resuming it is refused
   * until a replay moves it past the gap (src/webhook/webhook.service.ts).
   */
  private async pauseForPrunedEvents(endpoint: ClaimedEndpoint, prunedThroughSeq: string): Promise<void> {
    await withTransaction(this.dataSource, async (tx) => {
      if (!(await stopEndpoint(tx, endpoint, 'PAUSED', 'EVENTS_PRUNED'))) return;
      await appendEvents(tx, endpoint.realmUuid, [
        {
          type: 'webhook.endpoint_paused',
          data: { webhookEndpointId: toGlobalId('WebhookEndpoint', endpoint.uuid), url: endpoint.url, reason: 'EVENTS_PRUNED', deliveryId: null, eventId: null },
        },
      ]);
    });
    this.logger.warn('webhook endpoint paused: events after its cursor were pruned before delivery', {
      endpoint: endpoint.uuid,
      deliveredThroughSeq: endpoint.deliveredThroughSeq,
      prunedThroughSeq,
    });
  }

  /** The request, to an address checked now (DNS may have changed since the URL was accepted) and pinned. */
  private async post(endpoint: ClaimedEndpoint, event: EventRow): Promise<{ status: number } | { error: string }> {
    let address;
    const url = parseWebhookUrl(endpoint.url);
    try {
      [address] = await resolveWebhookTarget(url, this.options.allowPrivateNetworks, this.resolve);
    } catch (error) {
      if (error instanceof UnsafeWebhookUrl) return { error: error.message };
      throw error;
    }
    const body = JSON.stringify(webhookPayload(event));
    const timestamp = Math.floor(Date.now() / 1000);
    return this.send({
      url,
      address,
      body,
      timeoutMs: this.options.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(endpoint.secrets, event.id, timestamp, body),
      },
    });
  }

  /** A retry is due sooner than the next tick may come: the job runs then. */
  private wakeIn(ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake();
    }, ms + 5);
    timer.unref();
    this.timers.add(timer);
  }
}
