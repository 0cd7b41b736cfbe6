import DataLoader from 'dataloader';
import type { Caller } from '../auth/caller';
import type { Queryable } from '../db/queryable';
import type { CursorRow, Ordering, PageRequest } from './pagination';
import { allColumns, type Columns, type ListProjection } from './projection';

export interface LoaderOptions {
  /** Off for subscriptions: their context outlives the events they resolve. */
  cache: boolean;
  /** Whose request it is: rows of realms the caller does not reach are not found. */
  caller: Caller;
  /** When a batch is sent; DataLoader's default (once the promises queued now have run) when unset. */
  batchScheduleFn?: (send: () => void) => void;
}

/**
 * A batch sent once the event loop turns (setImmediate), not at the end of the current promise
 * jobs: for the executions of a burst of events (src/server/shared-subscription.ts), which start
 * one after the other in the same turn, each a few promise jobs behind the one before, and whose
 * reads should be one statement for all of them.
 */
export const onNextTurn = (send: () => void): void => {
  setImmediate(send);
};

/** DataLoader's options for a loader of one request. */
export function dataLoaderOptions(options: LoaderOptions): { cache: boolean; batchScheduleFn?: (send: () => void) => void } {
  return options.batchScheduleFn ? { cache: options.cache, batchScheduleFn: options.batchScheduleFn } : { cache: options.cache };
}

/** How a domain makes its loaders for one request (`identityLoaders`, …): called at most once per request. */
export type LoaderSet<T> = (db: Queryable, options: LoaderOptions) => T;

/**
 * The loaders of one request (never at module scope, so no request sees another's cache): each
 * domain's set is made the first time the request asks for it, and all are forgotten when a write
 * commits (`clearAll`), so the request's later reads see the new state. A registry that knows no
 * domain: each domain names its own set, and no module has to import them all.
 */
export class RequestLoaders {
  private readonly sets = new Map<LoaderSet<unknown>, unknown>();

  constructor(
    private readonly db: Queryable,
    private readonly options: LoaderOptions,
  ) {}

  of<T>(set: LoaderSet<T>): T {
    let loaders = this.sets.get(set) as T | undefined;
    if (loaders === undefined) {
      loaders = set(this.db, this.options);
      this.sets.set(set, loaders);
    }
    return loaders;
  }

  clearAll(): void {
    this.sets.clear();
  }
}

/**
 * A loader of rows by key whose batch function aligns results with keys through a Map, and drops
 * the rows of realms the caller does not reach (`realmOf`): realm scoping inside the batch, so no
 * path through the graph can lead into another realm.
 */
export function rowLoader<K, R>(
  options: LoaderOptions,
  fetch: (keys: readonly K[]) => Promise<R[]>,
  keyOf: (row: R) => K,
  realmOf: (row: R) => string | null,
  visible: (caller: Caller, realmUuid: string | null) => boolean = (caller, realmUuid) => caller.reaches(realmUuid),
): DataLoader<K, R | null> {
  return new DataLoader<K, R | null>(
    async (keys) => {
      const byKey = new Map<K, R>();
      for (const row of await fetch(keys)) if (visible(options.caller, realmOf(row))) byKey.set(keyOf(row), row);
      return keys.map((key) => byKey.get(key) ?? null);
    },
    dataLoaderOptions(options),
  );
}

/**
 * Loaders that differ by their arguments (page size, cursor, filter): one DataLoader per distinct
 * argument set, so that the members of 50 groups asked with the same arguments load in one batch.
 */
export class LoaderFamily<K, V> {
  private readonly loaders = new Map<string, DataLoader<K, V>>();

  constructor(private readonly options: LoaderOptions) {}

  /** The loader of the variant `key` names; `batch` makes it the first time (called once per key). */
  get(key: string, batch: () => DataLoader.BatchLoadFn<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = new DataLoader(batch(), dataLoaderOptions(this.options));
      this.loaders.set(key, loader);
    }
    return loader;
  }
}

// A nested list asks for its loader once per parent row, with the same projection each time
// (src/schema/projection.ts caches it): its part of the key is made once.
const projectionKeys = new WeakMap<ListProjection<string, string>, string>();

const columnsKey = (columns: Columns<string>) => (columns === allColumns ? '*' : [...columns].sort());

