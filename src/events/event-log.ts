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
 *
 * `commit`: the append is the transaction's last statement, sent with its COMMIT in one round trip
 * (Tx.queryAndCommit); with no events, withTransaction commits as usual.
 */
export async function appendEvents(tx: Tx, realmUuid: string, events: readonly NewEvent[], { commit = false }: { commit?: boolean } = {}): Promise<void> {
  if (events.length === 0) return;
  const sql = `WITH counter AS (
       UPDATE realms SET last_event_seq = last_event_seq + $2 WHERE id = $1 RETURNING last_event_seq
     ), appended AS (
       INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data)
       SELECT $1, counter.last_event_seq - $2 + e.n, clock_timestamp(), $8::jsonb, e.type, e.identity_id, e.group_id, e.invitation_id, e.data
         FROM counter,
              unnest($3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::jsonb[])
                WITH ORDINALITY AS e(type, identity_id, group_id, invitation_id, data, n)
       RETURNING seq
     )
     SELECT pg_notify('${eventChannel}', $1 || ':' || max(seq)) FROM appended`;
  const parameters = [
    realmUuid,
      events.length,
    events.map((event) => event.type),
    events.map((event) => event.identityUuid ?? null),
    events.map((event) => event.groupUuid ?? null),
    events.map((event) => event.invitationUuid ?? null),
    events.map((event) => JSON.stringify(event.data)),
    tx.actor ? JSON.stringify({ id: tx.actor.id, name: tx.actor.name }) : null,
  ];
  await (commit ? tx.queryAndCommit(sql, parameters) : tx.query(sql, parameters));
  // Counted once they exist: a rolled-back (or retried) attempt appended nothing.
  tx.afterCommit(() => metrics.eventsAppended(events.map((event) => event.type)));
}

/** Wakes the relays about a realm whose log ends (it is being deleted): their streams of it complete. */
export async function notifyRealmDeleted(tx: Tx, realmUuid: string): Promise<void> {
  await tx.query(`SELECT pg_notify('${eventChannel}', $1 || ':0')`, [realmUuid]);
}
