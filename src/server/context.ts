import type { PageLimits } from '../common/pagination';
import type { Caller } from '../auth/caller';
import type { RequestLoaders } from '../common/loaders';
import type { Services } from './services';

/** Built once per HTTP request, and once per subscription. */
export interface Context {
  readonly requestId: string;
  readonly caller: Caller;
  readonly loaders: RequestLoaders;
  readonly services: Services;
  readonly limits: PageLimits;
}