function projectionKey(projection: ListProjection<string, string>): string {
  let key = projectionKeys.get(projection);
  if (key === undefined) projectionKeys.set(projection, (key = JSON.stringify([columnsKey(projection.node), columnsKey(projection.edge)])));
  return key;
}

const filterKey = (filter: unknown) => (filter == null ? '-' : JSON.stringify(filter));

const pageKey = (filter: unknown, ordering: Ordering, request: PageRequest, projection: ListProjection<string, string>) =>
  `${ordering.key} ${request.forward ? 'first' : 'last'} ${request.limit} ${request.cursor ? JSON.stringify(request.cursor) : '-'} ${filterKey(filter)} ${projectionKey(projection)}`;

function remember<V>(loaded: Map<string, Map<string, V>>, key: string, parentUuids: readonly string[], values: readonly V[]): void {
  let byParent = loaded.get(key);
  if (!byParent) loaded.set(key, (byParent = new Map()));
  parentUuids.forEach((uuid, index) => byParent.set(uuid, values[index]));
}

type PagesFetch<TRow, TFilter, TProjection> = (
  parentUuids: readonly string[],
  filter: TFilter | undefined,
  ordering: Ordering,
  request: PageRequest,
  projection: TProjection,
) => Promise<Map<string, CursorRow<TRow>[]>>;

type CountsFetch<TFilter> = (parentUuids: readonly string[], filter: TFilter | undefined) => Promise<Map<string, number>>;

/**
 * Pages and counts of a list that hangs off a parent (a realm's identities, a group's members):
 * asking for it under 50 parents with the same arguments is one statement, not 50.
 */
export class ListLoaders<TRow, TFilter, TProjection extends ListProjection<string, string>> {
  private readonly pages: LoaderFamily<string, CursorRow<TRow>[]>;
  private readonly counts: LoaderFamily<string, number>;

  constructor(
    private readonly options: LoaderOptions,
    private readonly fetchPages: PagesFetch<TRow, TFilter, TProjection>,
    private readonly fetchCounts: CountsFetch<TFilter>,
  ) {
    this.pages = new LoaderFamily(options);
    this.counts = new LoaderFamily(options);
  }

  // What this request's batches returned, by loader key and parent: a nested list that its parent
  // level prefetched (MembershipService.prefetchGroupsOf) then resolves without a promise per row.
  // Kept only where the loaders cache (not for subscriptions, whose context outlives events).
  private readonly loadedPages = new Map<string, Map<string, CursorRow<TRow>[]>>();
  private readonly loadedCounts = new Map<string, Map<string, number>>();

  /** `projection`: what the page reads of its items (src/common/projection.ts). */
  page(parentUuid: string, filter: TFilter | undefined, ordering: Ordering, request: PageRequest, projection: TProjection): Promise<CursorRow<TRow>[]> {
    const key = pageKey(filter, ordering, request, projection);
    return this.pages
      .get(key, () => async (parentUuids) => {
        const byParent = await this.fetchPages(parentUuids, filter, ordering, request, projection);
        const pages = parentUuids.map((uuid) => byParent.get(uuid) ?? []);
        if (this.options.cache) remember(this.loadedPages, key, parentUuids, pages);
        return pages;
      })
      .load(parentUuid);
  }

  /** The page if a batch of this request already read it; undefined otherwise. */
  loadedPage(parentUuid: string, filter: TFilter | undefined, ordering: Ordering, request: PageRequest, projection: TProjection) {
    return this.loadedPages.get(pageKey(filter, ordering, request, projection))?.get(parentUuid);
  }

  count(parentUuid: string, filter: TFilter | undefined): Promise<number> {
    const key = filterKey(filter);
    return this.counts
      .get(key, () => async (parentUuids) => {
        const byParent = await this.fetchCounts(parentUuids, filter);
        const counts = parentUuids.map((uuid) => byParent.get(uuid) ?? 0);
        if (this.options.cache) remember(this.loadedCounts, key, parentUuids, counts);
        return counts;
      })
      .load(parentUuid);
  }

  loadedCount(parentUuid: string, filter: TFilter | undefined): number | undefined {
    return this.loadedCounts.get(filterKey(filter))?.get(parentUuid);
  }
}
