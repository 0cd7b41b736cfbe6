import path from 'node:path';
import proxyaddr from 'proxy-addr';

/** Everything the process reads from its environment, parsed once at start-up. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Unset: an embedded PostgreSQL is started under `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** A streaming replica of DATABASE_URL for GraphQL queries over HTTP (src/db/read-replica.ts); undefined: every read is the primary's. */
  readonly readReplica: ReadReplicaSettings | undefined;
  /**
   * A direct (session) connection to the same database, for what a transaction-mode pooler in front
   * of `databaseUrl` cannot carry: the LISTEN connection and migrations (DATABASE_DIRECT_URL). Set,
   * it says that `databaseUrl` goes through such a pooler (src/db/database.ts). Unset: `databaseUrl`.
   */
  readonly databaseDirectUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPgPort: number;
  readonly production: boolean;
  readonly introspection: boolean;
  readonly maxPageSize: number;
  readonly defaultPageSize: number;
  /** What one request, connection or caller may ask (README "Limits"). */
  readonly limits: Limits;
  readonly logLevel: LogLevel;
  /** Base of links in emails; unset: the server's own address. */
  readonly publicUrl: string | undefined;
  /** Unset: emails are written to the log instead of sent. */
  readonly smtpUrl: string | undefined;
  readonly smtpFrom: string;
  readonly invitationTtlHours: number;
  readonly eventRetentionDays: number;
  /** How often the background jobs (invitation expiry, email delivery, event retention) look for work. */
  readonly jobIntervalMs: number;
  /** How long a claimed email is its sender's before another attempt may take it (src/email/email-delivery.job.ts). */
  readonly emailLeaseMs: number;
  /** Webhook delivery (src/webhook/webhook-delivery.job.ts, README "Webhooks"). */
  readonly webhooks: WebhookSettings;
  /** How long this instance trusts a token it has authenticated, at most (src/auth/token-cache.ts); 0: never. */
  readonly tokenCacheTtlMs: number;
  /** An all-realms admin API token for automation; unset: the first start creates one. */
  readonly adminToken: string | undefined;
  /** How long the database is given before it counts as unreachable (src/db/data-source.ts, docs/decisions.md 70). */
  readonly database: DatabaseTimeouts;
  /**
   * The proxies whose X-Forwarded-For is believed (TRUST_PROXY): proxy-addr's names (`loopback`,
   * `linklocal`, `uniquelocal`), addresses and CIDRs. Empty: none, the socket's peer is the client.
   */
  readonly trustProxy: readonly string[];
  /**
   * The origins whose browser pages may call the API (CORS_ORIGINS), as browsers write an Origin
   * header (`https://app.example.com`, `http://localhost:5173`). Empty: none but the server's own.
   */
  readonly corsOrigins: readonly string[];
  /** Prometheus' /metrics on a port of its own (METRICS_PORT, METRICS_HOST); undefined: not served. */
  readonly metrics: MetricsEndpoint | undefined;
  /** One JSON line per HTTP request and per WebSocket operation, at level info (ACCESS_LOG). */
  readonly accessLog: boolean;
}

export interface MetricsEndpoint {
  readonly port: number;
  readonly host: string;
}

export interface WebhookSettings {
  /** One attempt, connect and response together (WEBHOOK_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** The waits before each retry (WEBHOOK_RETRY_DELAYS_MS); when they run out, the endpoint is paused. */
  readonly retryDelaysMs: readonly number[];
  /** Loopback, private, link-local and CGNAT addresses allowed (WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
  readonly allowPrivateNetworks: boolean;
  /** Endpoints delivered to at once by this instance (WEBHOOK_CONCURRENCY). */
  readonly concurrency: number;
}

