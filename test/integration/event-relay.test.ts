import { NotificationListener } from '../../src/db/notification-listener';
import { withTransaction } from '../../src/db/transaction';
import { appendEvents } from '../../src/events/event-log';
import { EventRelay } from '../../src/events/event-relay';
import { pruneEvents, type EventRow } from '../../src/events/event.repository';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let db: TestDatabase;
let notifications: NotificationListener;
let relay: EventRelay;
beforeAll(async () => {
  db = await createTestDatabase();
  notifications = new NotificationListener(db.url, createLogger('error'));
  await notifications.start();
  relay = new EventRelay(db.dataSource, notifications, createLogger('error'), { windowSize: 50, pollIntervalMs: 60_000 });
  await relay.start();
});
afterAll(async () => {
  await relay.stop();
  await notifications.stop();
  await db.drop();
});

async function newRealm(): Promise<string> {
  const [row] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('r' || md5(random()::text), 'R') RETURNING id`);
  return row.id;
}

/** `batches` transactions of `size` events each, as writers would append them. */
async function write(realmUuid: string, batches: number, size: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    await withTransaction(db.dataSource, (tx) =>
      appendEvents(
        tx,
        realmUuid,
        Array.from({ length: size }, () => ({ type: 'group.deleted' as const, data: { group: { name: `g${b}` }, memberCount: 0 } })),
      ),
    );
  }
}

async function take(stream: AsyncIterableIterator<EventRow>, count: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.length < count) {
    const { value, done } = await stream.next();
    if (done) throw new Error('the stream ended');
    seqs.push(Number(value.seq));
  }
  return seqs;
}

describe('the event relay', () => {
  test('a subscriber that does not read slows neither the writers nor the others, and later catches up with no gap', async () => {
    const realm = await newRealm();
    const slow = await relay.stream(realm, '0', () => true);
    const fast = await relay.stream(realm, '0', () => true);

    // 500 events, ten times the buffer a subscriber may hold, all committed while `slow` reads nothing.
    await write(realm, 5, 100);
    const expected = Array.from({ length: 500 }, (_, index) => index + 1);
    expect(await take(fast, 500)).toEqual(expected);
    expect(await take(slow, 500)).toEqual(expected);
    await slow.return!();
    await fast.return!();
  });

  test('subscribers in the window are handed the same event objects, so that one execution serves them all', async () => {
    const realm = await newRealm();
    const streams = await Promise.all(Array.from({ length: 3 }, () => relay.stream(realm, undefined, () => true)));
    await write(realm, 1, 40);
    const taken = await Promise.all(
      streams.map(async (stream) => {
        const events: EventRow[] = [];
        for (let n = 0; n < 40; n++) events.push((await stream.next()).value);
        return events;
      }),
    );
    for (const other of taken.slice(1)) other.forEach((event, n) => expect(event).toBe(taken[0][n]));
    for (const stream of streams) await stream.return!();
  });

  test('the filter is applied after the position moves: filtered events are passed, not replayed', async () => {
    const realm = await newRealm();
    const evens = await relay.stream(realm, '0', (event) => Number(event.seq) % 2 === 0);
    await write(realm, 1, 10);
    expect(await take(evens, 5)).toEqual([2, 4, 6, 8, 10]);
    await write(realm, 1, 2);
    expect(await take(evens, 1)).toEqual([12]);
    await evens.return!();
  });

  test('retention deletes a large backlog in batches and records how far the log is gone', async () => {
    const realm = await newRealm();
    await write(realm, 1, 5);
    await db.dataSource.query(`UPDATE events SET occurred_at = now() - interval '1 year' WHERE realm_id = $1`, [realm]);
    expect(await pruneEvents(db.dataSource, new Date(), 2)).toBeGreaterThanOrEqual(5);
    const [row] = await db.dataSource.query(`SELECT pruned_through_seq::integer AS pruned, (SELECT count(*)::integer FROM events WHERE realm_id = $1) AS left FROM realms WHERE id = $1`, [realm]);
    expect(row).toEqual({ pruned: 5, left: 0 });
  });

  test('a stream of an unknown realm is refused', async () => {
    await expect(relay.stream('00000000-0000-4000-8000-000000000000', undefined, () => true)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });
});
