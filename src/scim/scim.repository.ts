import type { Queryable } from '../db/queryable';
import { groupColumns, type GroupRow } from '../group/group.columns';
import { identityColumns, type IdentityRow } from '../identity/identity.columns';
import type { MemberRef } from './group.resource';
import type { GroupRef } from './user.resource';

/*
 * The SCIM edge's reads: pages of a realm's users or groups under a compiled filter, and the
 * memberships their resources show, each one statement for the whole page (docs/decisions.md 102).
 * The rows are read with the identity and group domains' own select lists; writes go through the
 * services.
 */

/** A page of a list: a filter's SQL condition with its parameters, an order, and where the page starts. */
export interface ListQuery {
  readonly realmUuid: string;
  /** SQL over the table's alias, its parameters from $2 on (the realm is $1). */
  readonly where: string | null;
  readonly params: readonly unknown[];
  /** An ORDER BY expression; the key breaks ties. */
  readonly orderBy: string;
  readonly descending: boolean;
  readonly count: number;
  /** startIndex paging: rows to skip. */
  readonly offset: number;
  /** Cursor paging: after this position of the creation order. */
  readonly after?: { readonly createdAtMicros: string; readonly uuid: string };
}

/** A row with its position in the creation order, which a cursor names. */
export type Positioned<T> = T & { createdAtMicros: string };

interface Table {
  readonly from: string;
  readonly alias: string;
  readonly select: string;
  /** Which rows SCIM shows at all. */
  readonly shown?: string;
}

/** A DEPROVISIONED identity is, for SCIM, a user that was deleted (docs/decisions.md 102). */
const shownUser = `i.status <> 'DEPROVISIONED'`;
const users: Table = { from: 'identities i', alias: 'i', select: identityColumns('i'), shown: shownUser };
const groups: Table = { from: 'groups g', alias: 'g', select: groupColumns('g') };

function page<T>(db: Queryable, table: Table, query: ListQuery): Promise<Array<Positioned<T>>> {
  const a = table.alias;
  const params: unknown[] = [query.realmUuid, ...query.params];
  const conditions = [`${a}.realm_id = $1`];
  if (table.shown) conditions.push(table.shown);
  if (query.where) conditions.push(query.where);
  if (query.after) {
    params.push(query.after.createdAtMicros, query.after.uuid);
    conditions.push(`(${a}.created_at, ${a}.id) > ('epoch'::timestamptz + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length}::uuid)`);
  }
  const direction = query.descending ? 'DESC' : 'ASC';
  const order = `${query.orderBy} ${direction} NULLS LAST, ${a}.id ${direction}`;
  params.push(query.count, query.offset);
  // The page's keys first, then its rows: OFFSET walks the rows it skips, and a select list of
  // formatted columns would be computed for each of them (bench/ANALYSIS.md, W9).
  return db.query(
    `SELECT ${table.select}, (extract(epoch FROM ${a}.created_at) * 1000000)::bigint::text AS "createdAtMicros"
       FROM ${table.from}
       JOIN (SELECT ${a}.id AS page_key FROM ${table.from}
              WHERE ${conditions.join(' AND ')}
              ORDER BY ${order}
              LIMIT $${params.length - 1} OFFSET $${params.length}) page ON page.page_key = ${a}.id
      ORDER BY ${order}`,
    params,
  );
}

async function count(db: Queryable, table: Table, query: Pick<ListQuery, 'realmUuid' | 'where' | 'params'>): Promise<number> {
  const [row] = await db.query(
    `SELECT count(*)::integer AS count FROM ${table.from} WHERE ${[`${table.alias}.realm_id = $1`, table.shown, query.where].filter(Boolean).join(' AND ')}`,
    [query.realmUuid, ...query.params],
  );
  return row.count;
}

export const userPage = (db: Queryable, query: ListQuery) => page<IdentityRow>(db, users, query);
/**
 * The realm's users under a filter; without one, the sum of the realm's counter slots (the
 * identities it holds less the DEPROVISIONED ones, kept by triggers: migration IdentityCounts), not
 * a count of every row — what an identity provider's import asks on every page.
 */