/** The Standard Webhooks suggestion: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const defaultWebhookRetryDelaysMs = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;

function webhookSettings(env: NodeJS.ProcessEnv): WebhookSettings {
  const raw = env.WEBHOOK_RETRY_DELAYS_MS;
  let retryDelaysMs: readonly number[] = defaultWebhookRetryDelaysMs;
  if (raw !== undefined && raw.trim() !== '') {
    const parts = raw.split(',').map((part) => part.trim());
    const delays = parts.map(Number);
    if (parts.length > 100 || delays.some((delay, index) => parts[index] === '' || !Number.isInteger(delay) || delay < 0 || delay > 7 * 86_400_000)) {
      throw new ConfigError(`WEBHOOK_RETRY_DELAYS_MS must be up to 100 whole numbers of milliseconds (0 to 604800000), separated by commas; it is "${raw}".`);
    }
    retryDelaysMs = delays;
  }
  return {
    timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    retryDelaysMs,
    allowPrivateNetworks: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
    concurrency: integer(env, 'WEBHOOK_CONCURRENCY', 16, 1, 1000),
  };
}

/** Client-side bounds on the database, so that an outage is answered as one instead of waited out. */
export interface DatabaseTimeouts {
  /**
   * Opening a connection, or waiting for a free one of the pool (DATABASE_CONNECT_TIMEOUT_MS). Also
   * the deadline of /readyz and of the notification listener's heartbeat.
   */
  readonly connectTimeoutMs: number;
  /**
   * A statement with no answer at all (DATABASE_QUERY_TIMEOUT_MS); 0: none. Longer than
   * STATEMENT_TIMEOUT_MS, so that PostgreSQL's own cancel comes first when the server is alive.
   */
  readonly queryTimeoutMs: number;
}

