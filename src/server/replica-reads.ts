import type { ApolloServerPlugin } from '@apollo/server';
import { OperationTypeNode } from 'graphql';
import type { Context } from '../common/context';
import type { ReadReplica } from '../db/read-replica';

/**
 * The request header by which a client reads its own writes: `Read-From: primary` sends a query to
 * the primary (any other value, or none: the replica when it is usable).
 */
export const readFromHeader = 'read-from';

/**
 * A query over HTTP reads from the replica when it is within DATABASE_READ_MAX_LAG_MS of the
 * primary; a mutation, and a query that asks for `Read-From: primary`, read from the primary.
 * Decided once the operation is known (the context is built before the body is parsed), before
 * any resolver runs. One operation per request: Apollo's batching is off, so no query follows a
 * mutation inside a request (were it turned on, RequestReads still sends every read after a
 * commit to the primary). WebSocket operations and SCIM never get here: they read the primary.
 */
export function replicaReadsPlugin(replica: ReadReplica): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, contextValue }) {
          if (operation?.operation !== OperationTypeNode.QUERY) return;
          if (request.http?.headers.get(readFromHeader)?.trim().toLowerCase() === 'primary') return;
          contextValue.reads.tolerateLag(replica.reader());
        },
      };
    },
  };
}
