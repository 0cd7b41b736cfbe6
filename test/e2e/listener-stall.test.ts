import { Client } from 'pg';
import { eventually } from '../helpers/eventually';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * A LISTEN connection can stall without closing (a frozen backend, a network that drops packets).
 * An instance whose listener stops answering its heartbeats stops trusting its token cache within
 * a few beats, long before the connection's timeout gives it up: a token revoked on another
 * instance meanwhile is refused here although the notification never came. The stall is made real
 * by stopping the listeners' backends (of this file's database) with SIGSTOP.
 */

let a: TestServer;
let b: TestServer;
let probe: Client;
beforeAll(async () => {
  a = await startTestServer({ runJobs: false });
  // A long cache, and a minute before a silent connection is given up: a revoked token refused
  // sooner is the heartbeats' doing.
  b = await startTestServer({
    runJobs: false,
    db: a.db,
    env: { TOKEN_CACHE_TTL_MS: '60000', DATABASE_CONNECT_TIMEOUT_MS: '60000', RATE_LIMIT_PER_MINUTE: '0' },
  });
  probe = new Client({ connectionString: a.db.url });
  await probe.connect();
}, 60_000);
afterAll(async () => {
  await probe?.end();
  await b?.close();
  await a?.close();
});

test('a token revoked on one instance is refused on another whose LISTEN connection has silently stalled', async () => {
  const { id, token } = await a.createToken(['realms:read']);
  const onB = () => b.graphql('{ realms { totalCount } }', undefined, { authorization: `Bearer ${token}` });
  // b has looked it up: cached for a minute.
  expect((await onB()).status).toBe(200);
  const listeners: number[] = (
    await probe.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'realmgraph-listener'`)
  ).rows.map((row) => row.pid);
  expect(listeners).toHaveLength(2);
  for (const pid of listeners) process.kill(pid, 'SIGSTOP');
  try {
    const revoked = await a.graphql(`mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { apiToken { revokedAt } } }`, { input: { id } });
    expect(revoked.errors).toBeUndefined();
    // No notification reaches b; its unanswered heartbeats make it look the token up again. Each
    // try is a real request: far fewer than a minute's worth, so neither the cache's TTL nor the
    // connection's timeout is what ends it.
    const refused = await eventually(onB, (answer) => answer.status !== 200, 5000);
    expect(refused.status).toBe(401);
  } finally {
    for (const pid of listeners) process.kill(pid, 'SIGCONT');
  }
});
