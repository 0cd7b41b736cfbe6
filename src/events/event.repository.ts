import type { Queryable } from '../db/queryable';
import { encodeEventCursor } from './event-cursor';
import type { EventType } from './event-types';

/** An event as the API reads it; `seq` is its number in the realm's log (bigint, as text). */
export interface EventRow {
  id: string;
  cursor: string;
  realmUuid: string;
  seq: string;
  type: EventType;
  occurredAt: Date;
  actor: { id: string; name: string } | null;
  identityUuid: string | null;
  groupUuid: string | null;
  invitationUuid: string | null;
  identityId: string | null;
  groupId: string | null;
  invitationId: string | null;
  data: Record<string, unknown>;
}

/**
 * An event of membershipChanged: a logged MEMBERSHIP_ADDED/REMOVED as it is, or one a TRANSITIVE
 * subscription made of a logged change (src/membership/transitive-stream.ts): then `groupUuid` is
 * the watched group, `cause` the logged event's type and `viaGroupId` the group it was about.
 */
export interface MembershipChangeRow extends EventRow {
  cause?: EventType;
  viaGroupUuid?: string;
  viaGroupId?: string;
}

const columns = `e.id, e.realm_id AS "realmUuid", e.seq::text AS seq, e.type, e.occurred_at AS "occurredAt", e.actor,
  e.identity_id AS "identityUuid", e.group_id AS "groupUuid", e.invitation_id AS "invitationUuid",
  global_id('Identity', e.identity_id) AS "identityId", global_id('Group', e.group_id) AS "groupId",
  global_id('Invitation', e.invitation_id) AS "invitationId", e.data`;

export interface EventFilterValues {
  types?: readonly EventType[] | null;
  groupUuid?: string | null;
  identityUuid?: string | null;
  /** `actor.id`: the global ID of the token that caused the event. */
  actorId?: string | null;
}

/** Whether the filter leaves events out (a page's numbers then need not follow on). */
export const filters = (filter: EventFilterValues | undefined): boolean =>
  Boolean(filter?.types?.length || filter?.groupUuid || filter?.identityUuid || filter?.actorId);

/** The filter's conditions on `e`, its values appended to `params`. */
function filterConditions(filter: EventFilterValues | undefined, params: unknown[]): string[] {
  const where: string[] = [];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filter?.types?.length) add((p) => `e.type = ANY(${p}::text[])`, filter.types);
  if (filter?.groupUuid) add((p) => `e.group_id = ${p}`, filter.groupUuid);
  if (filter?.identityUuid) add((p) => `e.identity_id = ${p}`, filter.identityUuid);
  if (filter?.actorId) add((p) => `e.actor->>'id' = ${p}`, filter.actorId);
  return where;
}

/** The realm's events after `afterSeq`, in log order, optionally filtered. */
export function readEvents(db: Queryable, realmUuid: string, afterSeq: string, limit: number, filter?: EventFilterValues): Promise<EventRow[]> {
  return selectEvents(db, realmUuid, { after: afterSeq }, limit, filter);
}

/**
 * The realm's events after `afterSeq` (of `types`, when given) with how far retention has pruned the
 * log, read in one statement (one snapshot): when `prunedThroughSeq` is past `afterSeq`, events
 * after the cursor are gone — whether any was of `types` cannot be known — and the reader must not
 * go on as if nothing had been missed. (A pruning between two statements could not be told apart.)
 */
export async function readEventsKept(
  db: Queryable,
  realmUuid: string,
  afterSeq: string,
  limit: number,
  types: readonly EventType[] | null,
): Promise<{ events: EventRow[]; prunedThroughSeq: string } | undefined> {
  const rows: Array<EventRow & { prunedThroughSeq: string }> = await db.query(
    `SELECT r.pruned_through_seq::text AS "prunedThroughSeq", x.*
       FROM realms r
       LEFT JOIN LATERAL (
         SELECT ${columns} FROM events e
          WHERE e.realm_id = r.id AND e.seq > $2::bigint AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
          ORDER BY e.seq LIMIT $3
       ) x ON true
      WHERE r.id = $1`,
    [realmUuid, afterSeq, limit, types?.length ? types : null],
  );
  if (rows.length === 0) return undefined;
  const events = rows.filter((row) => row.id !== null).map(({ prunedThroughSeq: _, ...row }) => ({ ...row, cursor: encodeEventCursor(row.realmUuid, row.seq) }));
  return { events, prunedThroughSeq: rows[0].prunedThroughSeq };
}

