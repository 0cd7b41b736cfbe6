import type { ApolloServerPlugin } from '@apollo/server';
import type { ServerResponse } from 'node:http';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, serviceUnavailable, serviceUnavailableRetryAfterSeconds } from '../common/errors';
import { isDatabaseUnavailable } from '../db/unavailable';
import type { Logger } from '../logger';
import { sendJson } from './http-answer';

const internalMessage = 'Something went wrong on our side. It has been logged; quote the request ID if you report it.';

/** An error a resolver threw that is not a GraphQLError: a bug or an outage, never shown as is. */
export function isUnexpected(error: GraphQLError): boolean {
  return error.originalError !== undefined && !(error.originalError instanceof GraphQLError);
}

/**
 * The one place an error becomes what a client sees. Expected errors keep their code, message,
 * path and inputPath; unexpected ones are logged with the request ID and masked — as
 * SERVICE_UNAVAILABLE when the database is out of reach (src/db/unavailable.ts), which the client
 * should retry, else as INTERNAL_SERVER_ERROR. Never a stack trace, never a driver's message.
 */
export function formatError(error: GraphQLError, requestId: string, logger: Logger): GraphQLFormattedError {
  if (isUnexpected(error)) {
    const cause = error.originalError!;
    if (isDatabaseUnavailable(cause)) {
      logger.warn('database unavailable', { requestId, path: error.path, error: cause.message });
      const unavailable = serviceUnavailable();
      return {
        message: unavailable.message,
        ...(error.path ? { path: error.path } : {}),
        extensions: { ...unavailable.extensions, requestId },
      };
    }
    logger.error('unexpected error', { requestId, path: error.path, error: cause.message, stack: cause.stack });
    return {
      message: internalMessage,
      ...(error.path ? { path: error.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId },
    };
  }
  const { stacktrace: _stacktrace, exception: _exception, http: _http, ...extensions } = (error.extensions ?? {}) as Record<string, unknown>;
  return {
    message: error.message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: { ...extensions, code: extensions.code ?? uncodedCode(error) },
  };
}

/**
 * An expected error nobody coded. One that concerns no field is graphql-js refusing the request
 * itself — a variable that does not fit its type — which Apollo codes BAD_USER_INPUT over HTTP but
 * reaches us uncoded over WebSocket (found by test/e2e/fuzz.test.ts). One on a field is ours.
 */
function uncodedCode(error: GraphQLError): ErrorCode {
  return error.path === undefined ? ErrorCode.BAD_USER_INPUT : ErrorCode.INTERNAL_SERVER_ERROR;
}

/** Over HTTP a whole request refused with one of these codes gets this status (and Retry-After with the last two). */
const refusalStatus: Partial<Record<string, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

/**
 * Answers a request refused before GraphQL runs (authentication: UNAUTHENTICATED, RATE_LIMITED,
 * SERVICE_UNAVAILABLE) with the status of its code, Retry-After when it has one, and the body
 * Apollo gives any refused request.
 */
export function sendRefusal(res: ServerResponse, error: GraphQLError, requestId: string, logger: Logger): void {
  const formatted = formatError(error, requestId, logger);
  const code = String(formatted.extensions?.code);
  const retryAfter = formatted.extensions?.retryAfterSeconds;
  if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  res.setHeader('x-request-id', requestId);
  sendJson(res, refusalStatus[code] ?? 500, { errors: [formatted] });
}

/**
 * The HTTP status of an answer GraphQL ran:
 * - once the request committed a write, 200, whatever failed after (a payload's field refused, an
 *   error carrying a status, an outage): the change was made, and a client or proxy that took a 4xx
 *   or 5xx for "nothing happened" would tell the user it failed, or send it again
 *   (docs/decisions.md 84). The errors, with their paths, say which fields are missing.
 * - else, with a SERVICE_UNAVAILABLE error — a resolver met an outage — 503 with Retry-After,
 *   whatever else it holds: the client should retry the whole request, and a proxy or load
 *   balancer should see that this instance cannot serve just now (docs/decisions.md 70).
 */
export const responseStatusPlugin: ApolloServerPlugin<{ readonly commits: { readonly count: number } }> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (contextValue.commits.count > 0) {
          response.http.status = 200;
          response.http.headers.delete('retry-after');
          return;
        }
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
        const unavailable = errors?.find((error) => error.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE);
        if (!unavailable) return;
        const retryAfter = unavailable.extensions?.retryAfterSeconds;
        response.http.status = 503;
        response.http.headers.set('retry-after', String(typeof retryAfter === 'number' ? retryAfter : serviceUnavailableRetryAfterSeconds));
      },
    };
  },
};

/** A request body that is not JSON, or too large, gets a GraphQL-shaped error, not Express's HTML page. */
export function bodyErrorResponse(error: { type?: string; status?: number; limit?: number; length?: number }): { status: number; body: unknown } {
  if (error.type === 'entity.too.large') {
    // body-parser knows the size when the client declared it (Content-Length); otherwise it stopped reading at the limit.
    const message =
      error.length !== undefined
        ? `The request body is ${error.length} bytes; the server accepts at most ${error.limit} (MAX_BODY_BYTES).`
        : `The request body is larger than the ${error.limit} bytes the server accepts (MAX_BODY_BYTES).`;
    return {
      status: 413,
      body: {
        errors: [
          {
            message,
            extensions: { code: ErrorCode.BODY_TOO_LARGE, limit: error.limit },
          },
        ],
      },
    };
  }
  return {
    status: 400,
    body: { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: ErrorCode.BAD_REQUEST } }] },
  };
}
