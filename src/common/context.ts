import type { Caller } from '../auth/caller';
import type { RequestLoaders } from './loaders';
import type { PageLimits } from './pagination';

/**
 * What a service is told about the request it serves: who is asking and the request's own caches,
 * nothing else — no services (they come through constructors), no transport. GraphQL over HTTP,
 * over WebSocket, and any other edge build the same one (src/server/context.ts).
 */
export interface Context {
  readonly requestId: string;
  readonly caller: Caller;
  readonly loaders: RequestLoaders;
  readonly limits: PageLimits;
}