export interface ReadReplicaSettings {
  /** DATABASE_READ_URL. */
  readonly url: string;
  /**
   * How far behind the primary the replica may be and still answer queries
   * (DATABASE_READ_MAX_LAG_MS); further behind, or unreachable, queries read from the primary.
   */
  readonly maxLagMs: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The limits that keep one caller from taking the server down; each has an error code (README "Limits"). */
export interface Limits {
  /** Deepest nesting of fields in an operation (introspection gets at least 15). */
  readonly maxQueryDepth: number;
  /** Highest cost: every field counts 1, and a page (`first`/`last`, else DEFAULT_PAGE_SIZE) multiplies what is under it. */
  readonly maxQueryCost: number;
  readonly maxAliases: number;
  /** Lexical tokens per document, counted while parsing: a larger one is not parsed further. */
  readonly maxQueryTokens: number;
  readonly maxBodyBytes: number;
  /** Largest WebSocket message; a larger one closes the connection with 1009. */
  readonly maxWsMessageBytes: number;
  /**
   * PostgreSQL's statement_timeout on the server's pool; 0: none. Migrations run without it. Behind a
   * pooler (DATABASE_DIRECT_URL set), the role's own setting in the database, which start-up checks.
   */
  readonly statementTimeoutMs: number;
  /** Requests (HTTP) and operations (WebSocket) per caller per minute, as a token bucket; 0: no limit. */
  readonly rateLimitPerMinute: number;
  /** Failed authentications per client address per minute, as a token bucket; past it, no lookup (0: no limit). */
  readonly authFailuresPerMinute: number;
  /** Open WebSocket connections per token (or address), across every instance on the database. */
  readonly maxWsConnectionsPerToken: number;
  /**
   * How long an instance's count of its WebSocket connections stays valid in PostgreSQL without its
   * heartbeat (every third of it): after a crash, its connections stop counting this long after.
   */
  readonly wsConnectionTtlMs: number;
  /** Operations (subscriptions, and queries in flight) at once on one WebSocket connection. */
  readonly maxSubscriptionsPerConnection: number;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; it is "${raw}".`);
  }
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be "true" or "false"; it is "${raw}".`);
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${values.join(', ')}; it is "${raw}".`);
  }
  return raw as T;
}

function url(env: NodeJS.ProcessEnv, name: string, pattern: RegExp, what: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!pattern.test(raw)) throw new ConfigError(`${name} must be ${what}; it is "${raw}".`);
  return raw.replace(/\/+$/, '');
}

function adminToken(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.ADMIN_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 24 || /\s/.test(raw)) {
    throw new ConfigError('ADMIN_TOKEN must be at least 24 characters with no spaces (e.g. `openssl rand -base64 32`).');
  }
  return raw;
}

function limits(env: NodeJS.ProcessEnv): Limits {
  const mib = 1024 * 1024;
  return {
    maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', 12, 1, 1000),
    maxQueryCost: integer(env, 'MAX_QUERY_COST', 500_000, 1, 1_000_000_000),
    maxAliases: integer(env, 'MAX_ALIASES', 30, 0, 100_000),
    maxQueryTokens: integer(env, 'MAX_QUERY_TOKENS', 5000, 100, 10_000_000),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', mib, 1024, 100 * mib),
    maxWsMessageBytes: integer(env, 'MAX_WS_MESSAGE_BYTES', mib, 1024, 100 * mib),
    statementTimeoutMs: integer(env, 'STATEMENT_TIMEOUT_MS', 10_000, 0, 86_400_000),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    authFailuresPerMinute: integer(env, 'AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
    maxWsConnectionsPerToken: integer(env, 'MAX_WS_CONNECTIONS_PER_TOKEN', 20, 1, 100_000),
    wsConnectionTtlMs: integer(env, 'WS_CONNECTION_TTL_MS', 30_000, 300, 3_600_000),
    maxSubscriptionsPerConnection: integer(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 100_000),
  };
}

/**
 * The query timeout defaults to the statement timeout plus 5 s: only a server that does not answer
 * at all outlives PostgreSQL's own cancel by that much (docs/decisions.md 70).
 */
const queryTimeoutMargin = 5000;

function databaseTimeouts(env: NodeJS.ProcessEnv, statementTimeoutMs: number): DatabaseTimeouts {
  const connectTimeoutMs = integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600_000);
  const queryTimeoutMs = integer(env, 'DATABASE_QUERY_TIMEOUT_MS', statementTimeoutMs === 0 ? 0 : statementTimeoutMs + queryTimeoutMargin, 0, 86_400_000);
  if (statementTimeoutMs === 0 && queryTimeoutMs !== 0) {
    throw new ConfigError(
      'DATABASE_QUERY_TIMEOUT_MS must be 0 when STATEMENT_TIMEOUT_MS is 0: it would cut statements PostgreSQL lets run. Set STATEMENT_TIMEOUT_MS too.',
    );
  }
  if (queryTimeoutMs !== 0 && queryTimeoutMs <= statementTimeoutMs) {
    throw new ConfigError(
      `DATABASE_QUERY_TIMEOUT_MS (${queryTimeoutMs}) must exceed STATEMENT_TIMEOUT_MS (${statementTimeoutMs}), so that PostgreSQL cancels a slow statement before the client gives up on the connection.`,
    );
  }
  return { connectTimeoutMs, queryTimeoutMs };
}

function readReplica(env: NodeJS.ProcessEnv, databaseUrl: string | undefined): ReadReplicaSettings | undefined {
  const maxLagMs = integer(env, 'DATABASE_READ_MAX_LAG_MS', 5000, 1000, 3_600_000);
  const url = env.DATABASE_READ_URL || undefined;
  if (url === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('DATABASE_READ_URL must be a postgres:// or postgresql:// URL.');
  if (databaseUrl === undefined) {
    throw new ConfigError('DATABASE_READ_URL needs DATABASE_URL: the replica is of an external primary, never of the embedded PostgreSQL.');
  }
  return { url, maxLagMs };
}

/** `TRUST_PROXY`: a comma-separated list, each entry checked by proxy-addr itself. */
function trustProxy(env: NodeJS.ProcessEnv): readonly string[] {
  const entries = (env.TRUST_PROXY ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    try {
      proxyaddr.compile(entry);
    } catch {
      throw new ConfigError(
        `TRUST_PROXY must list addresses, CIDRs (10.0.0.0/8) or loopback, linklocal, uniquelocal, separated by commas; "${entry}" is none of these.`,
      );
    }
  }
  return entries;
}

/**
 * NODE_ENV as the Node ecosystem spells it. Anything else is refused, not read as development: a
 * deployment that wrote `prod` would otherwise serve introspection and field suggestions
 * (docs/decisions.md 95). `test` is what jest sets.
 */
const nodeEnvironments = ['development', 'production', 'test'] as const;

/**
 * `CORS_ORIGINS`: a comma-separated list of origins, each written back as the browser writes it
 * (lower-case host, no default port, no slash), so that a request's Origin is compared as a string.
 * No wildcard and no `null`: `null` is the origin of any sandboxed frame or local file, whoever made it.
 */
function corsOrigins(env: NodeJS.ProcessEnv): readonly string[] {
  const entries = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    if (entry === '*' || entry === 'null') {
      throw new ConfigError(`CORS_ORIGINS lists the origins allowed one by one (https://app.example.com,http://localhost:5173); "${entry}" would allow pages nobody chose.`);
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(entry);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password || parsed.search || parsed.hash || parsed.pathname !== '/') {
      throw new ConfigError(`CORS_ORIGINS must list origins (scheme, host and port, no path), separated by commas, e.g. https://app.example.com,http://localhost:5173; "${entry}" is not one.`);
    }
    return parsed.origin;
  });
}

