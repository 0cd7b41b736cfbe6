import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../common/errors';
import type { Logger } from '../logger';

const internalMessage = 'Something went wrong on our side. It has been logged; quote the request ID if you report it.';

/** An error a resolver threw that is not a GraphQLError: a bug or an outage, never shown as is. */
export function isUnexpected(error: GraphQLError): boolean {
  return error.originalError !== undefined && !(error.originalError instanceof GraphQLError);
}

/**
 * The one place an error becomes what a client sees. Expected errors keep their code, message,
 * path and inputPath; unexpected ones are logged with the request ID and masked. Never a stack trace.
 */
export function formatError(error: GraphQLError, requestId: string, logger: Logger): GraphQLFormattedError {
  if (isUnexpected(error)) {
    const cause = error.originalError!;
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
function uncodedCode(error: GraphQLError): string {
  return error.path === undefined ? 'BAD_USER_INPUT' : ErrorCode.INTERNAL_SERVER_ERROR;
}

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
    body: { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] },
  };
}