export async function userCount(db: Queryable, query: Pick<ListQuery, 'realmUuid' | 'where' | 'params'>): Promise<number> {
  if (query.where !== null) return count(db, users, query);
  const [row] = await db.query(
    `SELECT coalesce(sum(c.identities - c.deprovisioned), 0)::integer AS count FROM identity_counts c WHERE c.realm_id = $1`,
    [query.realmUuid],
  );
  return row.count;
}

export const groupPage = (db: Queryable, query: ListQuery) => page<GroupRow>(db, groups, query);
export const groupCount = (db: Queryable, query: Pick<ListQuery, 'realmUuid' | 'where' | 'params'>) => count(db, groups, query);

/**
 * The groups of each of these identities, by name: those it is a member of ("direct") and those
 * above them through nesting ("indirect"), each once (RFC 7643 §4.1.2; docs/decisions.md 106).
 */
export async function groupsOfUsers(db: Queryable, identityUuids: readonly string[]): Promise<Map<string, GroupRef[]>> {
  const rows: Array<{ identityUuid: string; id: string; name: string; type: GroupRef['type'] }> = await db.query(
    `SELECT t.identity_id AS "identityUuid", global_id('Group', g.id) AS id, g.name, t.type
       FROM (SELECT gm.identity_id, c.ancestor_id AS group_id,
                    CASE WHEN bool_or(c.ancestor_id = gm.group_id) THEN 'direct' ELSE 'indirect' END AS type
               FROM group_memberships gm JOIN group_closure c ON c.descendant_id = gm.group_id
              WHERE gm.identity_id = ANY($1::uuid[])
              GROUP BY 1, 2) t
       JOIN groups g ON g.id = t.group_id
      ORDER BY lower(g.name) COLLATE "C", g.id`,
    [identityUuids],
  );
  return groupBy(rows, (row) => row.identityUuid, (row) => ({ id: row.id, name: row.name, type: row.type }));
}

/** The members of each of these groups, in the order they joined: the users, then the groups nested in it (decision 104). */
export async function membersOfGroups(db: Queryable, groupUuids: readonly string[]): Promise<Map<string, MemberRef[]>> {
  const rows: Array<{ groupUuid: string; id: string; display: string; type: 'User' | 'Group' }> = await db.query(
    `SELECT * FROM (
       SELECT gm.group_id AS "groupUuid", global_id('Identity', i.id) AS id, i.display_name AS display, 'User' AS type, 0 AS kind, gm.added_at, gm.identity_id AS member
         FROM group_memberships gm JOIN identities i ON i.id = gm.identity_id
        WHERE gm.group_id = ANY($1::uuid[]) AND ${shownUser}
       UNION ALL
       SELECT gn.parent_id, global_id('Group', g.id), g.name, 'Group', 1, gn.added_at, gn.child_id
         FROM group_nestings gn JOIN groups g ON g.id = gn.child_id
        WHERE gn.parent_id = ANY($1::uuid[])
     ) m
     ORDER BY kind, added_at, member`,
    [groupUuids],
  );
  return groupBy(rows, (row) => row.groupUuid, (row) => ({ id: row.id, display: row.display, type: row.type }));
}

/** The DEPROVISIONED identity of the realm with this username, which a POST of it reactivates. */
export async function deprovisionedUserNamed(db: Queryable, realmUuid: string, userName: string): Promise<string | undefined> {
  const [row] = await db.query(
    `SELECT i.id AS uuid FROM identities i WHERE i.realm_id = $1 AND lower(i.username) COLLATE "C" = lower($2) AND i.status = 'DEPROVISIONED'`,
    [realmUuid, userName],
  );
  return row?.uuid;
}

function groupBy<R, V>(rows: readonly R[], key: (row: R) => string, value: (row: R) => V): Map<string, V[]> {
  const result = new Map<string, V[]>();
  for (const row of rows) {
    const list = result.get(key(row)) ?? [];
    list.push(value(row));
    result.set(key(row), list);
  }
  return result;
}
