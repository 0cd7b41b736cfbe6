import { getOperationAST, GraphQLError, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import { ErrorCode } from '../common/errors';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../logger';
import { unauthenticated } from '../auth/caller';
import type { Context } from '../common/context';
import { tryAgainLaterClose } from './limits/ws-limits';

/**
 * What a request without a token may ask: accepting an invitation (the invitation's token is the
 * credential) and, where introspection is on, the schema itself.
 */
const anonymousRootFields = new Set(['acceptInvitation', '__schema', '__type', '__typename']);

export function anonymousMayRun(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  return operation != null && onlyAnonymousFields(operation.selectionSet, document);
}

function onlyAnonymousFields(selectionSet: SelectionSetNode, document: DocumentNode): boolean {
  return selectionSet.selections.every((selection) => {
    if (selection.kind === Kind.FIELD) return anonymousRootFields.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT) return onlyAnonymousFields(selection.selectionSet, document);
    const fragment = document.definitions.find(
      (definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
    );
    return fragment?.kind === Kind.FRAGMENT_DEFINITION && onlyAnonymousFields(fragment.selectionSet, document);
  });
}

/** A request without a token asking for more than that gets UNAUTHENTICATED (401) and no data. */
export const authenticationPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ contextValue, document, operationName }) {
        if (contextValue.caller.token === null && !anonymousMayRun(document, operationName)) {
          throw unauthenticated('This needs an API token: send `Authorization: Bearer <token>`.');
        }
      },
    };
  },
};

/** graphql-ws close code for a connection without a usable token (4401 Unauthorized). */
export const unauthorizedClose = 4401;
/** graphql-ws' own code for a failure on the server's side (4500), which its client does not retry. */
export const internalErrorClose = 4500;

/** RFC 6455: a close frame's reason is at most 123 bytes of UTF-8. */
const maxCloseReasonBytes = 123;

/**
 * How `onConnect` closes a connection it refuses: a code the client can act on, and a reason that
 * names no internal address and no driver message (the error's own coded message, or nothing).
 * - UNAUTHENTICATED: 4401; a new token is needed, retrying will not help.
 * - RATE_LIMITED (failed authentications) and SERVICE_UNAVAILABLE (the database is out of reach):
 *   1013 Try Again Later, which graphql-ws' client retries with backoff, the reason prefixed by the
 *   code as TOO_MANY_CONNECTIONS' is (src/server/limits/ws-limits.ts).
 * - anything else is ours: logged, 4500 with a fixed reason.
 */
export function refusalClose(error: unknown, logger: Logger): { code: number; reason: string } {
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  if (code === ErrorCode.UNAUTHENTICATED) return { code: unauthorizedClose, reason: closeReason((error as GraphQLError).message) };
  if (code === ErrorCode.RATE_LIMITED || code === ErrorCode.SERVICE_UNAVAILABLE) {
    return { code: tryAgainLaterClose, reason: closeReason(`${code}: ${(error as GraphQLError).message}`) };
  }
  logger.error('unexpected error authenticating a WebSocket connection', { error: String(error), stack: (error as Error | undefined)?.stack });
  return { code: internalErrorClose, reason: `${ErrorCode.INTERNAL_SERVER_ERROR}: something went wrong on our side.` };
}

function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= maxCloseReasonBytes) return text;
  let cut = text;
  while (Buffer.byteLength(`${cut}…`) > maxCloseReasonBytes) cut = cut.slice(0, -1);
  return `${cut}…`;
}
