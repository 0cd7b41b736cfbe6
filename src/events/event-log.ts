import type { Tx } from '../db/transaction';
import { metrics } from '../observability/metrics';
import type { NewEvent } from './event-types';

/** The channel on which committed events wake the relays of every instance (src/events/event-relay.ts). */
export const eventChannel = 'realmgraph_events';

/**
 * Appends events to the realm's log, in the caller's transaction, in one statement however many
 * there are: it takes the next numbers from the realm's counter (locking the realm's row until
 * commit, so numbers follow commit order), writes the rows, and queues a NOTIFY that PostgreSQL
 * delivers only if the transaction commits. The payload is "<realm uuid>:<last number>", far below
 * NOTIFY's 8 000-byte limit: subscribers read the rows, which are the truth.
 *
 * `occurred_at` is the clock when the event is appended (late in its transaction), not the
 * transaction's start, so that time order stays close to commit order.
 *
 * Taking a `Tx` is the point: code that holds no transaction cannot append an event.
 */
export async function appendEvents(tx: Tx, realmUuid: string, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const params: unknown[] = [];
  await tx.query(`WITH ${appendCtes(params, realmUuid, events, tx)} SELECT pg_notify('${eventChannel}', $1 || ':' || max(seq)) FROM appended`, params);
  // Counted once they exist: a rolled-back (or retried) attempt appended nothing.
  tx.afterCommit(() => metrics.eventsAppended(events.map((event) => event.type)));
}

/**
 * A write and its events in one statement, for a write that is all of its transaction (an identity
 * provider's create: Writes.statement): `write` is an INSERT, UPDATE or DELETE … RETURNING (its
 * parameters $1…), and the events are appended — as appendEvents does, the realm's counter taken
 * after the write — only if it returned a row; a write that did nothing appends nothing. Returns the
 * write's rows.
 */
export async function writeWithEvents<T>(tx: Tx, write: { sql: string; params: readonly unknown[] }, realmUuid: string, events: readonly NewEvent[]): Promise<T[]> {
  const params = [...write.params];
  const rows = await tx.query<T>(
    `WITH written AS (${write.sql}),
     ${appendCtes(params, realmUuid, events, tx, 'EXISTS (SELECT 1 FROM written)')},
     notified AS (SELECT pg_notify('${eventChannel}', $${write.params.length + 1} || ':' || max(seq)) FROM appended HAVING count(*) > 0)
     SELECT written.* FROM written LEFT JOIN notified ON true`,
    params,
  );
  if (rows.length > 0) tx.afterCommit(() => metrics.eventsAppended(events.map((event) => event.type)));
  return rows;
}

/**
 * The CTEs `counter` and `appended` of an append, their parameters pushed onto `params` (the realm
 * first): the next numbers from the realm's counter, then the rows. `when`: appended only if it holds.
 */
function appendCtes(params: unknown[], realmUuid: string, events: readonly NewEvent[], tx: Tx, when?: string): string {
  const first = params.length + 1;
  params.push(
    realmUuid,
    events.length,
    events.map((event) => event.type),
    events.map((event) => event.identityUuid ?? null),
    events.map((event) => event.groupUuid ?? null),
    events.map((event) => event.invitationUuid ?? null),
    events.map((event) => JSON.stringify(event.data)),
    tx.actor ? JSON.stringify({ id: tx.actor.id, name: tx.actor.name }) : null,
  );
  const [realm, count, types, identities, groups, invitations, data, actor] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `$${first + i}`);
  return `counter AS (
       UPDATE realms SET last_event_seq = last_event_seq + ${count} WHERE id = ${realm}${when ? ` AND ${when}` : ''} RETURNING last_event_seq
     ), appended AS (
       INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data)
       SELECT ${realm}, counter.last_event_seq - ${count} + e.n, clock_timestamp(), ${actor}::jsonb, e.type, e.identity_id, e.group_id, e.invitation_id, e.data
         FROM counter,
              unnest(${types}::text[], ${identities}::uuid[], ${groups}::uuid[], ${invitations}::uuid[], ${data}::jsonb[])
                WITH ORDINALITY AS e(type, identity_id, group_id, invitation_id, data, n)
       RETURNING seq
     )`;
}

/** Wakes the relays about a realm whose log ends (it is being deleted): their streams of it complete. */
export async function notifyRealmDeleted(tx: Tx, realmUuid: string): Promise<void> {
  await tx.query(`SELECT pg_notify('${eventChannel}', $1 || ':0')`, [realmUuid]);
}