/** The realm's last `limit` events before `beforeSeq` (the newest when null), in log order. */
export async function readEventsBefore(db: Queryable, realmUuid: string, beforeSeq: string | null, limit: number, filter?: EventFilterValues): Promise<EventRow[]> {
  return (await selectEvents(db, realmUuid, { before: beforeSeq }, limit, filter)).reverse();
}

async function selectEvents(
  db: Queryable,
  realmUuid: string,
  range: { after: string } | { before: string | null },
  limit: number,
  filter?: EventFilterValues,
): Promise<EventRow[]> {
  const params: unknown[] = [realmUuid, limit];
  const where = ['e.realm_id = $1'];
  const bound = 'after' in range ? range.after : range.before;
  if (bound !== null) {
    params.push(bound);
    where.push(`e.seq ${'after' in range ? '>' : '<'} $${params.length}::bigint`);
  }
  where.push(...filterConditions(filter, params));
  const order = 'after' in range ? 'e.seq' : 'e.seq DESC';
  const rows: EventRow[] = await db.query(`SELECT ${columns} FROM events e WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $2`, params);
  for (const row of rows) row.cursor = encodeEventCursor(row.realmUuid, row.seq);
  return rows;
}

/** Events by their key (realm, number), in any order; those pruned are missing. */
export async function findEventsBySeq(db: Queryable, keys: ReadonlyArray<{ realmUuid: string; seq: string }>): Promise<EventRow[]> {
  const rows: EventRow[] = await db.query(
    `SELECT ${columns} FROM events e JOIN unnest($1::uuid[], $2::bigint[]) AS k(realm_id, seq) ON e.realm_id = k.realm_id AND e.seq = k.seq`,
    [keys.map((key) => key.realmUuid), keys.map((key) => key.seq)],
  );
  for (const row of rows) row.cursor = encodeEventCursor(row.realmUuid, row.seq);
  return rows;
}

export async function countEvents(db: Queryable, realmUuid: string, filter?: EventFilterValues): Promise<number> {
  const params: unknown[] = [realmUuid];
  const where = ['e.realm_id = $1', ...filterConditions(filter, params)];
  const [row] = await db.query(`SELECT count(*)::integer AS count FROM events e WHERE ${where.join(' AND ')}`, params);
  return row.count;
}

export interface LogBounds {
  /** The number of the realm's last event ("0" before the first). */
  lastSeq: string;
  /** Events up to this number were deleted by retention. */
  prunedThroughSeq: string;
}

export async function logBounds(db: Queryable, realmUuid: string): Promise<LogBounds | undefined> {
  const [row] = await db.query(
    `SELECT last_event_seq::text AS "lastSeq", pruned_through_seq::text AS "prunedThroughSeq" FROM realms WHERE id = $1`,
    [realmUuid],
  );
  return row;
}

/**
 * Deletes events older than `cutoff`, a batch per statement (each well inside the statement
 * timeout, however large the backlog), and records per realm how far the log is gone, so that a
 * cursor from before that point is refused instead of silently skipping what was deleted.
 */
export async function pruneEvents(db: Queryable, cutoff: Date, batchSize = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const rows: Array<{ deleted: number }> = await db.query(
      `WITH doomed AS (
         SELECT realm_id, seq FROM events WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2
       ), deleted AS (
         DELETE FROM events e USING doomed d WHERE e.realm_id = d.realm_id AND e.seq = d.seq RETURNING e.realm_id, e.seq
       ), marked AS (
         UPDATE realms r SET pruned_through_seq = GREATEST(r.pruned_through_seq, d.max_seq)
           FROM (SELECT realm_id, max(seq) AS max_seq FROM deleted GROUP BY realm_id) d
          WHERE r.id = d.realm_id
       )
       SELECT count(*)::integer AS deleted FROM deleted`,
      [cutoff, batchSize],
    );
    total += rows[0].deleted;
    if (rows[0].deleted < batchSize) return total;
  }
}
