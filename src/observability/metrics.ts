import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics (prom-client), served on METRICS_PORT (src/observability/
 * metrics-server.ts; README "Metrics" lists them). Process-wide, as prom-client's own registry is:
 * a counter is bumped where the thing happens (an event committed, a request answered) without
 * handing an object down every path to it. What belongs to one app's objects — the pool, the open
 * sockets, the queues — is read when Prometheus scrapes, from the sources the app registered
 * (`addSource`), so that no gauge can drift from what it measures.
 */

/** An app's objects, read on each scrape; several apps in one process (tests) add up. */
export interface MetricsSource {
  /** The pg pool of the app's data source (TypeORM's `driver.master`), if it has one. */
  pool(): PoolStats | undefined;
  /** WebSocket connections open now. */
  openWebSockets(): number;
  /** What the background queues hold: read from the database, at most once per `backlogTtlMs`. */
  backlog(): Promise<Backlog>;
}

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

export interface Backlog {
  readonly emailsQueued: number;
  readonly webhookEndpointsBehind: number;
  readonly webhookEventsBehind: number;
  readonly webhookEndpointsPaused: number;
}

/** How long a backlog read serves scrapes: every instance is scraped, and the answer is the same database's. */
export const backlogTtlMs = 5000;

/** Operation names become label values: at most this many distinct ones per process, then "other". */
const maxOperationNames = 500;
const operationNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const registry = new Registry();

/** Seconds: from a cached read (1 ms) to a slow mutation or a statement timeout (10 s). */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const httpRequests = new Counter({
  name: 'realmgraph_http_requests_total',
  help: 'HTTP requests answered, by method, route and status class (WebSocket upgrades are not counted here).',
  labelNames: ['method', 'route', 'status_class'] as const,
  registers: [registry],
});
const httpDuration = new Histogram({
  name: 'realmgraph_http_request_duration_seconds',
  help: 'Time from receiving an HTTP request to the end of its answer, by method, route and status class.',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: latencyBuckets,
  registers: [registry],
});
const graphqlOperations = new Counter({
  name: 'realmgraph_graphql_operations_total',
  help: 'GraphQL operations finished, by operation name, type, transport and outcome ("ok" or the first error code).',
  labelNames: ['operation', 'type', 'transport', 'outcome'] as const,
  registers: [registry],
});
const graphqlDuration = new Histogram({
  name: 'realmgraph_graphql_operation_duration_seconds',
  help: 'Time from receiving a GraphQL query or mutation to its answer, by operation name, type and transport (subscriptions are in realmgraph_subscriptions_active).',
  labelNames: ['operation', 'type', 'transport'] as const,
  buckets: latencyBuckets,
  registers: [registry],
});
const subscriptionsActive = new Gauge({
  name: 'realmgraph_subscriptions_active',
  help: 'GraphQL subscriptions running now on this instance.',
  registers: [registry],
});
const eventsAppended = new Counter({
  name: 'realmgraph_events_appended_total',
  help: 'Events appended to the event log by this instance, counted once their transaction committed, by type.',
  labelNames: ['type'] as const,
  registers: [registry],
});
const eventsDelivered = new Counter({
  name: 'realmgraph_events_delivered_total',
  help: 'Events handed by the relay to this instance’s subscriptions (one per subscription per event, replays included), by type.',
  labelNames: ['type'] as const,
  registers: [registry],
});
const relayLag = new Histogram({
  name: 'realmgraph_event_relay_lag_seconds',
  help: 'From an event’s occurred_at (PostgreSQL’s clock, as it was appended) to this instance’s relay reading it for its subscribers; once per event and instance.',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
const rateLimitRefusals = new Counter({
  name: 'realmgraph_rate_limit_refusals_total',
  help: 'Requests refused by a rate limit: kind "token" (a token’s budget), "address" (a request without a token), "auth" (too many failed authentications from an address).',
  labelNames: ['kind'] as const,
  registers: [registry],
});

const sources = new Set<MetricsSource>();
const sumOf = (read: (source: MetricsSource) => number) => [...sources].reduce((total, source) => total + read(source), 0);

new Gauge({
  name: 'realmgraph_websocket_connections',
  help: 'WebSocket connections open now.',
  registers: [registry],
  collect() {
    this.set(sumOf((source) => source.openWebSockets()));
  },
});
new Gauge({
  name: 'realmgraph_db_pool_connections',
  help: 'Connections of the pg pool by state: "in_use" (lent to a query or transaction), "idle", "waiting" (requests waiting for a connection), "max" (the pool’s size).',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    const pools = [...sources].map((source) => source.pool()).filter((pool): pool is PoolStats => pool !== undefined);
    const sum = (read: (pool: PoolStats) => number) => pools.reduce((total, pool) => total + read(pool), 0);
    this.set({ state: 'in_use' }, sum((pool) => pool.total - pool.idle));
    this.set({ state: 'idle' }, sum((pool) => pool.idle));
    this.set({ state: 'waiting' }, sum((pool) => pool.waiting));
    this.set({ state: 'max' }, sum((pool) => pool.max));
  },
});

/** The backlog gauges read one answer per scrape; NaN when the database did not give one (a stale value would look sound). */
async function backlogOf(read: (backlog: Backlog) => number): Promise<number> {
  try {
    const backlogs = await Promise.all([...sources].map((source) => source.backlog()));
    return backlogs.reduce((total, backlog) => total + read(backlog), 0);
  } catch {
    return Number.NaN;
  }
}
new Gauge({
  name: 'realmgraph_email_queue_depth',
  help: 'Emails queued and not yet sent (email_outbox, status QUEUED). Read from the database, at most every 5 s; NaN when it cannot be read.',
  registers: [registry],
  async collect() {
    this.set(await backlogOf((backlog) => backlog.emailsQueued));
  },
});
new Gauge({
  name: 'realmgraph_webhook_endpoints',
  help: 'Webhook endpoints by state: "behind" (ACTIVE, and their cursor is before their realm’s last event), "paused" (PAUSED). Read from the database, at most every 5 s.',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    this.set({ state: 'behind' }, await backlogOf((backlog) => backlog.webhookEndpointsBehind));
    this.set({ state: 'paused' }, await backlogOf((backlog) => backlog.webhookEndpointsPaused));
  },
});
new Gauge({
  name: 'realmgraph_webhook_backlog_events',
  help: 'Events of the log past the cursors of ACTIVE webhook endpoints, summed (an upper bound: an endpoint’s type filter may skip some). Read from the database, at most every 5 s.',
  registers: [registry],
  async collect() {
    this.set(await backlogOf((backlog) => backlog.webhookEventsBehind));
  },
});

