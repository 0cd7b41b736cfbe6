import { cursorColumnsSql, type CursorRow, type Ordering, type PageRequest } from '../common/pagination';
import { includesColumn, type ListProjection } from '../common/projection';
import { isoTimestamp, type IsoTimestamp } from '../db/iso-timestamp';
import { countsByParent, pagesByParent } from '../db/paged-query';
import type { Queryable } from '../db/queryable';
import { inInputOrder } from '../db/input-order';
import type { Tx } from '../db/transaction';
import { groupColumns, type GroupColumn, type GroupListRow } from '../group/group.columns';
import type { MembershipEdgeColumn } from './membership.repository';

/*
 * The statements of nested groups (group_nestings: `child_id` is a member of `parent_id`),
 * docs/decisions.md 104. The locks they take are those of decision 63's order, with the realm's
 * nesting lock between the group rows and the rows of group_nestings.
 */

/** Which side of a nesting a list reads: the groups in a group, or the groups a group is in. */
export type NestingSide = 'memberGroups' | 'parentGroups';

const sides = {
  memberGroups: { parent: 'gn.parent_id', other: 'gn.child_id', key: 'memberGroup.added' },
  parentGroups: { parent: 'gn.child_id', other: 'gn.parent_id', key: 'parentGroup.added' },
} as const;

/** The order of both lists: when the nesting was made, ties by the other group's ID; the (…, added_at, …) indexes serve it. */
export function nestingOrdering(side: NestingSide): Ordering {
  return {
    key: sides[side].key,
    columns: [
      { sql: 'gn.added_at', type: 'timestamptz' },
      { sql: sides[side].other, type: 'uuid' },
    ],
    descending: false,
  };
}

export const memberGroupOrdering = nestingOrdering('memberGroups');
export const parentGroupOrdering = nestingOrdering('parentGroups');

/** A row of either list: the other group, joined in the page query (a group has few nestings), and when the nesting was made. */
export type NestedGroupRow = GroupListRow & { addedAt?: IsoTimestamp };

export function nestedGroupPages(
  db: Queryable,
  side: NestingSide,
  groupUuids: readonly string[],
  ordering: Ordering,
  request: PageRequest,
  projection: ListProjection<GroupColumn, MembershipEdgeColumn>,
) {
  const keys = groupColumns('g', projection.node);
  return pagesByParent<NestedGroupRow>(db, groupUuids, {
    select: includesColumn(projection.edge, 'addedAt') ? `${keys}, ${isoTimestamp('gn.added_at')} AS "addedAt"` : keys,
    cursors: includesColumn(projection.edge, 'cursor'),
    from: `group_nestings gn JOIN groups g ON g.id = ${sides[side].other}`,
    parentColumn: sides[side].parent,
    ordering,
    request,
  });
}

export function nestedGroupCounts(db: Queryable, side: NestingSide, groupUuids: readonly string[]) {
  return countsByParent(db, groupUuids, { from: 'group_nestings gn', parentColumn: sides[side].parent });
}

/**
 * Locks groups, in id order, FOR NO KEY UPDATE — the mode every write of a group's members takes
 * (decision 63, step 3) — and returns what exists of them: a nesting write locks its parent and
 * its children together, so that neither can be deleted, nor nested elsewhere, meanwhile.
 */
export function lockGroupsInOrder(tx: Tx, groupUuids: readonly string[]): Promise<Array<{ uuid: string; realmUuid: string }>> {
  return tx.query(
    `SELECT g.id AS uuid, g.realm_id AS "realmUuid"
       FROM (SELECT DISTINCT id FROM unnest($1::uuid[]) AS wanted(id)) wanted JOIN groups g ON g.id = wanted.id
      ORDER BY g.id FOR NO KEY UPDATE OF g`,
    [groupUuids],
  );
}

/**
 * The realm's one serialisation point for its nestings: a transaction-scoped advisory lock on
 * ('nesting:', realm). Taken after the group rows and before any row of group_nestings
 * (decisions 104, 106), by every write of group_nestings — nesting, un-nesting, a group's
 * deletion; it is held to the commit, so the next writer's cycle check and the closure the
 * triggers keep (group_closure) see this one's nestings. The triggers take it too, a re-entry.
 */
export async function takeNestingLock(tx: Tx, realmUuid: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('nesting:' || $1::text, 0))`, [realmUuid]);
}

/**
 * takeNestingLock for a group the caller holds locked, if it is nested in or holds any group;
 * whether it is. Its answer cannot change meanwhile to yes: a nesting of the group locks it first.
 */
export async function takeNestingLockIfNested(tx: Tx, groupUuid: string): Promise<boolean> {
  const rows = await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('nesting:' || g.realm_id::text, 0)) FROM groups g
      WHERE g.id = $1 AND EXISTS (SELECT 1 FROM group_nestings n WHERE n.parent_id = $1 OR n.child_id = $1)`,
    [groupUuid],
  );
  return rows.length > 0;
}

/**
 * The first of `childUuids` (in input order) from which `parentUuid` is reachable going down, the
 * parent itself included: nesting it would close a cycle. One probe of group_closure per child
 * (its primary key); exact under the realm's nesting lock, which every writer of the closure holds.
 */
export async function childReachingParent(tx: Tx, parentUuid: string, childUuids: readonly string[]): Promise<string | undefined> {
  const [row] = await tx.query<{ child: string }>(
    `SELECT t.id AS child FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, n)
      WHERE EXISTS (SELECT 1 FROM group_closure c WHERE c.ancestor_id = t.id AND c.descendant_id = $1)
      ORDER BY t.n LIMIT 1`,
    [parentUuid, childUuids],
  );
  return row?.child;
}