/**
 * METRICS_PORT: unset, no endpoint; it must differ from PORT (0, a free port, is for tests).
 * METRICS_HOST defaults to HOST: in a pod, Prometheus scrapes the pod's address.
 */
function metricsEndpoint(env: NodeJS.ProcessEnv, port: number, host: string): MetricsEndpoint | undefined {
  if (env.METRICS_PORT === undefined || env.METRICS_PORT === '') return undefined;
  const metricsPort = integer(env, 'METRICS_PORT', 0, 0, 65_535);
  if (metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${port}): /metrics is served on a port of its own, which is not published with the API.`);
  }
  return { port: metricsPort, host: env.METRICS_HOST || host };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = oneOf(env, 'NODE_ENV', nodeEnvironments, 'development') === 'production';
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL.');
  }
  const databaseDirectUrl = env.DATABASE_DIRECT_URL || undefined;
  if (databaseDirectUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseDirectUrl)) {
    throw new ConfigError('DATABASE_DIRECT_URL must be a postgres:// or postgresql:// URL.');
  }
  if (databaseDirectUrl !== undefined && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_DIRECT_URL needs DATABASE_URL: it is the direct way to the database DATABASE_URL reaches through a pooler.');
  }
  const maxPageSize = integer(env, 'MAX_PAGE_SIZE', 100, 1, 10_000);
  const requestLimits = limits(env);
  const port = integer(env, 'PORT', 4000, 0, 65_535);
  const host = env.HOST || '0.0.0.0';
  return {
    port,
    host,
    databaseUrl,
    readReplica: readReplica(env, databaseUrl),
    databaseDirectUrl,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    embeddedPgPort: integer(env, 'EMBEDDED_PG_PORT', 54329, 1, 65_535),
    production,
    introspection: boolean(env, 'INTROSPECTION', !production),
    maxPageSize,
    defaultPageSize: Math.min(integer(env, 'DEFAULT_PAGE_SIZE', 20, 1, 10_000), maxPageSize),
    limits: requestLimits,
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    publicUrl: url(env, 'PUBLIC_URL', /^https?:\/\//, 'an http:// or https:// URL'),
    smtpUrl: url(env, 'SMTP_URL', /^smtps?:\/\//, 'an smtp:// or smtps:// URL'),
    smtpFrom: env.SMTP_FROM || 'realmgraph <no-reply@realmgraph.localhost>',
    invitationTtlHours: integer(env, 'INVITATION_TTL_HOURS', 168, 1, 24 * 365),
    eventRetentionDays: integer(env, 'EVENT_RETENTION_DAYS', 30, 1, 3650),
    jobIntervalMs: integer(env, 'JOB_INTERVAL_MS', 5000, 10, 3_600_000),
    emailLeaseMs: integer(env, 'EMAIL_LEASE_MS', 600_000, 1000, 86_400_000),
    webhooks: webhookSettings(env),
    tokenCacheTtlMs: integer(env, 'TOKEN_CACHE_TTL_MS', 5000, 0, 60_000),
    adminToken: adminToken(env),
    database: databaseTimeouts(env, requestLimits.statementTimeoutMs),
    trustProxy: trustProxy(env),
    corsOrigins: corsOrigins(env),
    metrics: metricsEndpoint(env, port, host),
    accessLog: boolean(env, 'ACCESS_LOG', true),
  };
}
