import { GraphQLError } from 'graphql';

/**
 * Every code a client can meet in `extensions.code` (and at the head of a WebSocket close reason):
 * one closed list, relied on by clients. The schema's ErrorCode enum is made from it
 * (src/common/error-code.type.ts), so the two cannot differ. Besides ours it holds the codes Apollo
 * Server gives the requests it refuses before a resolver runs, which formatError lets through
 * (src/server/errors.ts), and which the WebSocket edge gives the same refusals; anything else is
 * masked as INTERNAL_SERVER_ERROR. What each means and what a client should do is in
 * `errorCodeDescriptions` below, which the schema publishes.
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  INVALID_INPUT = 'INVALID_INPUT',
  INVALID_ID = 'INVALID_ID',
  INVALID_CURSOR = 'INVALID_CURSOR',
  NOT_FOUND = 'NOT_FOUND',
  DUPLICATE_REALM_NAME = 'DUPLICATE_REALM_NAME',
  DUPLICATE_USERNAME = 'DUPLICATE_USERNAME',
  DUPLICATE_EMAIL = 'DUPLICATE_EMAIL',
  DUPLICATE_EXTERNAL_ID = 'DUPLICATE_EXTERNAL_ID',
  DUPLICATE_GROUP_NAME = 'DUPLICATE_GROUP_NAME',
  IDP_IDENTITY_CONFLICT = 'IDP_IDENTITY_CONFLICT',
  CROSS_REALM = 'CROSS_REALM',
  GROUP_CYCLE = 'GROUP_CYCLE',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_STATUS_TRANSITION = 'INVALID_STATUS_TRANSITION',
  EVENT_CURSOR_EXPIRED = 'EVENT_CURSOR_EXPIRED',
  EVENT_CURSOR_AHEAD = 'EVENT_CURSOR_AHEAD',
  EVENT_HISTORY_INCOMPLETE = 'EVENT_HISTORY_INCOMPLETE',
  IDENTITY_EXISTS = 'IDENTITY_EXISTS',
  INVITATION_EXISTS = 'INVITATION_EXISTS',
  INVALID_TOKEN = 'INVALID_TOKEN',
  INVITATION_ALREADY_ACCEPTED = 'INVITATION_ALREADY_ACCEPTED',
  INVITATION_REVOKED = 'INVITATION_REVOKED',
  INVITATION_EXPIRED = 'INVITATION_EXPIRED',
  INVITATION_NOT_PENDING = 'INVITATION_NOT_PENDING',
  WEBHOOK_URL_NOT_ALLOWED = 'WEBHOOK_URL_NOT_ALLOWED',
  WEBHOOK_DELIVERY_NOT_NEXT = 'WEBHOOK_DELIVERY_NOT_NEXT',
  // Limits (src/server/limits): refused before anything runs.
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  LIST_TOO_LONG = 'LIST_TOO_LONG',
  DOCUMENT_TOO_LARGE = 'DOCUMENT_TOO_LARGE',
  BODY_TOO_LARGE = 'BODY_TOO_LARGE',
  RATE_LIMITED = 'RATE_LIMITED',
  TOO_MANY_CONNECTIONS = 'TOO_MANY_CONNECTIONS',
  TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS',
  SUBSCRIPTION_OVER_HTTP = 'SUBSCRIPTION_OVER_HTTP',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  // Apollo Server's own (ApolloServerErrorCode), given over WebSocket too; not PERSISTED_QUERY_NOT_SUPPORTED,
  // which only a server with automatic persisted queries turned off gives.
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  BAD_REQUEST = 'BAD_REQUEST',
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
}

/** When each code happens and what the client should do: the schema's descriptions of ErrorCode's values. */
export const errorCodeDescriptions: Record<ErrorCode, string> = {
  UNAUTHENTICATED:
    'No usable API token: none where one is needed, a malformed `Authorization` header, or a token that is unknown, revoked or expired. ' +
    'HTTP 401 with no data (but a `createApiToken` whose creating token is revoked while it runs: its field `null`, as any refused mutation); ' +
    'over WebSocket the connection is closed with 4401 (4403 when its token ends while it is open). ' +
    'Get a valid token: retrying with the same one will not help.',
  FORBIDDEN:
    'The token lacks the scope the field needs (`scope` names it), names a realm the token is not bound to, or is bound to one realm where a token for all realms is needed ' +
    '(creating or deleting a realm). Use a token with that scope or realm: retrying will not help.',
  INVALID_INPUT:
    'An argument or input field is malformed or out of range: an empty or too long name, an address that is not an email, a phone number not in E.164, ' +
    'a page size over MAX_PAGE_SIZE, a batch over 1 000 IDs. `inputPath` names the value (e.g. `["input", "username"]`): fix it and send again.',
  INVALID_ID:
    'An ID this API did not issue, or the ID of another type than the argument takes (a group’s where an identity’s is wanted); `inputPath` names it. ' +
    'Pass an `id` read from this API.',
  INVALID_CURSOR:
    'A pagination or event cursor that is malformed, or belongs to another list, ordering or realm. Use a cursor the same field gave with the same `orderBy`, or start without one.',
  NOT_FOUND:
    'The object a mutation names (or the realm a subscription names) does not exist; `inputPath` names the ID. ' +
    'It may have been deleted: reload. A query for a missing object answers `null` instead.',
  DUPLICATE_REALM_NAME: 'Another realm has this name (compared case-insensitively). Choose another name.',
  DUPLICATE_USERNAME: 'Another identity of the realm has this username (compared case-insensitively). Choose another one.',
  DUPLICATE_EMAIL: 'Another identity of the realm has this email (compared case-insensitively). Use another address, or update that identity.',
  DUPLICATE_EXTERNAL_ID: 'Another identity of the realm has this external ID (its ID at the identity provider). Update that identity instead.',
  DUPLICATE_GROUP_NAME: 'Another group of the realm has this name (compared case-insensitively). Choose another name.',
  IDP_IDENTITY_CONFLICT:
    'A MANUAL identity would repeat the username or email of an identity provisioned by the identity provider (`source: IDP`). ' +
    'Use other values, or manage that person at the identity provider.',
  CROSS_REALM:
    'Objects of two realms were to be linked: an identity or a group of one realm into a group of another, or an invitation into a group of another realm; `inputPath` names the ID. ' +
    'Pass IDs of the same realm.',
  GROUP_CYCLE:
    'Nesting the group named by `inputPath` would make a group a member of itself: it is the group itself, or already contains it (directly or through its member groups). ' +
    'The message names the cycle by the groups’ names, e.g. `"A" → "B" → "A"`. Nesting is refused as a whole; remove a link of the cycle first, or nest otherwise.',
  VERSION_CONFLICT:
    'The `version` sent is not the object’s current one: someone changed it since you read it (`currentVersion` is the current one). ' +
    'Read the object again, reapply your change, and send it with the new version.',
  INVALID_STATUS_TRANSITION:
    'The identity’s lifecycle does not allow this change from its current status (`status`), e.g. suspending a DEPROVISIONED identity, or deleting an INVITED one, ' +
    'which its invitation owns (revoke the invitation instead). Retrying will not help.',
  EVENT_CURSOR_EXPIRED:
    'The events after this cursor are past the retention period and no longer kept. Reload what you show, then subscribe after the realm’s `lastEventCursor`.',
  EVENT_CURSOR_AHEAD:
    'The cursor is past the end of the realm’s log: the database was restored from a backup older than the cursor, or the cursor is from another deployment. ' +
    'Reload what you show, then subscribe after the realm’s `lastEventCursor`.',
  EVENT_HISTORY_INCOMPLETE:
    'A TRANSITIVE membershipChanged stream cannot say exactly who entered or left at an event it has reached: a group of the tree was deleted since with its members at once, ' +
    'which only a log written before nested groups were streamed can hold. Reload the group’s transitive members, then subscribe after the realm’s `lastEventCursor`.',
  IDENTITY_EXISTS:
    'The invited address already belongs to an identity of the realm (`identityId`), or to the invited identity of an expired invitation (`invitationId`): resend that invitation instead.',
  INVITATION_EXISTS: 'The address already has a pending invitation in the realm (`invitationId`): resend or revoke that one.',
  INVALID_TOKEN:
    'No invitation has this token: it is mistyped, or a resend replaced it (a resent invitation’s earlier links stop working). Use the link of the latest invitation email.',
  INVITATION_ALREADY_ACCEPTED: 'The invitation was accepted already: its token works once. Its identity exists; sign in instead.',
  INVITATION_REVOKED: 'The invitation was revoked. Ask an administrator of the realm for a new one.',
  INVITATION_EXPIRED: 'The invitation expired before it was accepted. Ask an administrator of the realm to resend it.',
  INVITATION_NOT_PENDING:
    'Only a PENDING or EXPIRED invitation can be revoked or resent; this one was accepted or revoked (`status`), or the identity it made was deleted. ' +
    'Invite the address again instead.',
  WEBHOOK_URL_NOT_ALLOWED:
    'A webhook URL that is not an absolute http(s) URL of at most 2 048 characters without credentials, or whose host is or resolves to a loopback, private, ' +
    'link-local, CGNAT, unspecified or cloud-metadata address (server-side request forgery), unless the server sets WEBHOOK_ALLOW_PRIVATE_NETWORKS. ' +
    '`inputPath` names the URL: give a public one.',
  WEBHOOK_DELIVERY_NOT_NEXT:
    'retryWebhookDelivery retries only a delivery of its endpoint’s next event (the one holding the later ones back). This endpoint has gone past the event ' +
    '(it was delivered since, or a replay skipped it), or was replayed to before it (it will be sent again in order). To send it again with what follows, ' +
    'replayWebhookEndpoint with `after` set to `replayAfter`; sending one old event alone would break the order receivers rely on.',
  QUERY_TOO_DEEP:
    'The operation nests fields deeper than MAX_QUERY_DEPTH (`limit`, and `found`); nothing ran (HTTP 400). Ask for less nesting, e.g. the deeper levels in a second request.',
  QUERY_TOO_COMPLEX:
    'The operation’s cost — every field 1, each list multiplying what it selects by its page size — is over MAX_QUERY_COST (`limit`, and `found`); nothing ran (HTTP 400). ' +
    'Ask for smaller pages (`first`, `last`) or split the operation.',
  TOO_MANY_ALIASES: 'The document has more aliases than MAX_ALIASES (`limit`, and `found`); nothing ran (HTTP 400). Use fewer, e.g. `nodes(ids:)` rather than one alias per ID.',
  LIST_TOO_LONG: 'A list in the variables is longer than any argument takes (`limit`: a batch of 1 000); nothing ran (HTTP 400). Send it in batches.',
  DOCUMENT_TOO_LARGE:
    'The document has more tokens (names, punctuation, values) than MAX_QUERY_TOKENS (`limit`) and was not parsed (HTTP 400). Send a smaller document; pass large values as variables.',
  BODY_TOO_LARGE: 'The HTTP request body is larger than MAX_BODY_BYTES (`limit`): HTTP 413, nothing ran. Send less in one request.',
  RATE_LIMITED:
    'The caller — its API token, or its address without a usable one — spent its RATE_LIMIT_PER_MINUTE, or its address failed to authenticate AUTH_FAILURES_PER_MINUTE times. ' +
    'Retry after `retryAfterSeconds` (HTTP 429 with `Retry-After`; over WebSocket a refused connection is closed with 1013 and the reason `RATE_LIMITED: …`).',
  TOO_MANY_CONNECTIONS:
    'Not in `errors`: the reason (`TOO_MANY_CONNECTIONS: …`) of a WebSocket connection closed with 1013 because its token already has MAX_WS_CONNECTIONS_PER_TOKEN connections open. ' +
    'Close another, or reconnect after a backoff (graphql-ws’ client does so by itself).',
  TOO_MANY_SUBSCRIPTIONS:
    'The WebSocket connection already runs MAX_SUBSCRIPTIONS_PER_CONNECTION operations (`limit`). Complete some first, or open another connection.',
  SUBSCRIPTION_OVER_HTTP:
    'A subscription was sent over HTTP (HTTP 400; nothing ran). Subscribe over the WebSocket endpoint: the same URL with ws:// (wss:// behind TLS), graphql-ws’ protocol.',
  SERVICE_UNAVAILABLE:
    'The database cannot be reached just now (down, frozen, restarting). Retry after `retryAfterSeconds`: HTTP 503 with `Retry-After`; over WebSocket the operation’s error, ' +
    'or a close with 1013 (reason `SERVICE_UNAVAILABLE: …`), which graphql-ws’ client retries by itself. A mutation may or may not have committed: read again before repeating it.',
  INTERNAL_SERVER_ERROR:
    'Something failed on the server’s side. It was logged with `requestId` (also the `x-request-id` response header): quote it when reporting the problem. ' +
    'Over WebSocket the connection is closed with 4500 when it happens while connecting.',
  GRAPHQL_PARSE_FAILED: 'The document is not valid GraphQL syntax (HTTP 400); `locations` points at the error. Fix the document.',
  GRAPHQL_VALIDATION_FAILED:
    'The document does not fit the schema: an unknown field or argument, a value of the wrong type, a required argument missing, ' +
    'or introspection where it is turned off (then `validationErrorCode` is INTROSPECTION_DISABLED). HTTP 400, nothing ran. Fix the document against the schema.',
  BAD_USER_INPUT:
    'The variables do not fit the types the operation declares (a required one missing, a string for an Int, an unknown enum value), ' +
    'or an extension of the request is malformed (a persisted query’s hash that is not the query’s). HTTP 400, nothing ran. Fix the variables.',
  BAD_REQUEST:
    'The HTTP request is not one GraphQL can run: a body that is not JSON, no `query`, a GET for a mutation, several operations batched in one request, ' +
    'or a request a browser could send from another site without a preflight (CSRF prevention: a GET, or a POST not of JSON, without `Authorization`, ' +
    '`apollo-require-preflight` or `x-apollo-operation-name`). ' +
    'HTTP 400 (405 or 415 for a wrong method or content type). Fix the request.',
  OPERATION_RESOLUTION_FAILURE:
    'The document holds several operations and `operationName` is missing or names none of them (HTTP 400, nothing ran). Send the name of the one to run.',
  PERSISTED_QUERY_NOT_FOUND:
    'An automatic persisted query: the hash in `extensions.persistedQuery` is not one this instance holds. Send the same request again with `query`; Apollo’s clients do so by themselves.',
};

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
