import type { Tx } from '../db/transaction';
import { metrics } from '../observability/metrics';
import type { EventType, NewEvent } from './event-types';

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
  // Not eventAppendCtes over the unnest: its counts by subquery cost PostgreSQL ≈ 0.17 CPU-ms more per
  // write at 8 concurrent writers on one realm (bench/scratch/pgcost-w2.mjs, pip2 vs pip3).
  await (commit ? tx.queryAndCommit.bind(tx) : tx.query.bind(tx))(
    `WITH counter AS (
       UPDATE realms SET last_event_seq = last_event_seq + $2 WHERE id = $1 RETURNING last_event_seq
     ), appended AS (
       INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data)
       SELECT $1, counter.last_event_seq - $2 + e.n, clock_timestamp(), $8::jsonb, e.type, e.identity_id, e.group_id, e.invitation_id, e.data
         FROM counter,
              unnest($3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::jsonb[])
                WITH ORDINALITY AS e(type, identity_id, group_id, invitation_id, data, n)
       RETURNING seq
     )
     SELECT pg_notify('${eventChannel}', $1 || ':' || max(seq)) FROM appended`,
    [
      realmUuid,
      events.length,
      events.map((event) => event.type),
      events.map((event) => event.identityUuid ?? null),
      events.map((event) => event.groupUuid ?? null),
      events.map((event) => event.invitationUuid ?? null),
      events.map((event) => JSON.stringify(event.data)),
      actorOf(tx),
    ],
  );
  countWhenCommitted(
    tx,
    events.map((event) => event.type),
  );
}

/**
 * A write and its events in one statement, for a write that is all of its transaction's work (an
 * identity provider's creates: Writes.statement, or a run of them): `write` is an INSERT, UPDATE or
 * DELETE … RETURNING with the column `uuid` (its parameters $1…), and `events` name the rows it may
 * return, each by its identityUuid; only the events of the rows it returned are appended, in their
 * order — none, and no number taken, when it returned nothing. Returns the write's rows.
 */
export async function writeWithEvents<T extends { uuid: string }>(
  tx: Tx,
  write: { sql: string; params: readonly unknown[] },
  realmUuid: string,
  events: ReadonlyArray<NewEvent & { identityUuid: string }>,
): Promise<T[]> {
  const at = write.params.length;
  const rows = await tx.query<T>(
    `WITH written AS (${write.sql}),
     e AS (
       SELECT row_number() OVER (ORDER BY x.n) AS n, x.type, x.identity_id, NULL::uuid AS group_id, NULL::uuid AS invitation_id, x.data
         FROM unnest($${at + 2}::text[], $${at + 3}::uuid[], $${at + 4}::jsonb[]) WITH ORDINALITY AS x(type, identity_id, data, n)
        WHERE x.identity_id IN (SELECT uuid FROM written)
     ), ${eventAppendCtes('e', `$${at + 1}::uuid`, `$${at + 5}::jsonb`)}
     SELECT written.* FROM written LEFT JOIN notified ON true`,
    [
      ...write.params,
      realmUuid,
      events.map((event) => event.type),
      events.map((event) => event.identityUuid),
      events.map((event) => JSON.stringify(event.data)),
      actorOf(tx),
    ],
  );
  const appended = new Set(rows.map((row) => row.uuid));
  countWhenCommitted(
    tx,
    events.filter((event) => appended.has(event.identityUuid)).map((event) => event.type),
  );
  return rows;
}

/**
 * writeWithEvents' append: the CTEs `counter`, `appended` and `notified` over `source`, a relation of
 * the statement with the columns (n, type, identity_id, group_id, invitation_id, data), n = 1… in
 * log order. None when `source` is empty: no number taken, no realm row locked, no NOTIFY. The
 * statement's final SELECT must read `notified` (a CTE nothing reads is not run). `realm` and
 * `actor` are SQL expressions, the actor's value that of `actorOf`. Its counts by subquery are what
 * a write whose rows are known only inside the statement needs (a create that a taken key skips);
 * appendEvents, which knows its count, keeps its cheaper statement.
 */
function eventAppendCtes(source: string, realm: string, actor: string): string {
  return `counter AS (
       UPDATE realms SET last_event_seq = last_event_seq + (SELECT count(*) FROM ${source})
        WHERE id = ${realm} AND EXISTS (SELECT 1 FROM ${source}) RETURNING last_event_seq
     ), appended AS (
       INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data)
       SELECT ${realm}, counter.last_event_seq - (SELECT count(*) FROM ${source}) + e.n, clock_timestamp(), ${actor}, e.type, e.identity_id, e.group_id, e.invitation_id, e.data
         FROM counter, ${source} e
       RETURNING seq
     ), notified AS (
       SELECT pg_notify('${eventChannel}', ${realm} || ':' || max(seq)) FROM appended HAVING count(*) > 0
     )`;
}

/** The `actor` column of the events a transaction appends: the API token that makes the change, or null for the server's own work. */
function actorOf(tx: Tx): string | null {
  return tx.actor ? JSON.stringify({ id: tx.actor.id, name: tx.actor.name }) : null;
}

/** Counted once they exist: a rolled-back (or retried) attempt appended nothing. */
function countWhenCommitted(tx: Tx, types: readonly EventType[]): void {
  if (types.length > 0) tx.afterCommit(() => metrics.eventsAppended(types));
}

/** Wakes the relays about a realm whose log ends (it is being deleted): their streams of it complete. */
export async function notifyRealmDeleted(tx: Tx, realmUuid: string): Promise<void> {
  await tx.query(`SELECT pg_notify('${eventChannel}', $1 || ':0')`, [realmUuid]);
}
