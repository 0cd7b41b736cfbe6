import type { CursorRow, Ordering, PageRequest } from '../common/pagination';
import { countsByParent, pagesByParent } from '../db/paged-query';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';

export type WebhookEndpointStatus = 'ACTIVE' | 'PAUSED' | 'DISABLED';
export type WebhookDeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';
/** Why an endpoint is not ACTIVE. */
export type WebhookEndpointStatusReason = 'RETRIES_EXHAUSTED' | 'GONE' | 'EVENTS_PRUNED' | 'REQUESTED';

/** An endpoint as the API reads it: never its secrets, nor its lease. */
export interface WebhookEndpointRow {
  __typename: 'WebhookEndpoint';
  id: string;
  uuid: string;
  realmUuid: string;
  url: string;
  description: string | null;
  /** Dotted, as the log stores them; null: every type. */
  eventTypes: string[] | null;
  status: WebhookEndpointStatus;
  /** Null exactly while ACTIVE (a CHECK). */
  statusReason: WebhookEndpointStatusReason | null;
  deliveredThroughSeq: string;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookDeliveryRow {
  __typename: 'WebhookDelivery';
  id: string;
  uuid: string;
  endpointUuid: string;
  realmUuid: string;
  eventSeq: string;
  /** The event's own id (RealmEvent.id, the webhook-id header). */
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastResponseCode: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

const endpointColumns = `'WebhookEndpoint' AS "__typename", global_id('WebhookEndpoint', w.id) AS id, w.id AS uuid, w.realm_id AS "realmUuid",
  w.url, w.description, w.event_types AS "eventTypes", w.status, w.status_reason AS "statusReason", w.delivered_through_seq::text AS "deliveredThroughSeq",
  w.failing_since AS "failingSince", w.created_at AS "createdAt", w.updated_at AS "updatedAt"`;

const deliveryColumns = `'WebhookDelivery' AS "__typename", global_id('WebhookDelivery', d.id) AS id, d.id AS uuid, d.endpoint_id AS "endpointUuid",
  d.realm_id AS "realmUuid", d.event_seq::text AS "eventSeq", d.event_id AS "eventId", d.event_type AS "eventType", d.status, d.attempts,
  d.last_response_code AS "lastResponseCode", d.last_error AS "lastError", d.last_attempt_at AS "lastAttemptAt",
  d.next_attempt_at AS "nextAttemptAt", d.created_at AS "createdAt"`;

export const webhookEndpointOrdering: Ordering = {
  key: 'webhookEndpoint.created',
  columns: [
    { sql: 'w.created_at', type: 'timestamptz' },
    { sql: 'w.id', type: 'uuid' },
  ],
  descending: false,
};

/** Newest first. */
export const webhookDeliveryOrdering: Ordering = {
  key: 'webhookDelivery.created',
  columns: [
    { sql: 'd.created_at', type: 'timestamptz' },
    { sql: 'd.id', type: 'uuid' },
  ],
  descending: true,
};

export function findEndpointsByUuid(db: Queryable, uuids: readonly string[]): Promise<WebhookEndpointRow[]> {
  return db.query(`SELECT ${endpointColumns} FROM webhook_endpoints w WHERE w.id = ANY($1::uuid[])`, [uuids]);
}

export function findDeliveriesByUuid(db: Queryable, uuids: readonly string[]): Promise<WebhookDeliveryRow[]> {
  return db.query(`SELECT ${deliveryColumns} FROM webhook_deliveries d WHERE d.id = ANY($1::uuid[])`, [uuids]);
}

export function endpointPagesByRealm(db: Queryable, realmUuids: readonly string[], request: PageRequest): Promise<Map<string, CursorRow<WebhookEndpointRow>[]>> {
  return pagesByParent<WebhookEndpointRow>(db, realmUuids, {
    select: endpointColumns,
    from: 'webhook_endpoints w',
    parentColumn: 'w.realm_id',
    ordering: webhookEndpointOrdering,
    request,
  });
}

export function endpointCountsByRealm(db: Queryable, realmUuids: readonly string[]) {
  return countsByParent(db, realmUuids, { from: 'webhook_endpoints w', parentColumn: 'w.realm_id' });
}

export function deliveryPagesByEndpoint(db: Queryable, endpointUuids: readonly string[], request: PageRequest): Promise<Map<string, CursorRow<WebhookDeliveryRow>[]>> {
  return pagesByParent<WebhookDeliveryRow>(db, endpointUuids, {
    select: deliveryColumns,
    from: 'webhook_deliveries d',
    parentColumn: 'd.endpoint_id',
    ordering: webhookDeliveryOrdering,
    request,
  });
}

export function deliveryCountsByEndpoint(db: Queryable, endpointUuids: readonly string[]) {
  return countsByParent(db, endpointUuids, { from: 'webhook_deliveries d', parentColumn: 'd.endpoint_id' });
}

export interface NewWebhookEndpoint {
  realmUuid: string;
  url: string;
  description: string | null;
  eventTypes: readonly string[] | null;
  secret: string;
}

/** The cursor starts at the realm's last event as this transaction reads it: delivery begins with the events committed after. */
export async function insertEndpoint(tx: Tx, endpoint: NewWebhookEndpoint): Promise<WebhookEndpointRow | undefined> {
  const [row] = await tx.query<WebhookEndpointRow>(
    `INSERT INTO webhook_endpoints AS w (realm_id, url, description, event_types, secret, delivered_through_seq)
     SELECT r.id, $2, $3, $4, $5, r.last_event_seq FROM realms r WHERE r.id = $1
     RETURNING ${endpointColumns}`,
    [endpoint.realmUuid, endpoint.url, endpoint.description, endpoint.eventTypes, endpoint.secret],
  );
  return row;
}

/** The endpoint, locked until the change commits. */
export async function lockEndpoint(tx: Tx, uuid: string): Promise<WebhookEndpointRow | undefined> {
  const [row] = await tx.query<WebhookEndpointRow>(`SELECT ${endpointColumns} FROM webhook_endpoints w WHERE w.id = $1 FOR UPDATE`, [uuid]);
  return row;
}

export interface EndpointChanges {
  url?: string;
  description?: string | null;
  eventTypes?: readonly string[] | null;
  /** With its reason: null for ACTIVE. */
  status?: { status: 'ACTIVE'; reason: null } | { status: 'PAUSED' | 'DISABLED'; reason: WebhookEndpointStatusReason };
  /** Due now: a resumption, a new URL, a replay. */
  dueNow?: boolean;
  deliveredThroughSeq?: string;
}

export async function updateEndpoint(tx: Tx, uuid: string, changes: EndpointChanges): Promise<WebhookEndpointRow> {
  const sets = ['updated_at = now()', 'version = version + 1'];
  const params: unknown[] = [uuid];
  const set = (column: string, value: unknown, cast = '') => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if (changes.url !== undefined) set('url', changes.url);
  if (changes.description !== undefined) set('description', changes.description);
  if (changes.eventTypes !== undefined) set('event_types', changes.eventTypes, '::text[]');
  if (changes.status !== undefined) {
    set('status', changes.status.status);
    set('status_reason', changes.status.reason);
  }
  if (changes.deliveredThroughSeq !== undefined) set('delivered_through_seq', changes.deliveredThroughSeq, '::bigint');
  if (changes.dueNow) sets.push('next_attempt_at = now()');
  const [row] = await tx.query<WebhookEndpointRow>(`UPDATE webhook_endpoints w SET ${sets.join(', ')} WHERE w.id = $1 RETURNING ${endpointColumns}`, params);
  return row;
}

export async function deleteEndpoint(tx: Tx, uuid: string): Promise<void> {
  await tx.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [uuid]);
}

/** A new secret; the current one keeps signing beside it until `graceSeconds` from now (0: not at all). */
export async function rotateSecret(tx: Tx, uuid: string, secret: string, graceSeconds: number): Promise<WebhookEndpointRow> {
  const [row] = await tx.query<WebhookEndpointRow>(
    `UPDATE webhook_endpoints w
        SET previous_secret = CASE WHEN $3::integer > 0 THEN w.secret END,
            previous_secret_expires_at = CASE WHEN $3::integer > 0 THEN now() + $3::integer * interval '1 second' END,
            secret = $2, updated_at = now(), version = version + 1
      WHERE w.id = $1 RETURNING ${endpointColumns}`,
    [uuid, secret, graceSeconds],
  );
  return row;
}

export async function lockDelivery(tx: Tx, uuid: string): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await tx.query<WebhookDeliveryRow>(`SELECT ${deliveryColumns} FROM webhook_deliveries d WHERE d.id = $1 FOR UPDATE`, [uuid]);
  return row;
}

