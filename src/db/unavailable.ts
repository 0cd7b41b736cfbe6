import { serviceUnavailable } from '../common/errors';

/**
 * Is this error the database being out of reach (down, frozen, restarting, out of connections),
 * rather than a bug or a refused statement? The one classification every edge uses to answer
 * SERVICE_UNAVAILABLE (HTTP 503 + Retry-After, WebSocket close 1013) instead of masking an outage
 * as INTERNAL_SERVER_ERROR or calling it an authentication failure (docs/decisions.md §70).
 *
 * It walks the wrappers our stack puts around a driver error: TypeORM's `driverError`, `cause`
 * (pg-pool's connection-timeout error, ours), GraphQLError's `originalError`, graphql-js'
 * `thrownValue` (what it wraps when the thrown value is not an `Error` of this realm — Node's own
 * socket errors, under jest's module sandbox), AggregateError's `errors` (Node's happy-eyeballs
 * connect to `localhost` fails with one per address).
 */

/** Node's socket error codes that mean "the server cannot be reached". */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * SQLSTATEs that say the server cannot take us now. Class 08 is "connection exception";
 * 57P01–57P03 are admin/crash shutdown and "cannot connect now" (starting up, recovering);
 * 53300 is too_many_connections. https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const unavailableSqlStates = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * pg and pg-pool signal a lost or unreachable server with plain Errors and no code; these
 * prefixes are their messages (node_modules/pg/lib/client.js, node_modules/pg-pool/index.js),
 * plus our own query timeout's (src/db/timeout-client.ts).
 */
const unavailableMessagePrefixes = [
  'Connection terminated', // "…unexpectedly", "…due to connection timeout", plain on our own end()
  'timeout exceeded when trying to connect', // pg-pool: no connection within connectionTimeoutMillis
  'timeout expired', // pg: connect timeout hit inside the client
  'Query read timeout', // pg: query_timeout
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
  'The database did not answer', // src/db/timeout-client.ts and the readiness check
  // TypeORM, when the connection a transaction holds was lost under it (its client's 'error' event
  // releases the query runner): the next statement, or the COMMIT, finds it released. Our code
  // releases a runner only once its transaction is over, so inside one this is the lost connection.
  'Query runner already released',
  'Database connection provided by a query runner was already released',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  return walk(error, new Set());
}

function walk(error: unknown, seen: Set<unknown>): boolean {
  if (error === null || typeof error !== 'object' || seen.has(error)) return false;
  seen.add(error);
  const e = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    originalError?: unknown;
    thrownValue?: unknown;
    errors?: unknown;
  };
  if (typeof e.code === 'string') {
    if (networkCodes.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code) && (e.code.startsWith('08') || unavailableSqlStates.has(e.code))) return true;
  }
  if (typeof e.message === 'string' && unavailableMessagePrefixes.some((prefix) => (e.message as string).startsWith(prefix))) {
    return true;
  }
  if (Array.isArray(e.errors) && e.errors.some((inner) => walk(inner, seen))) return true;
  return walk(e.driverError, seen) || walk(e.cause, seen) || walk(e.originalError, seen) || walk(e.thrownValue, seen);
}

/** A read whose failure for an outage is SERVICE_UNAVAILABLE (a stream's client resumes later from its cursor); any other error as it is. */
export async function outageCoded<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw isDatabaseUnavailable(error) ? serviceUnavailable() : error;
  }
}
