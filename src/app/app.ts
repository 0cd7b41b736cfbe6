import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { Authenticator } from '../auth/authenticator';
import type { Caller } from '../auth/caller';
import { LiveConnections } from '../auth/live-connections';
import { TokenCache } from '../auth/token-cache';
import { requestContext, type Context } from '../common/context';
import { onNextTurn } from '../common/loaders';
import type { Config, ReadReplicaSettings } from '../config';
import { NotificationListener } from '../db/notification-listener';
import { ReadReplica } from '../db/read-replica';
import { EmailDeliveryJob, emailDeliveryJobName } from '../email/email-delivery.job';
import { createEmailTransport } from '../email/email-transport';
import { EventRelay } from '../events/event-relay';
import { eventRetentionJob } from '../events/retention.job';
import { webhookDeliveryRetentionJob } from '../webhook/delivery-retention.job';
import { InvitationExpiryJob } from '../invitation/invitation-expiry.job';
import { startJobs, type Job, type Jobs } from '../jobs/jobs';
import type { Logger } from '../logger';
import { buildAppSchema } from '../schema/build';
import { clientAddressResolver } from '../server/client-address';
import { OriginPolicy } from '../server/cors';
import { httpEdge } from '../server/http';
import { createRequestLimits } from '../server/limits';
import { websocketEdge } from '../server/websocket';
import { eventChannel } from '../events/event-log';
import { WebhookDeliveryJob, webhookDeliveryJobName } from '../webhook/webhook-delivery.job';
import { httpWebhookSender } from '../webhook/webhook-sender';
import { scimEdge } from '../scim/scim.router';
import { createSharedLimits } from '../shared-limits/shared-limits';
import { cachedBacklog, metrics, type PoolStats } from '../observability/metrics';
import { startMetricsServer, type MetricsServer } from '../observability/metrics-server';
import { createServices } from './services';

export interface App {
  readonly httpServer: Server;
  /** Starts listening; resolves with the bound port (useful with PORT=0). Also starts /metrics when METRICS_PORT is set. */
  listen(port: number, host: string): Promise<number>;
  /** The port /metrics is served on, once listening (undefined: METRICS_PORT is not set). */
  readonly metricsPort: number | undefined;
  /** Stops accepting, lets in-flight requests finish, closes the WebSocket connections. */
  stop(): Promise<void>;
}

/**
 * The composition root: the notification listener and the event relay, the token cache, the
 * services (src/app/services.ts) and the schema made with them, the background jobs, and the two
 * edges on one HTTP server and one path, /graphql — HTTP (src/server/http.ts) and WebSocket
 * (src/server/websocket.ts) — which build the same request context. `runJobs: false` leaves the
 * jobs to other instances (tests use it).
 */