/**
 * A FAILED delivery PENDING again, due now — unless its event already has a PENDING delivery to
 * the endpoint (a resumed endpoint is retrying it): then that one is the retry.
 */
export async function requeueDelivery(tx: Tx, delivery: WebhookDeliveryRow): Promise<WebhookDeliveryRow> {
  const [pending] = await tx.query<WebhookDeliveryRow>(
    `SELECT ${deliveryColumns} FROM webhook_deliveries d WHERE d.endpoint_id = $1 AND d.event_seq = $2 AND d.status = 'PENDING'`,
    [delivery.endpointUuid, delivery.eventSeq],
  );
  if (pending) return pending;
  const [row] = await tx.query<WebhookDeliveryRow>(
    `UPDATE webhook_deliveries d SET status = 'PENDING', next_attempt_at = now() WHERE d.id = $1 RETURNING ${deliveryColumns}`,
    [delivery.uuid],
  );
  return row;
}

/** PENDING deliveries a replay moved the cursor past: they will not be attempted again. */
export async function abandonPendingThrough(tx: Tx, endpointUuid: string, seq: string): Promise<void> {
  await tx.query(
    `UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL, last_error = 'Skipped: replayWebhookEndpoint moved the endpoint past this event.'
      WHERE endpoint_id = $1 AND status = 'PENDING' AND event_seq <= $2::bigint`,
    [endpointUuid, seq],
  );
}

