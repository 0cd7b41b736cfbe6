import { GraphQLError } from 'graphql';

/**
 * Every expected failure's code: one closed list, relied on by clients. The codes GraphQL itself
 * and Apollo produce before a resolver runs (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
 * BAD_USER_INPUT, BAD_REQUEST) pass through unchanged; anything else is masked as
 * INTERNAL_SERVER_ERROR (src/server/errors.ts).
 */
export enum ErrorCode {
  /** No valid API token: none, unknown, revoked or expired. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The token lacks the scope, or reaches another realm than the one named. */
  FORBIDDEN = 'FORBIDDEN',
  /** A value is malformed or out of range; `inputPath` names it. */
  INVALID_INPUT = 'INVALID_INPUT',
  /** An ID is not one this API issued, or names another type than the argument takes. */
  INVALID_ID = 'INVALID_ID',
  /** A pagination cursor is malformed or belongs to another ordering. */
  INVALID_CURSOR = 'INVALID_CURSOR',
  NOT_FOUND = 'NOT_FOUND',
  DUPLICATE_REALM_NAME = 'DUPLICATE_REALM_NAME',
  DUPLICATE_USERNAME = 'DUPLICATE_USERNAME',
  DUPLICATE_EMAIL = 'DUPLICATE_EMAIL',
  DUPLICATE_EXTERNAL_ID = 'DUPLICATE_EXTERNAL_ID',
  DUPLICATE_GROUP_NAME = 'DUPLICATE_GROUP_NAME',
  /** A manual identity would duplicate the username or email of one provisioned by an identity provider. */
  IDP_IDENTITY_CONFLICT = 'IDP_IDENTITY_CONFLICT',
  /** Things of two realms were to be linked (e.g. an identity of realm A into a group of realm B). */
  CROSS_REALM = 'CROSS_REALM',
  /** The `version` given is not the current one: someone else changed the object first. */
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  /** The identity's lifecycle does not allow this change from its current status. */
  INVALID_STATUS_TRANSITION = 'INVALID_STATUS_TRANSITION',
  /** The events after this cursor are past the retention period: reload, then subscribe afresh. */
  EVENT_CURSOR_EXPIRED = 'EVENT_CURSOR_EXPIRED',
  /**
   * The cursor is past the end of the realm's log: the database was restored from a backup older
   * than the cursor, or the cursor is from elsewhere. Reload, then subscribe afresh, as for EXPIRED.
   */
  EVENT_CURSOR_AHEAD = 'EVENT_CURSOR_AHEAD',
  /** An invitation's email already belongs to an identity of the realm (an invited one included). */
  IDENTITY_EXISTS = 'IDENTITY_EXISTS',
  /** The address already has a pending invitation in the realm: resend or revoke that one. */
  INVITATION_EXISTS = 'INVITATION_EXISTS',
  /** No invitation has this token (mistyped, or replaced by a resend). */
  INVALID_TOKEN = 'INVALID_TOKEN',
  /** The invitation's token was used already: a token works once. */
  INVITATION_ALREADY_ACCEPTED = 'INVITATION_ALREADY_ACCEPTED',
  INVITATION_REVOKED = 'INVITATION_REVOKED',
  INVITATION_EXPIRED = 'INVITATION_EXPIRED',
  /** Only a pending (or expired) invitation can be revoked or resent. */
  INVITATION_NOT_PENDING = 'INVITATION_NOT_PENDING',
  // Limits (src/server/limits): refused before anything runs. `limit` and `found` say by how much.
  /** The operation nests fields deeper than MAX_QUERY_DEPTH. */
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  /** The operation's cost (page sizes multiplied through the nesting) is over MAX_QUERY_COST. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** The document has more aliases than MAX_ALIASES. */
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  /** A list in the variables is longer than any argument takes (1 000 items). */
  LIST_TOO_LONG = 'LIST_TOO_LONG',
  /** The document has more tokens than MAX_QUERY_TOKENS: it was not parsed. */
  DOCUMENT_TOO_LARGE = 'DOCUMENT_TOO_LARGE',
  /** The HTTP body is larger than MAX_BODY_BYTES (HTTP 413). */
  BODY_TOO_LARGE = 'BODY_TOO_LARGE',
  /** The caller (API token, or address without one) used up RATE_LIMIT_PER_MINUTE; retry after `Retry-After`. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** WebSocket close reason: the token already has MAX_WS_CONNECTIONS_PER_TOKEN connections open. */
  TOO_MANY_CONNECTIONS = 'TOO_MANY_CONNECTIONS',
  /** The WebSocket connection already runs MAX_SUBSCRIPTIONS_PER_CONNECTION operations. */
  TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS',
  /** A subscription sent over HTTP (HTTP 400): subscriptions run over the WebSocket endpoint only. */
  SUBSCRIPTION_OVER_HTTP = 'SUBSCRIPTION_OVER_HTTP',
  /**
   * The database cannot be reached just now (down, frozen, restarting). Retry after
   * `retryAfterSeconds` (HTTP 503 with Retry-After; WebSocket close 1013, which graphql-ws' client
   * retries on its own). A mutation may or may not have committed: re-read before repeating it.
   */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

export type InputPath = ReadonlyArray<string | number>;

/** An expected failure: shown to the client with its code, and the input it concerns. */
export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    inputPath?: InputPath,
    details?: Record<string, unknown>,
  ) {
    super(message, { extensions: { code, ...(inputPath ? { inputPath: [...inputPath] } : {}), ...details } });
    this.name = 'AppError';
  }
}

export const invalidInput = (inputPath: InputPath, message: string) => new AppError(ErrorCode.INVALID_INPUT, message, inputPath);

export const notFound = (what: string, inputPath?: InputPath, id?: string) =>
  new AppError(ErrorCode.NOT_FOUND, `No ${what} has ${id === undefined ? 'that ID' : `the ID "${id}"`}.`, inputPath);

export const versionConflict = (what: string, inputPath: InputPath, expected: number, actual: number) =>
  new AppError(
    ErrorCode.VERSION_CONFLICT,
    `The ${what} was changed by someone else (you sent version ${expected}, it is now at ${actual}). Reload it and try again.`,
    inputPath,
    { currentVersion: actual },
  );

/** How long a client should wait before retrying when the database is out of reach. */
export const serviceUnavailableRetryAfterSeconds = 2;

/** The database cannot be reached: the one error every edge answers an outage with (src/db/unavailable.ts). */
export const serviceUnavailable = (retryAfterSeconds: number = serviceUnavailableRetryAfterSeconds) =>
  new AppError(
    ErrorCode.SERVICE_UNAVAILABLE,
    `The service cannot reach its database just now. Retry in ${retryAfterSeconds} s.`,
    undefined,
    { retryAfterSeconds },
  );
