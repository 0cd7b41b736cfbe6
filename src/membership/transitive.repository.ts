import { cursorColumnsSql, keysetSql, orderings, type CursorRow, type Ordering, type PageRequest } from '../common/pagination';
import { includesColumn, type ListProjection } from '../common/projection';
import { isoTimestamp } from '../db/iso-timestamp';
import { rowLookupSql } from '../db/paged-query';
import type { Queryable } from '../db/queryable';
import type { GroupColumn } from '../group/group.columns';
import { identityColumns, identityFilterSql, type IdentityColumn, type IdentityFilterValues } from '../identity/identity.columns';
import { groupsInPage, withGroupsOf, type MemberRow, type MembershipEdgeColumn, type MembershipGroupRow } from './membership.repository';

/*
 * Transitive membership (issue #14, docs/decisions.md 106): a group's members with those of every
 * group below it, and an identity's groups with every group above them, read through group_closure
 * (an ancestor's rows, its self row included, are the group and all those below it). One statement
 * per page and one per count for many parents, as the direct lists.
 */

/**
 * A transitive member list's order: the identity's ID, its cursor. It is a key of the list (one row
 * per identity), and every group's primary key (group_id, identity_id) yields its members in that
 * order from any cursor: a page is the first k after the cursor of each group below, merged
 * (decision 105), whatever the depth of the page in the list.
 */
export const transitiveMemberOrdering: Ordering = {
  key: 'member.transitive',
  columns: [{ sql: 'm.identity_id', type: 'uuid' }],
  descending: false,
};

/** A member of a transitive list; `direct` and `addedAt` as its edge reads them (TransitiveMemberEdge). */
export type TransitiveMemberRow = MemberRow & { direct?: boolean };

/**
 * What the page's rows say of their memberships, from the memberships the merge read: whether the
 * identity is a member of the group itself (`direct`), and when it joined — the group itself when it
 * is a direct member, else the earliest group below it that it is in. The merge holds every
 * membership of a row it returns (a member of a group below is among that group's first k if it is
 * among the first k of all), so both are exact.
 */
function transitiveEdgeAggregates(edge: ListProjection<string, MembershipEdgeColumn>['edge'], ancestor: string): string[] {
  const aggregates: string[] = [];
  if (includesColumn(edge, 'addedAt')) {
    aggregates.push(`coalesce(min(gm.added_at) FILTER (WHERE gm.group_id = ${ancestor}), min(gm.added_at)) AS added_at`);
  }
  if (includesColumn(edge, 'direct')) aggregates.push(`bool_or(gm.group_id = ${ancestor}) AS direct`);
  return aggregates;
}

/**
 * A page of each group's transitive members: for each group below it (group_closure), its first k
 * members after the cursor in ID order (an index range of the memberships' primary key, the filter
 * applied there), merged and made distinct, the first k kept.
 */
export async function transitiveMemberPages(
  db: Queryable,
  groupUuids: readonly string[],
  filter: IdentityFilterValues | undefined,
  request: PageRequest,
  projection: ListProjection<IdentityColumn, MembershipEdgeColumn>,
): Promise<Map<string, CursorRow<TransitiveMemberRow>[]>> {
  const params: unknown[] = [groupUuids];
  const filters = identityFilterSql('i', filter, params);
  const ascending = request.forward;
  const conditions = ['gm.group_id = c.descendant_id', ...filters];
  if (request.cursor) {
    params.push(request.cursor[0]);
    conditions.push(`gm.identity_id ${ascending ? '>' : '<'} $${params.length}::uuid`);
  }
  params.push(request.limit + 1);
  const limit = `$${params.length}`;
  const direction = ascending ? 'ASC' : 'DESC';
  const aggregates = transitiveEdgeAggregates(projection.edge, 'p.parent');
  const select = [identityColumns('i', projection.node)];
  if (includesColumn(projection.edge, 'addedAt')) select.push(`${isoTimestamp('m.added_at')} AS "addedAt"`);
  if (includesColumn(projection.edge, 'direct')) select.push('m.direct');
  if (includesColumn(projection.edge, 'cursor')) select.push(cursorColumnsSql(transitiveMemberOrdering));
  const rows: Array<CursorRow<TransitiveMemberRow> & { __parent: string }> = await db.query(
    `SELECT p.parent AS "__parent", x.*
       FROM unnest($1::uuid[]) AS p(parent)
       CROSS JOIN LATERAL (
         SELECT ${select.join(', ')}
           FROM (
             SELECT ${['gm.identity_id', ...aggregates].join(', ')}
               FROM group_closure c
               CROSS JOIN LATERAL (
                 SELECT gm.identity_id, gm.group_id, gm.added_at
                   FROM group_memberships gm${filters.length > 0 ? ' JOIN identities i ON i.id = gm.identity_id' : ''}
                  WHERE ${conditions.join(' AND ')}
                  ORDER BY gm.identity_id ${direction}
                  LIMIT ${limit}
               ) gm
              WHERE c.ancestor_id = p.parent
              GROUP BY gm.identity_id
              ORDER BY gm.identity_id ${direction}
              LIMIT ${limit}
           ) m
           JOIN identities i ON i.id = m.identity_id
          ORDER BY m.identity_id ${direction}
       ) x`,
    params,
  );
  return byParent(rows);
}

