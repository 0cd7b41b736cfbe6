import type { CursorRow, Ordering, PageRequest } from '../common/pagination';
import { includesColumn, type ListProjection } from '../common/projection';
import { countsByParent, pagesByParent } from '../db/paged-query';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';
import { updateSet } from '../db/update-set';
import { likePrefix } from '../db/like';
import { groupColumns, type GroupColumn, type GroupListRow, type GroupRow } from './group.columns';

export type { GroupColumn, GroupKeys, GroupListRow, GroupRow } from './group.columns';

const columns = groupColumns('g');

export interface GroupFilterValues {
  search?: string | null;
}

function groupFilterSql(filter: GroupFilterValues | undefined, params: unknown[]): string[] {
  if (!filter?.search) return [];
  params.push(likePrefix(filter.search));
  return [`lower(g.name) COLLATE "C" LIKE $${params.length}`];
}

export function findGroupsByUuid(db: Queryable, uuids: readonly string[]): Promise<GroupRow[]> {
  return db.query(`SELECT ${columns} FROM groups g WHERE g.id = ANY($1::uuid[])`, [uuids]);
}

export function groupPagesByRealm(
  db: Queryable,
  realmUuids: readonly string[],
  filter: GroupFilterValues | undefined,
  ordering: Ordering,
  request: PageRequest,
  projection: ListProjection<GroupColumn>,
): Promise<Map<string, CursorRow<GroupListRow>[]>> {
  return pagesByParent<GroupListRow>(db, realmUuids, {
    select: groupColumns('g', projection.node),
    cursors: includesColumn(projection.edge, 'cursor'),
    from: 'groups g',
    parentColumn: 'g.realm_id',
    where: (params) => groupFilterSql(filter, params),
    ordering,
    request,
  });
}

export function groupCountsByRealm(db: Queryable, realmUuids: readonly string[], filter: GroupFilterValues | undefined) {
  return countsByParent(db, realmUuids, {
    from: 'groups g',
    parentColumn: 'g.realm_id',
    where: (params) => groupFilterSql(filter, params),
  });
}

/** Whether the realm has a group of this name (case-insensitive), other than `excludeUuid`. */
export async function groupNameTaken(tx: Tx, realmUuid: string, name: string, excludeUuid?: string): Promise<boolean> {
  const rows = await tx.query(
    `SELECT 1 FROM groups g WHERE g.realm_id = $1 AND lower(g.name) COLLATE "C" = lower($2) AND g.id IS DISTINCT FROM $3::uuid`,
    [realmUuid, name, excludeUuid ?? null],
  );
  return rows.length > 0;
}

export async function insertGroup(
  tx: Tx,
  values: { realmUuid: string; name: string; description: string | null; externalId?: string | null },
): Promise<GroupRow> {
  const [row] = await tx.query<GroupRow>(
    `INSERT INTO groups AS g (realm_id, name, description, external_id) VALUES ($1, $2, $3, $4) RETURNING ${columns}`,
    [values.realmUuid, values.name, values.description, values.externalId ?? null],
  );
  return row;
}

/** Reads the group and locks it until the transaction ends. */
export async function lockGroup(tx: Tx, uuid: string): Promise<GroupRow | undefined> {
  const [row] = await tx.query<GroupRow>(`SELECT ${columns} FROM groups g WHERE g.id = $1 FOR NO KEY UPDATE`, [uuid]);
  return row;
}

/**
 * Locks taken before the group's, in the same statement (decision 63's order: e.g. the identities a
 * membership write adds): `sql`, a SELECT … FOR … whose parameters are $2…, run to its end before
 * the group is locked; its rows come back as `before`.
 */
export interface LocksBefore {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * lockGroup after the locks `before` takes, in one round trip. The group's scan waits on a one-time
 * filter that reads all of `before` (an InitPlan, run once before the first group row is fetched),
 * so its locks are held first. No group: no row, `group` undefined (`before`'s locks are taken all
 * the same, as when they were a statement of their own).
 */
export async function lockGroupAfter<T>(tx: Tx, uuid: string, before: LocksBefore): Promise<{ group: GroupRow | undefined; before: T[] }> {
  const [row] = await tx.query<GroupRow & { before: T[] }>(
    `WITH before AS MATERIALIZED (${before.sql})
     SELECT ${columns}, (SELECT coalesce(json_agg(before), '[]') FROM before) AS before
       FROM groups g WHERE g.id = $1 AND (SELECT count(*) FROM before) >= 0 FOR NO KEY UPDATE OF g`,
    [uuid, ...before.parameters],
  );
  if (!row) return { group: undefined, before: [] };
  const { before: rows, ...group } = row;
  return { group: group as GroupRow, before: rows };
}

/** Re-reads a group inside the transaction (its member count is kept by a trigger). */
export async function readGroup(tx: Tx, uuid: string): Promise<GroupRow> {
  const [row] = await tx.query<GroupRow>(`SELECT ${columns} FROM groups g WHERE g.id = $1`, [uuid]);
  return row;
}

export type GroupChanges = { name?: string; description?: string | null; externalId?: string | null };

export async function updateGroup(tx: Tx, uuid: string, changes: GroupChanges): Promise<GroupRow> {
  const params: unknown[] = [uuid];
  const set = updateSet(changes, { name: 'name', description: 'description', externalId: 'external_id' }, params);
  const [row] = await tx.query<GroupRow>(`UPDATE groups AS g SET ${set} WHERE g.id = $1 RETURNING ${columns}`, params);
  return row;
}

/** Whether another group of the realm has this external ID. */
export async function groupExternalIdTaken(tx: Tx, realmUuid: string, externalId: string, excludeUuid?: string): Promise<boolean> {
  const rows = await tx.query(`SELECT 1 FROM groups g WHERE g.realm_id = $1 AND g.external_id = $2 AND g.id IS DISTINCT FROM $3::uuid`, [
    realmUuid,
    externalId,
    excludeUuid ?? null,
  ]);
  return rows.length > 0;
}

export async function deleteGroup(tx: Tx, uuid: string): Promise<void> {
  await tx.query(`DELETE FROM groups WHERE id = $1`, [uuid]);
}
