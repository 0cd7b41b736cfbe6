import type { Caller } from '../auth/caller';
import type { Queryable } from '../db/queryable';
import { RequestReads } from '../db/read-replica';
import { RequestLoaders, type LoaderOptions } from './loaders';
import type { PageLimits } from './pagination';

/**
 * What the request has changed so far: the write path counts each commit (src/db/writes.ts), so
 * that the edge answers a request that committed something as the success it is, whatever fails
 * after it (src/server/errors.ts, docs/decisions.md 84).
 */
export interface RequestCommits {
  count: number;
}

/**
 * What a service is told about the request it serves: who is asking, the request's own caches and
 * what it has committed, nothing else — no services (they come through constructors), no transport.
 * GraphQL over HTTP, over WebSocket, and any other edge build the same one (`requestContext`).
 */
export interface Context {
  readonly requestId: string;
  readonly caller: Caller;
  readonly loaders: RequestLoaders;
  /**
   * Where the request's reads go — its loaders' and the services' own: the primary, or the read
   * replica for an operation that tolerates lag (a query over HTTP), until the request writes.
   */
  readonly reads: RequestReads;
  readonly limits: PageLimits;
  readonly commits: RequestCommits;
}

/**
 * The context of one request: the caller's own copy (what an accepted invitation grants stays with
 * this request), loaders that see what it sees, reads from the primary (`db`) until its edge says
 * otherwise, nothing committed yet.
 */
export function requestContext(
  db: Queryable,
  options: { requestId: string; caller: Caller; cache: boolean; limits: PageLimits; batchScheduleFn?: LoaderOptions['batchScheduleFn'] },
): Context {
  const caller = options.caller.forRequest();
  const commits = { count: 0 };
  const reads = new RequestReads(db, commits);
  return {
    requestId: options.requestId,
    caller,
    loaders: new RequestLoaders(reads, { cache: options.cache, caller, batchScheduleFn: options.batchScheduleFn }),
    reads,
    limits: options.limits,
    commits,
  };
}