export async function realmLogBounds(tx: Tx, realmUuid: string): Promise<{ lastSeq: string; prunedThroughSeq: string } | undefined> {
  const [row] = await tx.query<{ lastSeq: string; prunedThroughSeq: string }>(
    `SELECT last_event_seq::text AS "lastSeq", pruned_through_seq::text AS "prunedThroughSeq" FROM realms WHERE id = $1`,
    [realmUuid],
  );
  return row;
}

// ---- The delivery job's statements (src/webhook/webhook-delivery.job.ts) ----

/** An endpoint claimed for one turn of deliveries, with what signing and reading its events need. */
export interface ClaimedEndpoint {
  uuid: string;
  realmUuid: string;
  url: string;
  eventTypes: string[] | null;
  /** The current secret first, then the previous one while its grace period lasts. */
  secrets: string[];
  deliveredThroughSeq: string;
  /** The realm's last event number when claimed. */
  lastSeq: string;
  leaseToken: string;
}

/**
 * Claims up to `limit` endpoints that are ACTIVE, due, behind their realm's log and not leased by
 * another turn (its lease expired: that instance died), for a lease of `leaseMs`. SKIP LOCKED lets
 * every instance claim at once without waiting for, or taking, each other's rows; the lease keeps
 * them off the endpoint once the claim commits. Served longest ago first (a finished turn leaves
 * `lease_until` at its end): round robin, so an endpoint with a large backlog takes its turn and
 * goes to the back.
 */
