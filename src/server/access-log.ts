import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import { metrics } from '../observability/metrics';
import { activeTraceId } from '../observability/trace-context';
import type { ClientAddressOf } from './client-address';

/**
 * What the edges learn about one HTTP request for its access log line: who asked (the edges'
 * authentication: /graphql's, SCIM's) and which GraphQL operation it was (src/server/operation-
 * metrics.ts). Kept with the response from the first step on (requestNote).
 */
export interface RequestNote {
  readonly requestId: string;
  /** The trace of the request when tracing is on. */
  readonly traceId: string | undefined;
  /** The caller's API token by its global ID (never the token), once an edge's authentication has said who asks. */
  tokenId?: string;
  operationName?: string;
  operationType?: string;
  /** "ok", or the first error's code. */
  outcome?: string;
}

const notes = new WeakMap<ServerResponse, RequestNote>();
const requestIds = new WeakMap<IncomingMessage, string>();

export function requestNote(res: ServerResponse): RequestNote {
  return notes.get(res) as RequestNote;
}

/** The request ID the first step gave the request. */
export function requestIdOf(req: IncomingMessage): string {
  return requestIds.get(req) ?? randomUUID();
}

/** The path of a request as it reached the server (Express rewrites `req.url` inside a mounted router). */
export function pathOf(req: IncomingMessage & { originalUrl?: string }): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The routes, as metric labels: a fixed set, whatever path a client asks for. */
const routes = ['/graphql', '/scim/v2', '/graphiql', '/dashboard', '/console', '/invitations/accept', '/healthz', '/readyz'] as const;

export function routeOf(path: string): string {
  for (const route of routes) if (path === route || path.startsWith(`${route}/`)) return route;
  return 'other';
}

/** The probes are asked every few seconds by every orchestrator: counted in the metrics, not logged. */
const probes = new Set(['/healthz', '/readyz']);

/**
 * The first step of every HTTP request: its request ID (the caller's X-Request-Id when it is
 * a sane token, so logs can be joined across services; else a new UUID), its note, its metrics
 * (realmgraph_http_requests_total and the duration, when the answer ends) and — unless ACCESS_LOG
 * is false — its access log line, at level info, when the answer ends:
 *
 *   {"level":"info","time":"…","requestId":"…","method":"POST","path":"/graphql","status":200,
 *    "durationMs":4.2,"operationName":"Me","operationType":"query","outcome":"ok",
 *    "tokenId":"QXBpVG9rZW46…","clientAddress":"10.0.0.7","traceId":"…","message":"request"}
 *
 * No query string (an invitation link carries its token there), no headers, no bodies.
 */
export function accessLog(options: { logger: Logger; addressOf: ClientAddressOf; enabled: boolean }): ObserveRequest {
  const { addressOf } = options;
  const pino = options.logger.pino;
  return (req, res) => {
    const requestId = headerRequestId(req.headers['x-request-id']) ?? randomUUID();
    requestIds.set(req, requestId);
    const note: RequestNote = { requestId, traceId: activeTraceId() };
    notes.set(res, note);
    // Now: a router mounted on a path rewrites req.url while it runs, and the answer may end there.
    const method = req.method ?? 'GET';
    const path = pathOf(req);
    const route = routeOf(path);
    const start = process.hrtime.bigint();
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      const elapsed = Number(process.hrtime.bigint() - start);
      metrics.httpRequest(method, route, res.statusCode, elapsed / 1e9);
      if (!options.enabled || probes.has(path) || !pino.isLevelEnabled('info')) return;
      pino.info(
        {
          requestId,
          method,
          path,
          status: res.statusCode,
          durationMs: Math.round(elapsed / 1e5) / 10,
          ...(note.operationName !== undefined ? { operationName: note.operationName, operationType: note.operationType, outcome: note.outcome } : {}),
          ...(note.tokenId !== undefined ? { tokenId: note.tokenId } : {}),
          clientAddress: addressOf(req),
          ...(note.traceId !== undefined ? { traceId: note.traceId } : {}),
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    };
    res.once('finish', end);
    res.once('close', end);
  };
}

/** The first step of every HTTP request, before any answer can be given (http.ts runs it, for /graphql and Express alike). */
export type ObserveRequest = (req: IncomingMessage, res: ServerResponse) => void;

/** A caller's own request ID is kept when it is a sane token. */
function headerRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && /^[\w.-]{1,100}$/.test(value) ? value : undefined;
}
