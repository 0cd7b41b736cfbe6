import { createIdentity, createRealm, inviteIdentity } from '../factories/graph';
import { eventually } from '../helpers/eventually';
import { scrape, type Scrape } from '../helpers/prometheus';
import { startTestServer, type TestServer } from '../helpers/server';
import { subscribe } from '../helpers/subscription';

/*
 * Issue #16: Prometheus' /metrics on a port of its own (METRICS_PORT), over real HTTP and
 * WebSocket. The counters are the process's (the server runs in this process), so each test reads
 * how far they moved, never their absolute value.
 */

const metricsEnv = { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' };

describe('/metrics', () => {
  let server: TestServer;
  const metrics = () => scrape(server.metricsUrl!);
  beforeAll(async () => {
    server = await startTestServer({ env: metricsEnv });
  });
  afterAll(() => server.close());

  test('is served on its own port, and not on the API’s', async () => {
    expect(server.metricsUrl).toBeDefined();
    expect(new URL(server.metricsUrl!).port).not.toBe(new URL(server.url).port);
    const publicPort = await fetch(new URL('/metrics', server.url));
    expect(publicPort.status).toBe(404);
    expect(await publicPort.text()).not.toContain('realmgraph_');
    // The metrics port answers nothing else.
    expect((await fetch(new URL('/graphql', server.metricsUrl))).status).toBe(404);
  });

  test('lists every metric with its type, and the process metrics', async () => {
    const scraped = await metrics();
    const expected: Record<string, string> = {
      realmgraph_http_requests_total: 'counter',
      realmgraph_http_request_duration_seconds: 'histogram',
      realmgraph_graphql_operations_total: 'counter',
      realmgraph_graphql_operation_duration_seconds: 'histogram',
      realmgraph_websocket_connections: 'gauge',
      realmgraph_subscriptions_active: 'gauge',
      realmgraph_events_appended_total: 'counter',
      realmgraph_events_delivered_total: 'counter',
      realmgraph_event_relay_lag_seconds: 'histogram',
      realmgraph_db_pool_connections: 'gauge',
      realmgraph_email_queue_depth: 'gauge',
      realmgraph_webhook_endpoints: 'gauge',
      realmgraph_webhook_backlog_events: 'gauge',
      realmgraph_rate_limit_refusals_total: 'counter',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect([name, scraped.type(name)]).toEqual([name, type]);
  });

  test('HTTP requests are counted by method, route and status class, with their durations', async () => {
    const labels = { method: 'POST', route: '/graphql', status_class: '2xx' };
    const before = await metrics();
    await server.ok('query Realms { realms { totalCount } }');
    await server.ok('query Realms { realms { totalCount } }');
    await fetch(new URL('/no-such-page?x=1', server.url));
    const after = await metrics();
    expect(after.sum('realmgraph_http_requests_total', labels) - before.sum('realmgraph_http_requests_total', labels)).toBe(2);
    expect(after.sum('realmgraph_http_request_duration_seconds_count', labels) - before.sum('realmgraph_http_request_duration_seconds_count', labels)).toBe(2);
    // Any path outside the API's is one label value: a client cannot make series.
    const other = { method: 'GET', route: 'other', status_class: '4xx' };
    expect(after.sum('realmgraph_http_requests_total', other) - before.sum('realmgraph_http_requests_total', other)).toBe(1);
    expect(after.text).not.toContain('no-such-page');
  });

  test('GraphQL operations are counted by name, type and outcome', async () => {
    const before = await metrics();
    await server.ok('query Realms { realms { totalCount } }');
    await server.graphql('query Broken { nope }');
    await server.ok('{ realms { totalCount } }');
    await server.ok(`query ${'A'.repeat(65)} { realms { totalCount } }`);
    const after = await metrics();
    const moved = (labels: Record<string, string>) => after.sum('realmgraph_graphql_operations_total', labels) - before.sum('realmgraph_graphql_operations_total', labels);
    expect(moved({ operation: 'Realms', type: 'query', transport: 'http', outcome: 'ok' })).toBe(1);
    expect(moved({ operation: 'Broken', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(moved({ operation: 'anonymous', type: 'query', outcome: 'ok' })).toBe(1);
    // A name too long to be a label value of its own.
    expect(moved({ operation: 'other', type: 'query', outcome: 'ok' })).toBe(1);
    const durations = (scraped: Scrape) => scraped.sum('realmgraph_graphql_operation_duration_seconds_count', { operation: 'Realms', type: 'query', transport: 'http' });
    expect(durations(after) - durations(before)).toBe(1);
  });

  test('open WebSockets and active subscriptions go up with a graphql-ws client and down when it leaves; events appended and delivered are counted', async () => {
    const realm = await createRealm(server);
    const before = await metrics();
    const client = server.wsClient();
    const stream = subscribe(client, 'subscription Watch($realmId: ID!) { realmEvents(realmId: $realmId) { type } }', { realmId: realm.id }, 'realmEvents');
    // The subscription is live once an event committed after it reaches it.
    await eventually(
      async () => (await metrics()).value('realmgraph_subscriptions_active'),
      (active) => active === before.value('realmgraph_subscriptions_active')! + 1,
    );
    await createIdentity(server, realm.id);
    expect(await stream.next()).toEqual({ type: 'IDENTITY_CREATED' });
    const during = await metrics();
    expect(during.value('realmgraph_websocket_connections')).toBe(before.value('realmgraph_websocket_connections')! + 1);
    const created = { type: 'identity.created' };
    expect(during.sum('realmgraph_events_appended_total', created) - before.sum('realmgraph_events_appended_total', created)).toBe(1);
    expect(during.sum('realmgraph_events_delivered_total', created) - before.sum('realmgraph_events_delivered_total', created)).toBe(1);
    expect(during.sum('realmgraph_event_relay_lag_seconds_count') - before.sum('realmgraph_event_relay_lag_seconds_count')).toBe(1);

    stream.close();
    await client.dispose();
    const after = await eventually(
      () => metrics(),
      (scraped) => scraped.value('realmgraph_websocket_connections') === before.value('realmgraph_websocket_connections'),
    );
    expect(after.value('realmgraph_subscriptions_active')).toBe(before.value('realmgraph_subscriptions_active'));
    const watched = { operation: 'Watch', type: 'subscription', transport: 'ws', outcome: 'ok' };
    expect(after.sum('realmgraph_graphql_operations_total', watched) - before.sum('realmgraph_graphql_operations_total', watched)).toBe(1);
  });

  test('the pool’s connections are read from the data source’s pg pool', async () => {
    const scraped = await metrics();
    expect(scraped.value('realmgraph_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
    const inUse = scraped.value('realmgraph_db_pool_connections', { state: 'in_use' })!;
    const idle = scraped.value('realmgraph_db_pool_connections', { state: 'idle' })!;
    expect(inUse + idle).toBeGreaterThan(0);
    expect(scraped.value('realmgraph_db_pool_connections', { state: 'waiting' })).toBe(0);
  });
});

describe('the queues, read from the database on scrape', () => {
  let server: TestServer;
  beforeAll(async () => {
    // No jobs: what is queued stays queued.
    server = await startTestServer({ env: { ...metricsEnv, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, runJobs: false });
  });
  afterAll(() => server.close());

  test('queued emails, webhook endpoints behind their realm’s log and paused ones', async () => {
    const realm = await createRealm(server);
    await inviteIdentity(server, realm.id);
    await inviteIdentity(server, realm.id);
    const endpoint = (
      await server.ok(`mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } } }`, {
        input: { realmId: realm.id, url: 'http://127.0.0.1:9/behind' },
      })
    ).createWebhookEndpoint.webhookEndpoint;
    await server.ok(`mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } } }`, {
      input: { realmId: realm.id, url: 'http://127.0.0.1:9/paused' },
    });
    await createIdentity(server, realm.id);
    await createIdentity(server, realm.id);
    await server.db.dataSource.query(`UPDATE webhook_endpoints SET status = 'PAUSED', status_reason = 'REQUESTED' WHERE url LIKE '%/paused'`);

    const scraped = await scrape(server.metricsUrl!);
    const [{ queued }] = await server.db.dataSource.query(`SELECT count(*)::int AS queued FROM email_outbox WHERE status = 'QUEUED'`);
    expect(queued).toBe(2);
    expect(scraped.value('realmgraph_email_queue_depth')).toBe(2);
    expect(scraped.value('realmgraph_webhook_endpoints', { state: 'behind' })).toBe(1);
    expect(scraped.value('realmgraph_webhook_endpoints', { state: 'paused' })).toBe(1);
    expect(scraped.value('realmgraph_webhook_backlog_events')).toBe(2);
    expect(endpoint.id).toBeDefined();
  });
});

describe('rate-limit refusals', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ...metricsEnv, RATE_LIMIT_PER_MINUTE: '1', AUTH_FAILURES_PER_MINUTE: '1' } });
  });
  afterAll(() => server.close());

  test('are counted by kind: a token’s budget, an address’s, failed authentications', async () => {
    const before = await scrape(server.metricsUrl!);
    expect((await server.graphql('{ realms { totalCount } }')).status).toBe(200);
    expect((await server.graphql('{ realms { totalCount } }')).status).toBe(429);
    expect((await server.graphql('{ realms { totalCount } }', {}, { authorization: 'Bearer not-a-token-at-all' })).status).toBe(401);
    expect((await server.graphql('{ realms { totalCount } }', {}, { authorization: 'Bearer not-a-token-at-all' })).status).toBe(429);
    const after = await scrape(server.metricsUrl!);
    const moved = (kind: string) => after.sum('realmgraph_rate_limit_refusals_total', { kind }) - before.sum('realmgraph_rate_limit_refusals_total', { kind });
    expect(moved('token')).toBe(1);
    expect(moved('auth')).toBe(1);
    // The refused guess spent its address's request budget too (no token: the address's).
    expect(moved('address')).toBe(1);
  });
});