export function claimEndpoints(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedEndpoint[]> {
  return db.query(
    `WITH due AS (
       SELECT w.id, r.last_event_seq FROM webhook_endpoints w JOIN realms r ON r.id = w.realm_id
        WHERE w.status = 'ACTIVE' AND w.next_attempt_at <= now()
          AND (w.lease_until IS NULL OR w.lease_until < now())
          AND w.delivered_through_seq < r.last_event_seq
        ORDER BY w.lease_until NULLS FIRST, w.next_attempt_at
        LIMIT $1
          FOR UPDATE OF w SKIP LOCKED
     ), claimed AS (
       UPDATE webhook_endpoints w SET lease_token = gen_random_uuid(), lease_until = now() + $2 * interval '1 millisecond'
         FROM due WHERE w.id = due.id
       RETURNING w.id AS uuid, w.realm_id AS "realmUuid", w.url, w.event_types AS "eventTypes",
                 CASE WHEN w.previous_secret IS NOT NULL AND w.previous_secret_expires_at > now() THEN ARRAY[w.secret, w.previous_secret] ELSE ARRAY[w.secret] END AS secrets,
                 w.delivered_through_seq::text AS "deliveredThroughSeq", due.last_event_seq::text AS "lastSeq", w.lease_token AS "leaseToken"
     )
     SELECT * FROM claimed`,
    [limit, leaseMs],
  );
}

/**
 * An attempt begins: the lease renewed (while this turn holds it and the endpoint is ACTIVE) and the
 * event's PENDING delivery made or counted, in one statement — one round trip and one commit per
 * attempt on the hot path (W11). Undefined when the lease is gone.
 */
export async function beginAttempt(
  db: Queryable,
  endpoint: ClaimedEndpoint,
  event: { seq: string; id: string; type: string },
  leaseMs: number,
): Promise<BegunAttempt | undefined> {
  const [row] = await db.query(
    `WITH renewed AS (
       UPDATE webhook_endpoints SET lease_until = now() + $6 * interval '1 millisecond'
        WHERE id = $1 AND lease_token = $7 AND status = 'ACTIVE' RETURNING id
     ), attempt AS (
       INSERT INTO webhook_deliveries AS d (endpoint_id, realm_id, event_seq, event_id, event_type, attempts, last_attempt_at)
       SELECT $1, $2, $3, $4, $5, 1, now() FROM renewed
       ON CONFLICT (endpoint_id, event_seq) WHERE status = 'PENDING'
         DO UPDATE SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = NULL
       RETURNING d.id AS uuid, d.attempts
     )
     SELECT uuid, attempts FROM attempt`,
    [endpoint.uuid, endpoint.realmUuid, event.seq, event.id, event.type, leaseMs, endpoint.leaseToken],
  );
  return row;
}

/** An attempt begun: its delivery, and the attempts counted so far (this one included). */
export interface BegunAttempt {
  uuid: string;
  attempts: number;
}

/**
 * A 2xx, recorded, and the next event's attempt begun, in one statement — one round trip and one
 * commit per event on the hot path (W11): the cursor moves to the event — only from where this
 * turn left it (`fromSeq`), and only while the turn holds the lease, so that a replay that moved it
 * meanwhile stands — the delivery is SUCCEEDED, and, while the endpoint is still ACTIVE, the lease
 * is renewed and the `next` event's attempt begins as beginAttempt begins one. A turn that lost its
 * lease (it outlived it on a slow answer) records nothing: the lease's new holder sends the event
 * again (at least once) and records it, so a SUCCEEDED delivery always has the cursor past it.
 * Says whether the cursor moved and the next attempt, if one began (none: the turn stops).
 */
export async function recordSuccess(
  db: Queryable,
  endpoint: ClaimedEndpoint,
  deliveryUuid: string,
  status: number,
  fromSeq: string,
  toSeq: string,
  next: { seq: string; id: string; type: string } | null,
  leaseMs: number,
): Promise<{ moved: boolean; next?: BegunAttempt }> {
  const [row] = await db.query(
    `WITH moved AS (
       UPDATE webhook_endpoints SET delivered_through_seq = $4::bigint, failing_since = NULL,
              lease_until = CASE WHEN status = 'ACTIVE' THEN now() + $10 * interval '1 millisecond' ELSE lease_until END
        WHERE id = $1 AND lease_token = $2 AND delivered_through_seq = $3::bigint RETURNING status
     ), succeeded AS (
       UPDATE webhook_deliveries SET status = 'SUCCEEDED', last_response_code = $6, last_error = NULL, next_attempt_at = NULL
        WHERE id = $5 AND status = 'PENDING' AND EXISTS (SELECT 1 FROM moved)
     ), next_attempt AS (
       INSERT INTO webhook_deliveries AS d (endpoint_id, realm_id, event_seq, event_id, event_type, attempts, last_attempt_at)
       SELECT $1, $11, $7::bigint, $8::uuid, $9, 1, now() FROM moved WHERE moved.status = 'ACTIVE' AND $7::bigint IS NOT NULL
       ON CONFLICT (endpoint_id, event_seq) WHERE status = 'PENDING'
         DO UPDATE SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = NULL
       RETURNING d.id AS uuid, d.attempts
     )
     SELECT (SELECT count(*)::integer FROM moved) AS moved, n.uuid, n.attempts FROM (SELECT 1) one LEFT JOIN next_attempt n ON true`,
    [endpoint.uuid, endpoint.leaseToken, fromSeq, toSeq, deliveryUuid, status, next?.seq ?? null, next?.id ?? null, next?.type ?? null, leaseMs, endpoint.realmUuid],
  );
  return { moved: row.moved > 0, ...(row.uuid ? { next: { uuid: row.uuid, attempts: row.attempts } } : {}) };
}

/** The cursor moved on from `fromSeq` to `toSeq`, if this turn still holds the lease and no one moved it. */
export async function advanceCursor(tx: Tx, endpoint: ClaimedEndpoint, fromSeq: string, toSeq: string): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE webhook_endpoints SET delivered_through_seq = $4::bigint, failing_since = NULL
      WHERE id = $1 AND lease_token = $2 AND delivered_through_seq = $3::bigint RETURNING id`,
    [endpoint.uuid, endpoint.leaseToken, fromSeq, toSeq],
  );
  return rows.length > 0;
}

export interface FailedAttempt {
  deliveryUuid: string;
  responseCode: number | null;
  error: string;
}

/** The attempt failed and will be retried in `retryInMs`: the delivery and the endpoint wait until then. */
export async function recordRetry(tx: Tx, endpoint: ClaimedEndpoint, failure: FailedAttempt, retryInMs: number): Promise<void> {
  await tx.query(
    `UPDATE webhook_deliveries SET last_response_code = $2, last_error = $3, next_attempt_at = now() + $4 * interval '1 millisecond' WHERE id = $1 AND status = 'PENDING'`,
    [failure.deliveryUuid, failure.responseCode, failure.error, retryInMs],
  );
  await tx.query(
    `UPDATE webhook_endpoints SET next_attempt_at = now() + $3 * interval '1 millisecond', failing_since = COALESCE(failing_since, now())
      WHERE id = $1 AND lease_token = $2`,
    [endpoint.uuid, endpoint.leaseToken, retryInMs],
  );
}

/**
 * The endpoint stops — PAUSED (its schedule ran out, or events it had not got were pruned) or
 * DISABLED (410 Gone) — if this turn still holds it and it is ACTIVE. Says whether it did (then
 * the caller logs it, and appends the event that says so).
 */
export async function stopEndpoint(tx: Tx, endpoint: ClaimedEndpoint, status: 'PAUSED' | 'DISABLED', reason: WebhookEndpointStatusReason): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE webhook_endpoints SET status = $3, status_reason = $4, failing_since = COALESCE(failing_since, now()), updated_at = now(), version = version + 1
      WHERE id = $1 AND lease_token = $2 AND status = 'ACTIVE' RETURNING id`,
    [endpoint.uuid, endpoint.leaseToken, status, reason],
  );
  return rows.length > 0;
}

