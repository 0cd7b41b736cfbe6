import { AppError, ErrorCode, invalidInput, type InputPath } from './errors';

/** Relay pagination arguments, as every connection field takes them. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageLimits {
  defaultPageSize: number;
  maxPageSize: number;
}

/**
 * A keyset ordering: SQL expressions whose values identify a row's position, the last one unique
 * (the id). `key` names the ordering inside cursors, so a cursor of one ordering is refused by another.
 */
export interface Ordering {
  readonly key: string;
  readonly columns: ReadonlyArray<{ readonly sql: string; readonly type: 'text' | 'uuid' | 'timestamptz' | 'integer' }>;
  readonly descending: boolean;
}

type OrderColumn = Ordering['columns'][number];

/**
 * The orderings a list offers, one per field and direction, each ending with the row's id so that
 * the order is total. Made once and kept, since cursors name them by key.
 */
export function orderings<F extends string>(list: string, fields: Record<F, OrderColumn>, id: OrderColumn, defaultField: F) {
  const made = new Map<string, Ordering>();
  return (order: { field: F; direction: 'ASC' | 'DESC' } | null | undefined): Ordering => {
    const field = order?.field ?? defaultField;
    const descending = order?.direction === 'DESC';
    const key = `${list}.${field}.${descending ? 'desc' : 'asc'}`;
    let ordering = made.get(key);
    if (!ordering) {
      ordering = { key, columns: [fields[field], id], descending };
      made.set(key, ordering);
    }
    return ordering;
  };
}

export interface PageRequest {
  readonly forward: boolean;
  readonly limit: number;
  /** Sort values of the row to start after (forward) or before (backward). */
  readonly cursor: readonly string[] | null;
  /** Whether the client gave a cursor: then there are rows on the other side of it. */
  readonly hasCursor: boolean;
}

/** Validates Relay arguments against an ordering: first/after forward, last/before backward. */
/** How many items a page holds: the size asked (`first` or `last`, named by `path`), or the default; at most MAX_PAGE_SIZE. */
export function pageSize(asked: number | null | undefined, limits: PageLimits, path: InputPath): number {
  const size = asked ?? limits.defaultPageSize;
  if (!Number.isInteger(size) || size < 0 || size > limits.maxPageSize) {
    throw invalidInput(path, `\`${path[path.length - 1]}\` must be from 0 to ${limits.maxPageSize}.`);
  }
  return size;
}

/**
 * Which way a connection's arguments page, how many, and from which cursor (still encoded), as the
 * Relay specification pairs them: `first` with `after` forward, `last` with `before` backward.
 */
export interface PageWindow {
  forward: boolean;
  limit: number;
  /** The cursor given, as the client sent it. */
  cursor: string | null;
  /** Where it was given (`after` or `before`), for its errors. */
  cursorPath: InputPath;
}

export function pageWindow(args: PageArgs, limits: PageLimits, path: InputPath = []): PageWindow {
  const { first, after, last, before } = args;
  if (first != null && last != null) throw invalidInput([...path, 'last'], 'Give either `first` or `last`, not both.');
  if (after != null && before != null) throw invalidInput([...path, 'before'], 'Give either `after` or `before`, not both.');
  const forward = last == null && before == null;
  if (!forward && (first != null || after != null)) {
    throw invalidInput([...path, first != null ? 'first' : 'after'], '`first` and `after` go with each other, not with `last` or `before`.');
  }
  const limit = pageSize(forward ? first : last, limits, [...path, forward ? 'first' : 'last']);
  return { forward, limit, cursor: (forward ? after : before) ?? null, cursorPath: [...path, forward ? 'after' : 'before'] };
}

export function pageRequest(args: PageArgs, ordering: Ordering, limits: PageLimits, path: InputPath = []): PageRequest {
  const { forward, limit, cursor: raw, cursorPath } = pageWindow(args, limits, path);
  const cursor = raw == null ? null : decodeCursor(raw, ordering, cursorPath);
  return { forward, limit, cursor, hasCursor: cursor !== null };
}

export function encodeCursor(ordering: Ordering, values: readonly string[]): string {
  return Buffer.from(JSON.stringify([ordering.key, ...values])).toString('base64url');
}

// What PostgreSQL prints for each column type (`value::text`): a cursor's values must look like
// that, and be values the type holds, before they are cast back, or an edited cursor would reach the
// database as a cast error (test/e2e/fuzz.test.ts).
const valueFormats: Record<Ordering['columns'][number]['type'], (value: string) => boolean> = {
  // PostgreSQL's text holds anything but U+0000.
  text: (value) => /^[^\u0000]{0,1000}$/.test(value),
  uuid: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value),
  timestamptz: isTimestamp,
  integer: (value) => /^-?\d{1,10}$/.test(value) && Math.abs(Number(value)) <= 2 ** 31 - 1,
};

/** `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]` with a date that exists and a displacement PostgreSQL takes (≤ 15:59:59). */
function isTimestamp(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2}))?(?::(\d{2}))?$/.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes = 0, offsetSeconds = 0] = match.slice(1).map((part) => Number(part ?? 0));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return (
    year >= 1 && days !== undefined && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59 &&
    offsetHours <= 15 && offsetMinutes <= 59 && offsetSeconds <= 59
  );
}

