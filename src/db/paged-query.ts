import { keysetSql, type CursorRow, type Ordering, type PageRequest } from '../common/pagination';
import type { Queryable } from './queryable';

export interface ParentPageSpec {
  /** The selected columns of one row (the cursor columns are added). */
  select: string;
  /** FROM clause of the list, e.g. `group_memberships gm JOIN identities i ON ...`. */
  from: string;
  /** The column that ties a row to its parent, e.g. `gm.group_id`. */
  parentColumn: string;
  /** Filter conditions; they append their parameters to `params`. */
  where?: (params: unknown[]) => string[];
  ordering: Ordering;
  request: PageRequest;
  /** Whether the rows carry their sort values (CursorRow): not when no cursor is read. Default true. */
  cursors?: boolean;
  /** Columns of the row each page row names, read in the same statement (rowLookupSql). */
  lookup?: RowLookup;
}

/**
 * The row a page's row names in another table, by key (a membership's group), read in the page's
 * statement rather than a second one: one round trip less (bench/ANALYSIS.md, #17).
 */
export interface RowLookup {
  /**
   * Its select list. The row comes as JSON in the property `as`: only columns whose JSON is what
   * pg would parse them to (text, integers, booleans, uuids; timestamps printed by SQL, bigints as
   * text), as the *.columns.ts select lists have them.
   */
  select: string;
  /** Its table with an alias, e.g. `groups g`. */
  from: string;
  /** The condition that finds it from the page's row, aliased `x`, e.g. `g.id = x."groupUuid"`. */
  on: string;
  as: string;
}

/**
 * The lookup joined to a page (aliased `x`) after its LIMIT, by its own LATERAL behind `OFFSET 0`:
 * one probe per row of the page, which PostgreSQL memoizes for rows naming the same key. Joined
 * inside the page, or left for the planner to pull up, it was planned as a scan of the whole
 * (small) groups table for every parent: on W1, 5 000 scans, 22 → 130–180 ms (decision 61). A row
 * always finds its match: the page and its lookup read one snapshot, and the foreign keys hold in it.
 */
export function rowLookupSql(lookup: RowLookup | undefined): { columns: string; join: string } {
  if (!lookup) return { columns: '', join: '' };
  return {
    columns: `, to_json(y) AS "${lookup.as}"`,
    join: `\n       CROSS JOIN LATERAL (SELECT ${lookup.select} FROM ${lookup.from} WHERE ${lookup.on} OFFSET 0) y`,
  };
}

/**
 * One page of a list for each of many parents, in one statement: a LATERAL subquery per parent,
 * each an index range scan, so "the first 100 members of each of these 50 groups" costs one
 * round trip and no more work per parent than a single page would.
 */
export async function pagesByParent<TRow>(
  db: Queryable,
  parentUuids: readonly string[],
  spec: ParentPageSpec,
): Promise<Map<string, CursorRow<TRow>[]>> {
  const params: unknown[] = [parentUuids];
  const filters = spec.where?.(params) ?? [];
  const keyset = keysetSql(spec.ordering, spec.request, params);
  const lookup = rowLookupSql(spec.lookup);
  const rows: Array<CursorRow<TRow> & { __parent: string }> = await db.query(
    `SELECT p.parent AS "__parent", x.*${lookup.columns}
       FROM unnest($1::uuid[]) AS p(parent)
       CROSS JOIN LATERAL (
         SELECT ${spec.cursors === false ? spec.select : `${spec.select}, ${keyset.cursorColumns}`}
           FROM ${spec.from}
          WHERE ${[`${spec.parentColumn} = p.parent`, ...filters, keyset.predicate].join(' AND ')}
          ORDER BY ${keyset.orderBy}
          LIMIT ${keyset.limit}
       ) x${lookup.join}`,
    params,
  );
  const byParent = new Map<string, CursorRow<TRow>[]>();
  for (const row of rows) {
    const list = byParent.get(row.__parent);
    if (list) list.push(row);
    else byParent.set(row.__parent, [row]);
  }
  return byParent;
}

/** How many rows each parent's list has, with the same filters, in one statement. */
export async function countsByParent(
  db: Queryable,
  parentUuids: readonly string[],
  spec: Pick<ParentPageSpec, 'from' | 'parentColumn' | 'where'>,
): Promise<Map<string, number>> {
  const params: unknown[] = [parentUuids];
  const filters = spec.where?.(params) ?? [];
  const rows: Array<{ parent: string; count: number }> = await db.query(
    `SELECT ${spec.parentColumn} AS parent, count(*)::integer AS count
       FROM ${spec.from}
      WHERE ${[`${spec.parentColumn} = ANY($1::uuid[])`, ...filters].join(' AND ')}
      GROUP BY 1`,
    params,
  );
  return new Map(rows.map((row) => [row.parent, row.count]));
}
