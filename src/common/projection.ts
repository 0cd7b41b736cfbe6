/*
 * What a read returns of its rows, as the services and repositories take it: plain values that know
 * nothing of GraphQL. The GraphQL edge computes them from a query's selection (src/schema/projection.ts);
 * any other caller (a job, the SCIM endpoint to come) asks for `allColumns` or names what it needs.
 */

/** The columns a read returns beyond its rows' keys: those named, or every one. */
export type Columns<C extends string> = 'all' | ReadonlySet<C>;

export const allColumns = 'all';

/** No column beyond the keys. */
export const keysOnly: ReadonlySet<never> = new Set();

export function includesColumn<C extends string>(columns: Columns<C>, column: C): boolean {
  return columns === allColumns || columns.has(column);
}

/** Whether a row that carries `carried` (and its keys) holds every column `wanted` names. */
export function coveredBy<C extends string>(wanted: Columns<C>, carried: readonly C[]): boolean {
  if (wanted === allColumns) return false;
  for (const column of wanted) if (!carried.includes(column)) return false;
  return true;
}

/**
 * A row as a projected read returns it: its keys always, and of its other columns those the
 * projection named, which its type cannot tell apart, so each is optional. A row read whole is
 * `Keys & Cols`.
 */
export type Projected<Keys, Cols> = Keys & Partial<Cols>;

/**
 * What a list reads: the columns of its items, and those of the edges themselves (`cursor`, a
 * membership's `addedAt`): a page reads, and parses, no column nobody reads (decision 61).
 */
export interface ListProjection<C extends string, E extends string = 'cursor'> {
  readonly node: Columns<C>;
  readonly edge: Columns<E>;
}

export const wholeList: ListProjection<never, never> = { node: allColumns, edge: allColumns };

/**
 * A list asked of every item of another (each member's groups): its arguments, as the caller
 * gave them (the service checks them as it would the list's own), what it reads of its items, and
 * whether its total count is asked. The level that has loaded its rows loads these for all of them
 * at once.
 */
export interface NestedList<C extends string, E extends string = 'cursor'> {
  readonly args: Readonly<Record<string, unknown>>;
  readonly projection: ListProjection<C, E>;
  readonly totalCount: boolean;
}
