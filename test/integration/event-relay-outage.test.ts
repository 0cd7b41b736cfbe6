import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { NotificationListener } from '../../src/db/notification-listener';
import { withTransaction } from '../../src/db/transaction';
import { appendEvents } from '../../src/events/event-log';
import { EventRelay } from '../../src/events/event-relay';
import type { EventRow } from '../../src/events/event.repository';
import { createLogger } from '../../src/logger';
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres';

/*
 * The relay through an outage, on a PostgreSQL of this file's own (stopped and started again here):
 * a subscriber replaying the log when the database goes away ends with SERVICE_UNAVAILABLE, never
 * the driver's error, and resumed after its last event it misses nothing. The test pulls the
 * stream itself, so it knows the replay is half-way when the database stops.
 */
jest.setTimeout(60_000);

let pg: OwnPostgres;
let db: DataSource;
let notifications: NotificationListener;
let relay: EventRelay;
const logger = createLogger('error');

beforeAll(async () => {
  pg = await startOwnPostgres();
  db = createDataSource(pg.url, undefined, { connectTimeoutMs: 500, queryTimeoutMs: 1500, statementTimeoutMs: 1000 });
  await db.initialize();
  await db.runMigrations({ transaction: 'each' });
  notifications = new NotificationListener(pg.url, logger, { timeoutMs: 500 });
  await notifications.start();
  relay = new EventRelay(db, notifications, logger, { windowSize: 50, pollIntervalMs: 60_000 });
  await relay.start();
});
afterAll(async () => {
  await relay?.stop();
  await notifications?.stop();
  await db?.destroy();
  await pg?.destroy();
});

async function take(stream: AsyncIterableIterator<EventRow>, count: number): Promise<EventRow[]> {
  const events: EventRow[] = [];
  while (events.length < count) {
    const { value, done } = await stream.next();
    if (done) throw new Error('the stream ended');
    events.push(value);
  }
  return events;
}

test('a replay that meets an outage ends with SERVICE_UNAVAILABLE; resumed after its last event, it misses nothing', async () => {
  const [{ id: realm }] = await db.query(`INSERT INTO realms (name, display_name) VALUES ('outage', 'Outage') RETURNING id`);
  // Two pages of the log (the relay reads 1 000 events at a time from the table when replaying).
  await withTransaction(db, (tx) =>
    appendEvents(tx, realm, Array.from({ length: 1500 }, (_, n) => ({ type: 'group.deleted' as const, data: { group: { name: `g${n}` }, memberCount: 0 } }))),
  );
  const replay = await relay.stream(realm, '0', () => true);
  // The first page is in memory once its first event is taken.
  const before = await take(replay, 1);
  await pg.stop();
  try {
    const rest = await take(replay, 999);
    const error = await replay.next().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: expect.any(Number) } });
    expect(String((error as Error).message)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminated/);
    before.push(...rest);
  } finally {
    await pg.start();
  }
  const resumed = await relay.stream(realm, before[before.length - 1].seq, () => true);
  const after = await take(resumed, 500);
  await resumed.return!();
  expect([...before, ...after].map((event) => Number(event.seq))).toEqual(Array.from({ length: 1500 }, (_, n) => n + 1));
});
