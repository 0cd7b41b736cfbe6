import { NotificationListener } from '../../src/db/notification-listener';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let db: TestDatabase;
let listener: NotificationListener;
beforeAll(async () => {
  db = await createTestDatabase();
  listener = new NotificationListener(db.url, createLogger('error'));
  await listener.start();
});
afterAll(async () => {
  await listener.stop();
  await db.drop();
});

/** Listens on `channel`; once it does, `heard` is the next payload there. */
async function listenOn(channel: string): Promise<{ heard: Promise<string> }> {
  let hear: (payload: string) => void = () => {};
  const heard = new Promise<string>((resolve) => (hear = resolve));
  await listener.listen(channel, (payload) => hear(payload));
  return { heard };
}

describe('the notification listener', () => {
  test('hands each channel’s payloads to its handlers, including a channel added after start', async () => {
    const first = await listenOn('realmgraph_test_one');
    const second = await listenOn('realmgraph_test_two');
    await db.dataSource.query(`SELECT pg_notify('realmgraph_test_two', 'b'), pg_notify('realmgraph_test_one', 'a')`);
    expect(await Promise.all([first.heard, second.heard])).toEqual(['a', 'b']);
  });

  test('when its connection is cut, it reconnects, says so, and hears again on every channel', async () => {
    await listener.listen('realmgraph_test_before', () => {});
    const reconnected = new Promise<void>((resolve) => listener.onReconnect(resolve));
    await db.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'realmgraph-listener' AND datname = current_database()`,
    );
    await reconnected;
    expect(listener.listening).toBe(true);
    const { heard } = await listenOn('realmgraph_test_before');
    await db.dataSource.query(`SELECT pg_notify('realmgraph_test_before', 'again')`);
    expect(await heard).toBe('again');
  });
});

describe('one statement at a time on the listening connection', () => {
  test('channels added at once, beside heartbeats, never overlap on the connection (pg deprecates that, pg 9 refuses it)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const busy = new NotificationListener(db.url, createLogger('error'), { timeoutMs: 5000, heartbeatIntervalMs: 1 });
    try {
      await busy.start();
      const channels = Array.from({ length: 20 }, (_, n) => `realmgraph_test_busy_${n}`);
      const heard = channels.map((channel) => new Promise<string>((resolve) => void busy.listen(channel, resolve)));
      await Promise.all(channels.map((channel) => busy.listen(channel, () => {})));
      await db.dataSource.query(`SELECT pg_notify(c, c) FROM unnest($1::text[]) AS c`, [channels]);
      expect(await Promise.all(heard)).toEqual(channels);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((message) => /already executing a query/.test(message))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await busy.stop();
    }
  });
});