export type Transport = 'http' | 'ws';

/** What one GraphQL operation was, as its labels say it. */
export interface OperationLabels {
  readonly operation: string;
  readonly type: string;
  readonly transport: Transport;
}

const operationNames = new Set<string>();

/**
 * The label of an operation name: a client chooses it, so only a plain GraphQL name of at most 64
 * characters, and only the first `maxOperationNames` distinct ones, become values of their own —
 * else a client could make a series per request. Unnamed: "anonymous"; the rest: "other".
 */
export function operationLabel(name: string | null | undefined): string {
  if (name === null || name === undefined || name === '') return 'anonymous';
  if (!operationNamePattern.test(name)) return 'other';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= maxOperationNames) return 'other';
  operationNames.add(name);
  return name;
}

const methods = new Set(['GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'PATCH', 'DELETE']);

export const metrics = {
  registry,

  /** Registers an app's objects for the scrape-time gauges; returns what unregisters them (the app's stop). */
  addSource(source: MetricsSource): () => void {
    sources.add(source);
    return () => void sources.delete(source);
  },

  /** The process metrics prom-client offers (CPU, memory, event loop lag, GC, handles), once the endpoint is served. */
  collectProcessMetrics: once(() => collectDefaultMetrics({ register: registry })),

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method: methods.has(method) ? method : 'other', route, status_class: `${Math.floor(status / 100)}xx` };
    httpRequests.inc(labels);
    httpDuration.observe(labels, seconds);
  },

  graphqlOperation(labels: OperationLabels, outcome: string, seconds: number | undefined): void {
    graphqlOperations.inc({ ...labels, outcome });
    if (seconds !== undefined) graphqlDuration.observe(labels, seconds);
  },

  subscriptionStarted(): void {
    subscriptionsActive.inc();
  },

  subscriptionEnded(): void {
    subscriptionsActive.dec();
  },

  eventsAppended(types: readonly string[]): void {
    for (const type of types) eventsAppended.inc({ type });
  },

  eventDelivered(type: string): void {
    eventsDelivered.inc({ type });
  },

  /** An event the relay read, `occurredAt` by PostgreSQL's clock: a skew between the clocks shows here (never below 0). */
  eventRelayed(occurredAt: Date): void {
    relayLag.observe(Math.max(0, (Date.now() - occurredAt.getTime()) / 1000));
  },

  rateLimitRefused(kind: 'token' | 'address' | 'auth'): void {
    rateLimitRefusals.inc({ kind });
  },
};

function once(work: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    work();
  };
}

/**
 * `read`, answered from its last result for `ttlMs`: the scrape-time gauges ask for the backlog
 * several times per scrape, and every instance is scraped, so the database answers at most once per
 * `ttlMs` per instance. A failed read is not kept.
 */
export function cachedBacklog(read: () => Promise<Backlog>, ttlMs = backlogTtlMs, now: () => number = Date.now): () => Promise<Backlog> {
  let last: { at: number; value: Promise<Backlog> } | undefined;
  return () => {
    if (last && now() - last.at < ttlMs) return last.value;
    const value = read();
    const entry = { at: now(), value };
    last = entry;
    value.catch(() => {
      if (last === entry) last = undefined;
    });
    return value;
  };
}