/**
 * The names along one path from `fromUuid` down to `toUuid` (both included), for the refusal's
 * message. Only run once a cycle was found; breadth first, so the shortest path comes first.
 */
export async function pathNames(tx: Tx, fromUuid: string, toUuid: string): Promise<string[]> {
  const [row] = await tx.query<{ names: string[] }>(
    `WITH RECURSIVE walk(node, path) AS (
       SELECT $1::uuid, ARRAY[$1::uuid]
       UNION ALL
       SELECT n.child_id, w.path || n.child_id FROM walk w JOIN group_nestings n ON n.parent_id = w.node
        WHERE w.node <> $2 AND NOT n.child_id = ANY(w.path)
     ), found AS (SELECT path FROM walk WHERE node = $2 LIMIT 1)
     SELECT array_agg(g.name ORDER BY p.i) AS names
       FROM found, unnest(found.path) WITH ORDINALITY AS p(id, i) JOIN groups g ON g.id = p.id`,
    [fromUuid, toUuid],
  );
  return row?.names ?? [];
}

/**
 * A nesting a write made or ended, from RETURNING: the member group's keys and ID, when the
 * nesting was made, and its sort values in Group.memberGroups' order (for its edge's cursor).
 */
export type ChangedNesting = CursorRow<{ uuid: string; realmUuid: string; id: string; addedAt: IsoTimestamp }>;

const changedColumns = `gn.child_id AS uuid, gn.realm_id AS "realmUuid", global_id('Group', gn.child_id) AS id,
  ${isoTimestamp('gn.added_at')} AS "addedAt", ${cursorColumnsSql(memberGroupOrdering)}`;

/** Nests the groups that are not members yet, in one statement; returns those it nested, in input order. */
export async function insertNestings(tx: Tx, realmUuid: string, parentUuid: string, childUuids: readonly string[]): Promise<ChangedNesting[]> {
  const rows = await tx.query<ChangedNesting>(
    `WITH changed AS (
       INSERT INTO group_nestings (realm_id, parent_id, child_id)
       SELECT $1, $2, t.id FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n
       ON CONFLICT (parent_id, child_id) DO NOTHING
       RETURNING realm_id, child_id, added_at
     )
     SELECT ${changedColumns} FROM changed gn`,
    [realmUuid, parentUuid, childUuids],
  );
  return inInputOrder(rows, childUuids);
}

/** Ends these groups' nestings in the parent, in one statement; returns those it ended, in input order. */
export async function deleteNestings(tx: Tx, parentUuid: string, childUuids: readonly string[]): Promise<ChangedNesting[]> {
  const rows = await tx.query<ChangedNesting>(
    `WITH changed AS (
       DELETE FROM group_nestings WHERE parent_id = $1 AND child_id = ANY($2::uuid[]) RETURNING realm_id, child_id, added_at
     )
     SELECT ${changedColumns} FROM changed gn`,
    [parentUuid, childUuids],
  );
  return inInputOrder(rows, childUuids);
}

/**
 * Whether a group the caller holds locked sits in a tree (is nested in a group, or holds one), or
 * left one at an event the log still keeps (a GROUP_UNNESTED naming it, either side): a TRANSITIVE
 * subscription resumed from before that event needs its memberships (decision 107).
 */
export async function inTreeWithinLog(tx: Tx, realmUuid: string, groupUuid: string): Promise<boolean> {
  const [row] = await tx.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM group_nestings WHERE parent_id = $2)
         OR EXISTS (SELECT 1 FROM group_nestings WHERE child_id = $2)
         OR EXISTS (SELECT 1 FROM events WHERE realm_id = $1 AND type = 'group.unnested' AND group_id = $2)
         OR EXISTS (SELECT 1 FROM events WHERE realm_id = $1 AND type = 'group.unnested' AND data->>'memberGroupId' = global_id('Group', $2)) AS found`,
    [realmUuid, groupUuid],
  );
  return row.found;
}

/** The groups a group is nested in, now. */
export async function parentUuidsOf(tx: Tx, childUuid: string): Promise<string[]> {
  const rows: Array<{ uuid: string }> = await tx.query(`SELECT parent_id AS uuid FROM group_nestings WHERE child_id = $1`, [childUuid]);
  return rows.map((row) => row.uuid);
}

/**
 * A new version of these groups' members (their SCIM ETag, decision 102) when their member groups
 * changed: the membership triggers count identities' joins and departures, not nestings. The caller
 * holds the groups locked.
 */
export async function bumpMembershipVersions(tx: Tx, groupUuids: readonly string[]): Promise<void> {
  if (groupUuids.length > 0) await tx.query(`UPDATE groups SET membership_version = membership_version + 1 WHERE id = ANY($1::uuid[])`, [groupUuids]);
}

/** The groups nested in a group the caller holds locked, for a write that sets its whole member list. */
export async function childUuidsOf(tx: Tx, parentUuid: string): Promise<string[]> {
  const rows: Array<{ uuid: string }> = await tx.query(`SELECT child_id AS uuid FROM group_nestings WHERE parent_id = $1`, [parentUuid]);
  return rows.map((row) => row.uuid);
}

/**
 * Deletes every nesting of a group, both ways (the caller holds it locked: no nesting of it can be
 * made meanwhile); returns exactly the rows it deleted, parent then child, in a stable order.
 */
export async function deleteNestingsOfGroup(tx: Tx, groupUuid: string): Promise<Array<{ parentUuid: string; childUuid: string }>> {
  return tx.query(
    `WITH removed AS (DELETE FROM group_nestings WHERE parent_id = $1 OR child_id = $1 RETURNING parent_id, child_id)
     SELECT parent_id AS "parentUuid", child_id AS "childUuid" FROM removed ORDER BY parent_id, child_id`,
    [groupUuid],
  );
}