function decodeCursor(cursor: string, ordering: Ordering, path: InputPath): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== ordering.columns.length + 1 ||
    parsed[0] !== ordering.key ||
    !ordering.columns.every((column, index) => {
      const value: unknown = parsed[index + 1];
      return typeof value === 'string' && valueFormats[column.type](value);
    })
  ) {
    throw new AppError(ErrorCode.INVALID_CURSOR, 'This cursor is not one this list gave out (or it belongs to another ordering).', path);
  }
  return parsed.slice(1) as string[];
}

/**
 * A page's row carries its sort values as PostgreSQL prints them, one text column per ordering
 * column (`__cursor0`, `__cursor1`, …): plain strings cost nothing to read, where a `text[]` column
 * was parsed by pg for every row, and the cursor itself is encoded only when a client reads it.
 * A list whose query reads no cursor does not select them (src/db/paged-query.ts `cursors`).
 */
export type CursorRow<T> = T & { readonly [column: `__cursor${number}`]: string };

const cursorColumn = (index: number) => `__cursor${index}` as const;

/** The sort values of a page's row, for its cursor. */
export function cursorValues(ordering: Ordering, row: CursorRow<object>): string[] {
  return ordering.columns.map((_, index) => row[cursorColumn(index)]);
}

/**
 * The SQL pieces of a keyset page: the predicate that starts after the cursor, the ORDER BY, the
 * LIMIT (one more row than asked, to know whether there is a next page), and the select list of the
 * row's sort values (see CursorRow). Parameters are appended to `params`.
 */
export function keysetSql(ordering: Ordering, request: PageRequest, params: unknown[]) {
  // Scan in list order going forward, against it going backward.
  const ascending = request.forward !== ordering.descending;
  const columns = ordering.columns.map((column) => column.sql).join(', ');
  let predicate = 'TRUE';
  if (request.cursor) {
    const placeholders = ordering.columns.map((column, index) => {
      params.push(request.cursor![index]);
      return `$${params.length}::${column.type}`;
    });
    predicate = `(${columns}) ${ascending ? '>' : '<'} (${placeholders.join(', ')})`;
  }
  const direction = ascending ? 'ASC' : 'DESC';
  params.push(request.limit + 1);
  return {
    predicate,
    orderBy: ordering.columns.map((column) => `${column.sql} ${direction}`).join(', '),
    limit: `$${params.length}`,
    cursorColumns: cursorColumnsSql(ordering),
  };
}

/** The select list of a row's sort values in `ordering` (see CursorRow), for a page or a write's RETURNING. */
export function cursorColumnsSql(ordering: Ordering): string {
  return ordering.columns.map((column, index) => `(${column.sql})::text AS "${cursorColumn(index)}"`).join(', ');
}

export interface PageInfoData {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/**
 * An edge of a page, made from its row; the cursor is encoded when it is read. A nested read of
 * 50 × 100 members and their groups makes ten thousand edges whose cursors nobody asks for;
 * building each one was a visible share of the server's time (bench/ANALYSIS.md).
 */
export abstract class Edge<TRow extends CursorRow<object>> {
  constructor(
    protected readonly row: TRow,
    private readonly ordering: Ordering,
  ) {}

  get cursor(): string {
    return encodeCursor(this.ordering, cursorValues(this.ordering, this.row));
  }
}

/** An edge whose node is its row. */
export class PageEdge<TRow extends CursorRow<object>> extends Edge<TRow> {
  get node(): TRow {
    return this.row;
  }
}

export type EdgeClass<TRow extends CursorRow<object>, TEdge extends Edge<TRow>> = new (row: TRow, ordering: Ordering) => TEdge;

/** Where a page stands; its cursors too are encoded only when read. */
class PageInfoOf<TRow extends CursorRow<object>> implements PageInfoData {
  constructor(
    private readonly first: Edge<TRow> | undefined,
    private readonly last: Edge<TRow> | undefined,
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}

  get startCursor(): string | null {
    return this.first?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.last?.cursor ?? null;
  }
}

export interface PageData<TEdge> {
  edges: TEdge[];
  pageInfo: PageInfoData;
}

/**
 * Turns the rows of one keyset query (in query order, up to limit + 1 of them) into edges of the
 * class `Edge` (usually PageEdge) in list order. `hasPreviousPage` (forward) and `hasNextPage`
 * (backward) say whether a cursor was given: Relay allows that approximation, and it costs no
 * extra query.
 */
export function toPage<TRow extends CursorRow<object>, TEdge extends Edge<TRow>>(
  rows: readonly TRow[],
  ordering: Ordering,
  request: PageRequest,
  Edge: EdgeClass<TRow, TEdge>,
): PageData<TEdge> {
  const more = rows.length > request.limit;
  const count = more ? request.limit : rows.length;
  const edges: TEdge[] = new Array(count);
  for (let i = 0; i < count; i++) edges[request.forward ? i : count - 1 - i] = new Edge(rows[i], ordering);
  return {
    edges,
    pageInfo: new PageInfoOf(
      edges[0],
      edges[count - 1],
      request.forward ? more : request.hasCursor,
      request.forward ? request.hasCursor : more,
    ),
  };
}