/** How many distinct identities each group has, directly or below it, with the filter. */
export async function transitiveMemberCounts(db: Queryable, groupUuids: readonly string[], filter: IdentityFilterValues | undefined): Promise<Map<string, number>> {
  const params: unknown[] = [groupUuids];
  const filters = identityFilterSql('i', filter, params);
  const rows: Array<{ parent: string; count: number }> = await db.query(
    `SELECT c.ancestor_id AS parent, count(DISTINCT gm.identity_id)::integer AS count
       FROM group_closure c
       JOIN group_memberships gm ON gm.group_id = c.descendant_id${filters.length > 0 ? '\n       JOIN identities i ON i.id = gm.identity_id' : ''}
      WHERE ${['c.ancestor_id = ANY($1::uuid[])', ...filters].join(' AND ')}
      GROUP BY 1`,
    params,
  );
  return new Map(rows.map((row) => [row.parent, row.count]));
}

/**
 * An identity's transitive groups, by group ID (the default: a key of the list) or by name. The
 * list is the groups above its memberships (memberships ⋈ group_closure, one row per group), small
 * (at most the realm's groups), so any order costs the same: the whole set is made, then sorted.
 */
const transitiveGroupOrder = { key: 'identityGroup.transitive', columns: [{ sql: 't.group_id', type: 'uuid' }], descending: false } as const satisfies Ordering;
const transitiveGroupName = 'lower(g.name) COLLATE "C"';
const transitiveGroupOrderings = orderings<'NAME'>('identityGroup.transitive', { NAME: { sql: transitiveGroupName, type: 'text' } }, { sql: 't.group_id', type: 'uuid' }, 'NAME');

/** The ordering of an identity's transitive groups: group ID when no order is given, else by name. */
export function transitiveGroupOrderingOf(order: { field: 'NAME'; direction: 'ASC' | 'DESC' } | null | undefined): Ordering {
  return order ? transitiveGroupOrderings(order) : transitiveGroupOrder;
}

/** A group of an identity's transitive list; `direct` and `addedAt` as for members. */
export type TransitiveGroupRow = MembershipGroupRow & { direct?: boolean };

export async function transitiveGroupPages(
  db: Queryable,
  identityUuids: readonly string[],
  ordering: Ordering,
  request: PageRequest,
  projection: ListProjection<GroupColumn, MembershipEdgeColumn>,
): Promise<Map<string, CursorRow<TransitiveGroupRow>[]>> {
  const params: unknown[] = [identityUuids];
  const keyset = keysetSql(ordering, request, params);
  const aggregates = transitiveEdgeAggregates(projection.edge, 'c.ancestor_id');
  const select = ['t.group_id AS "groupUuid"'];
  if (includesColumn(projection.edge, 'addedAt')) select.push(`${isoTimestamp('t.added_at')} AS "addedAt"`);
  if (includesColumn(projection.edge, 'direct')) select.push('t.direct');
  if (includesColumn(projection.edge, 'cursor')) select.push(keyset.cursorColumns);
  // Sorting by name needs the group's name in the page query; the group's columns come as groupsInPage says.
  const byName = ordering.columns.some((column) => column.sql === transitiveGroupName);
  const lookup = rowLookupSql(groupsInPage(identityUuids, projection.node));
  const rows: Array<CursorRow<Omit<TransitiveGroupRow, 'group'>> & { __parent: string }> = await db.query(
    `SELECT p.parent AS "__parent", x.*${lookup.columns}
       FROM unnest($1::uuid[]) AS p(parent)
       CROSS JOIN LATERAL (
         SELECT ${select.join(', ')}
           FROM (
             SELECT ${['c.ancestor_id AS group_id', ...aggregates].join(', ')}
               FROM group_memberships gm
               JOIN group_closure c ON c.descendant_id = gm.group_id
              WHERE gm.identity_id = p.parent
              GROUP BY c.ancestor_id
           ) t${byName ? '\n           JOIN groups g ON g.id = t.group_id' : ''}
          WHERE ${keyset.predicate}
          ORDER BY ${keyset.orderBy}
          LIMIT ${keyset.limit}
       ) x${lookup.join}`,
    params,
  );
  // With the lookup, each row holds its group already.
  if (lookup.join) return byParent(rows as Array<CursorRow<TransitiveGroupRow> & { __parent: string }>);
  return withGroupsOf(db, byParent(rows), projection.node);
}

/** How many distinct groups each identity is in, directly or through nesting. */
export async function transitiveGroupCounts(db: Queryable, identityUuids: readonly string[]): Promise<Map<string, number>> {
  const rows: Array<{ parent: string; count: number }> = await db.query(
    `SELECT gm.identity_id AS parent, count(DISTINCT c.ancestor_id)::integer AS count
       FROM group_memberships gm
       JOIN group_closure c ON c.descendant_id = gm.group_id
      WHERE gm.identity_id = ANY($1::uuid[])
      GROUP BY 1`,
    [identityUuids],
  );
  return new Map(rows.map((row) => [row.parent, row.count]));
}

function byParent<T>(rows: ReadonlyArray<T & { __parent: string }>): Map<string, T[]> {
  const pages = new Map<string, T[]>();
  for (const row of rows) {
    const list = pages.get(row.__parent);
    if (list) list.push(row);
    else pages.set(row.__parent, [row]);
  }
  return pages;
}