/**
 * The attempt failed for good: the delivery is FAILED — while this turn holds the lease (a turn that
 * lost it must not fail the delivery its successor is attempting).
 */
export async function failDelivery(tx: Tx, endpoint: ClaimedEndpoint, failure: FailedAttempt): Promise<void> {
  await tx.query(
    `UPDATE webhook_deliveries SET status = 'FAILED', last_response_code = $2, last_error = $3, next_attempt_at = NULL
      WHERE id = $1 AND status = 'PENDING' AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $4 AND lease_token = $5)`,
    [failure.deliveryUuid, failure.responseCode, failure.error, endpoint.uuid, endpoint.leaseToken],
  );
}

/**
 * Deliveries made before `cutoff` (EVENT_RETENTION_DAYS: their events are pruned then too), a batch
 * per statement, endpoint by endpoint through the (endpoint_id, created_at) index the history's
 * pages use — no index of its own to keep on every delivery's insert.
 */
export async function pruneDeliveries(db: Queryable, cutoff: Date, batchSize = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const [row] = await db.query(
      `WITH doomed AS (
         SELECT old.id FROM webhook_endpoints w
          CROSS JOIN LATERAL (SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = w.id AND d.created_at < $1 ORDER BY d.created_at LIMIT $2) old
          LIMIT $2
       ), deleted AS (
         DELETE FROM webhook_deliveries d USING doomed WHERE d.id = doomed.id RETURNING 1
       )
       SELECT count(*)::integer AS deleted FROM deleted`,
      [cutoff, batchSize],
    );
    total += row.deleted;
    if (row.deleted < batchSize) return total;
  }
}

/** The turn is over: the lease ends now (and `lease_until` records when, for the round robin). */
export async function releaseLease(db: Queryable, endpoint: ClaimedEndpoint): Promise<void> {
  await db.query(`UPDATE webhook_endpoints SET lease_token = NULL, lease_until = now() WHERE id = $1 AND lease_token = $2`, [endpoint.uuid, endpoint.leaseToken]);
}

export interface WebhookBacklog {
  /** ACTIVE endpoints whose cursor is before their realm's last event. */
  readonly endpointsBehind: number;
  /** Log positions between those cursors and their realms' last events, summed. */
  readonly eventsBehind: number;
  readonly endpointsPaused: number;
}

/** What the delivery job has before it, in one statement over the endpoints (and their realms' counters). */
export async function webhookBacklog(db: Queryable): Promise<WebhookBacklog> {
  const [row] = await db.query(
    `SELECT count(*) FILTER (WHERE e.status = 'ACTIVE' AND e.delivered_through_seq < r.last_event_seq)::int AS "endpointsBehind",
            coalesce(sum(r.last_event_seq - e.delivered_through_seq) FILTER (WHERE e.status = 'ACTIVE' AND e.delivered_through_seq < r.last_event_seq), 0)::float8 AS "eventsBehind",
            count(*) FILTER (WHERE e.status = 'PAUSED')::int AS "endpointsPaused"
       FROM webhook_endpoints e
       JOIN realms r ON r.id = e.realm_id
      WHERE e.status IN ('ACTIVE', 'PAUSED')`,
  );
  return row as WebhookBacklog;
}