export async function createApp(options: {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
  runJobs?: boolean;
  /**
   * A direct (session) connection's URL for the LISTEN connection (Database.directUrl): a
   * transaction pooler in front of the data source cannot carry LISTEN. Unset: the data source's.
   */
  listenUrl?: string;
}): Promise<App> {
  const { dataSource, config, logger } = options;
  let jobs: Jobs | undefined;
  let boundPort: number | undefined;
  const liveConnections = new LiveConnections(dataSource, logger);
  // Its connection's heartbeat answers as fast as a connect: the same deadline.
  const notifications = new NotificationListener(options.listenUrl ?? connectionUrl(dataSource), logger, { timeoutMs: config.database.connectTimeoutMs });
  await notifications.start();
  const relay = new EventRelay(dataSource, notifications, logger, { windowSize: 5000, pollIntervalMs: 5000 });
  await relay.start();
  const tokens = new TokenCache({ ttlMs: config.tokenCacheTtlMs, maxEntries: 10_000 });
  await tokens.listenTo(notifications);
  const services = createServices({
    dataSource,
    relay,
    invitations: { invitationTtlHours: config.invitationTtlHours, publicUrl: () => config.publicUrl ?? `http://localhost:${boundPort ?? config.port}` },
    wakeEmailDelivery: () => jobs?.wake(emailDeliveryJobName),
    webhooks: { allowPrivateNetworks: config.webhooks.allowPrivateNetworks },
    wakeWebhookDelivery: () => jobs?.wake(webhookDeliveryJobName),
    tokenRevoked: (uuid) => {
      tokens.evict(uuid);
      liveConnections.end(uuid);
    },
  });
  const schema = await buildAppSchema(services);
  const webhookSender = httpWebhookSender();
  const webhookDelivery = new WebhookDeliveryJob(dataSource, services.events, webhookSender, logger, config.webhooks, () => jobs?.wake(webhookDeliveryJobName));
  // Every committed event may be due at an endpoint: the job looks at once (the tick is the backstop).
  await notifications.listen(eventChannel, () => jobs?.wake(webhookDeliveryJobName));
  // The rate limits and connection caps, one budget across the instances on this database.
  const shared = createSharedLimits({
    url: connectionUrl(dataSource),
    connectTimeoutMs: config.database.connectTimeoutMs,
    maxConnectionsPerToken: config.limits.maxWsConnectionsPerToken,
    connectionTtlMs: config.limits.wsConnectionTtlMs,
    logger,
  });
  const emailDelivery = new EmailDeliveryJob(dataSource, createEmailTransport(config, logger), logger, { leaseMs: config.emailLeaseMs });
  const backgroundJobs: Job[] = [
    shared.cleanupJob,
    eventRetentionJob(dataSource, config.eventRetentionDays),
    webhookDeliveryRetentionJob(dataSource, config.eventRetentionDays),
    new InvitationExpiryJob(services.invitations),
    emailDelivery,
    liveConnections.sweepJob(),
    webhookDelivery,
  ];

  // Queries over HTTP only (src/server/replica-reads.ts): everything above keeps the primary.
  const readReplica = config.readReplica && newReadReplica(dataSource, config.readReplica, config, logger);
  await readReplica?.start();

  const pageLimits = { maxPageSize: config.maxPageSize, defaultPageSize: config.defaultPageSize };
  /** The request context every edge builds: who asks, a fresh set of loaders, the page limits. */
  const newContext = (requestId: string, caller: Caller, cache: boolean): Context => requestContext(dataSource, { requestId, caller, cache, limits: pageLimits });
  const eventContext = (caller: Caller): Context => requestContext(dataSource, { requestId: randomUUID(), caller, cache: true, limits: pageLimits, batchScheduleFn: onNextTurn });
  const limits = createRequestLimits(schema, config, { rate: shared.rateBudget, connections: shared.connections }, metrics.rateLimitRefused);
  const addressOf = clientAddressResolver(config.trustProxy);
  const origins = new OriginPolicy(config.corsOrigins);
  const authenticator = new Authenticator(dataSource, tokens, limits.authFailures);
  const httpServer = createServer();
  const ws = websocketEdge({ httpServer, schema, limits, authenticator, addressOf, liveConnections, origins, newContext, eventContext, logger, accessLog: config.accessLog });
  const scim = scimEdge({ dataSource, realms: services.realms, identities: services.identities, groups: services.groups, authenticator, requests: limits.requests, addressOf, newContext, publicUrl: config.publicUrl, logger });
  const stopMeasuring = metrics.addSource({
    pool: () => poolStats(dataSource),
    openWebSockets: ws.openConnections,
    backlog: cachedBacklog(async () => {
      const [emailsQueued, webhooks] = await Promise.all([emailDelivery.queued(), webhookDelivery.backlog()]);
      return { emailsQueued, webhookEndpointsBehind: webhooks.endpointsBehind, webhookEventsBehind: webhooks.eventsBehind, webhookEndpointsPaused: webhooks.endpointsPaused };
    }),
  });
  let metricsServer: MetricsServer | undefined;
  const apollo = await httpEdge({ httpServer, schema, config, limits, authenticator, addressOf, origins, newContext, dataSource, readReplica, scim, drain: ws.dispose, logger });

  return {
    httpServer,
    listen: async (port, host) => {
      if (config.metrics) metricsServer = await startMetricsServer(config.metrics.port, config.metrics.host, logger);
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          boundPort = (httpServer.address() as AddressInfo).port;
          if (options.runJobs !== false) jobs = startJobs(backgroundJobs, config.jobIntervalMs, logger);
          resolve(boundPort);
        });
      });
    },
    get metricsPort() {
      return metricsServer?.port;
    },
    stop: async () => {
      await apollo.stop();
      stopMeasuring();
      await metricsServer?.close();
      await jobs?.stop();
      await webhookDelivery.stop();
      webhookSender.close();
      await shared.stop();
      await relay.stop();
      await notifications.stop();
      await readReplica?.stop();
    },
  };
}

/** Checked four times within the lag it may have, at most once a second. */
function newReadReplica(primary: DataSource, { url, maxLagMs }: ReadReplicaSettings, config: Config, logger: Logger): ReadReplica {
  return new ReadReplica(primary, url, logger, {
    maxLagMs,
    checkIntervalMs: Math.min(1000, Math.floor(maxLagMs / 4)),
    pool: { statementTimeoutMs: config.limits.statementTimeoutMs, connectTimeoutMs: config.database.connectTimeoutMs, queryTimeoutMs: config.database.queryTimeoutMs },
  });
}

/** The pg pool behind TypeORM's PostgreSQL driver (`driver.master`), read when Prometheus scrapes. */
function poolStats(dataSource: DataSource): PoolStats | undefined {
  const pool = (dataSource.driver as { master?: { totalCount: number; idleCount: number; waitingCount: number; options?: { max?: number } } }).master;
  if (!pool) return undefined;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options?.max ?? 10 };
}

function connectionUrl(dataSource: DataSource): string {
  const { url } = dataSource.options as { url?: string };
  if (!url) throw new Error('The data source has no URL: the notification listener needs one for its LISTEN connection.');
  return url;
}
