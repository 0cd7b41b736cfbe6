import { cursorColumnsSql, orderings, type CursorRow, type Ordering, type PageRequest } from '../common/pagination';
import { includesColumn, type Columns, type ListProjection } from '../common/projection';
import { isoTimestamp, type IsoTimestamp } from '../db/iso-timestamp';
import { countsByParent, pagesByParent, type ParentPageSpec, type RowLookup } from '../db/paged-query';
import type { Queryable } from '../db/queryable';
import { inInputOrder } from '../db/input-order';
import type { Tx } from '../db/transaction';
import { groupColumns, type GroupColumn, type GroupListRow } from '../group/group.columns';
import {
  identityColumns,
  identityFilterSql,
  type IdentityColumn,
  type IdentityFilterValues,
  type IdentityListRow,
  type MemberKeys,
} from '../identity/identity.columns';

/**
 * What the edges of both membership lists may read of the membership: the cursor, when it was
 * added, and whether it is direct (always, in a direct list: no column; decision 106).
 */
export type MembershipEdgeColumn = 'cursor' | 'addedAt' | 'direct';

/** A member as a group's list returns it: the identity as projected, and when it joined (when asked). */
export type MemberRow = IdentityListRow & { addedAt?: IsoTimestamp };
/** A group of an identity's list: the membership, with the group read once for all the rows naming it. */
export interface MembershipGroupRow {
  groupUuid: string;
  addedAt?: IsoTimestamp;
  group: GroupListRow;
}

const addedAt = `${isoTimestamp('gm.added_at')} AS "addedAt"`;

/** The membership's own columns a list's edges read (`addedAt`, the cursor), as projected. */
function membershipEdgeColumns(projection: ListProjection<string, MembershipEdgeColumn>, keys: string) {
  return {
    select: includesColumn(projection.edge, 'addedAt') ? `${keys}, ${addedAt}` : keys,
    cursors: includesColumn(projection.edge, 'cursor'),
  };
}

/** The default of both lists: the order members were added, which the memberships' own indexes serve. */
export const memberOrdering: Ordering = {
  key: 'member.added',
  columns: [
    { sql: 'gm.added_at', type: 'timestamptz' },
    { sql: 'gm.identity_id', type: 'uuid' },
  ],
  descending: false,
};

export const identityGroupOrdering: Ordering = {
  key: 'identityGroup.added',
  columns: [
    { sql: 'gm.added_at', type: 'timestamptz' },
    { sql: 'gm.group_id', type: 'uuid' },
  ],
  descending: false,
};

type OrderBy<F extends string> = { field: F; direction: 'ASC' | 'DESC' } | null | undefined;

/** The default ordering for the default order, so that the cursors it gave out before orderBy existed still work. */
const withDefault =
  <F extends string>(ordering: (order: OrderBy<F>) => Ordering, defaultOrdering: Ordering, defaultField: NoInfer<F>) =>
  (order: OrderBy<F>): Ordering =>
    !order || (order.field === defaultField && order.direction !== 'DESC') ? defaultOrdering : ordering(order);

/** A group's members by when they were added or by a name; ties in ID order, as in Realm.identities. */
export const memberOrderingOf = withDefault(
  orderings<'ADDED_AT' | 'DISPLAY_NAME' | 'USERNAME'>(
    'member',
    {
      ADDED_AT: { sql: 'gm.added_at', type: 'timestamptz' },
      DISPLAY_NAME: { sql: 'lower(i.display_name) COLLATE "C"', type: 'text' },
      USERNAME: { sql: 'lower(i.username) COLLATE "C"', type: 'text' },
    },
    { sql: 'gm.identity_id', type: 'uuid' },
    'ADDED_AT',
  ),
  memberOrdering,
  'ADDED_AT',
);

const groupName = 'lower(g.name) COLLATE "C"';

/** An identity's groups by when it joined them or by the group's name. */
export const identityGroupOrderingOf = withDefault(
  orderings<'ADDED_AT' | 'NAME'>(
    'identityGroup',
    {
      ADDED_AT: { sql: 'gm.added_at', type: 'timestamptz' },
      NAME: { sql: groupName, type: 'text' },
    },
    { sql: 'gm.group_id', type: 'uuid' },
    'ADDED_AT',
  ),
  identityGroupOrdering,
  'ADDED_AT',
);

const membersFrom = 'group_memberships gm JOIN identities i ON i.id = gm.identity_id';

export function memberPagesByGroup(
  db: Queryable,
  groupUuids: readonly string[],
  filter: IdentityFilterValues | undefined,
  ordering: Ordering,
  request: PageRequest,
  projection: ListProjection<IdentityColumn, MembershipEdgeColumn>,
) {
  return pagesByParent<MemberRow>(db, groupUuids, {
    ...membershipEdgeColumns(projection, identityColumns('i', projection.node)),
    from: membersFrom,
    parentColumn: 'gm.group_id',
    where: (params) => identityFilterSql('i', filter, params),
    ordering,
    request,
  });
}

export function memberCountsByGroup(db: Queryable, groupUuids: readonly string[], filter: IdentityFilterValues | undefined) {
  return countsByParent(db, groupUuids, {
    from: membersFrom,
    parentColumn: 'gm.group_id',
    where: (params) => identityFilterSql('i', filter, params),
  });
}

/**
 * The groups of many identities: the memberships' pages from their own index, and the groups they
 * name, read as groupsInPage says. Ordered by the group's name, the page query joins the groups for
 * their names as well.
 */
export async function groupPagesByIdentity(
  db: Queryable,
  identityUuids: readonly string[],
  ordering: Ordering,
  request: PageRequest,
  projection: ListProjection<GroupColumn, MembershipEdgeColumn>,
): Promise<Map<string, CursorRow<MembershipGroupRow>[]>> {
  const spec: ParentPageSpec = {
    ...membershipEdgeColumns(projection, 'gm.group_id AS "groupUuid"'),
    from: ordering.columns.some((column) => column.sql === groupName) ? 'group_memberships gm JOIN groups g ON g.id = gm.group_id' : 'group_memberships gm',
    parentColumn: 'gm.identity_id',
    ordering,
    request,
  };
  const lookup = groupsInPage(identityUuids, projection.node);
  if (lookup) return pagesByParent<MembershipGroupRow>(db, identityUuids, { ...spec, lookup });
  return withGroupsOf(db, await pagesByParent<Omit<MembershipGroupRow, 'group'>>(db, identityUuids, spec), projection.node);
}

/**
 * How a page of groups by identity (this list's and the transitive list's) reads the groups its
 * rows name. One identity's page names each group once: they come in the page's statement, each
 * row finding its group by key (rowLookupSql), one round trip less (#17: a client's small read asks
 * one identity's groups). Many identities' pages name the same few groups over and over (a realm
 * has few groups): read with the page, every row carries its group's columns, which cost W1 5–7
 * CPU-ms of parsing for its 15 764 rows to save one round trip of ≈ 0.1 ms (bench/ANALYSIS.md); they
 * come in a second statement, once each (withGroupsOf, decision 61), and the rows share them. The
 * group is of the membership's realm: the membership's foreign key is (realm_id, group_id), and
 * the transitive list's closure rows are the realm's.
 */
export function groupsInPage(identityUuids: readonly string[], columns: Columns<GroupColumn>): RowLookup | undefined {
  if (identityUuids.length !== 1) return undefined;
  return { select: groupColumns('g', columns), from: 'groups g', on: 'g.id = x."groupUuid"', as: 'group' };
}

/**
 * The second statement of a page of groups by identity (this one, and the transitive list's): the
 * groups the rows name, each read once, set on the rows. Rows whose group went away between the
 * two statements are dropped.
 */
export async function withGroupsOf<TRow extends Omit<MembershipGroupRow, 'group'>>(
  db: Queryable,
  pages: Map<string, CursorRow<TRow>[]>,
  columns: Columns<GroupColumn>,
): Promise<Map<string, CursorRow<TRow & MembershipGroupRow>[]>> {
  const groupUuids = new Set<string>();
  for (const rows of pages.values()) for (const row of rows) groupUuids.add(row.groupUuid);
  if (groupUuids.size === 0) return new Map();
  const rows: GroupListRow[] = await db.query(`SELECT ${groupColumns('g', columns)} FROM groups g WHERE g.id = ANY($1::uuid[])`, [[...groupUuids]]);
  const groups = new Map(rows.map((group) => [group.uuid, group]));
  const withGroups = new Map<string, CursorRow<TRow & MembershipGroupRow>[]>();
  for (const [identityUuid, rows] of pages) {
    const kept: CursorRow<TRow & MembershipGroupRow>[] = [];
    for (const row of rows as Array<CursorRow<TRow & MembershipGroupRow>>) {
      const group = groups.get(row.groupUuid);
      if (group) {
        row.group = group;
        kept.push(row);
      }
    }
    withGroups.set(identityUuid, kept);
  }
  return withGroups;
}

export function groupCountsByIdentity(db: Queryable, identityUuids: readonly string[]) {
  return countsByParent(db, identityUuids, { from: 'group_memberships gm', parentColumn: 'gm.identity_id' });
}

/**
 * The realm of each identity that exists, each locked FOR KEY SHARE (what the foreign key check
 * takes anyway) until the transaction ends, in id order: the identities come before the group in
 * the order every write takes its locks (docs/decisions.md 63). The lock is what keeps a membership
 * from being added to an identity being deleted: deleting it takes FOR UPDATE, which waits for
 * this lock, and this one waits for a deletion under way and then finds no row (NOT_FOUND).
 */
export function lockIdentityRealms(tx: Tx, identityUuids: readonly string[]): Promise<IdentityRealm[]> {
  return tx.query(identityRealmsLockSql('$1'), [identityUuids]);
}

export interface IdentityRealm {
  uuid: string;
  realmUuid: string;
}

/** lockIdentityRealms's statement, the identities' UUIDs in `param`: also run inside a group's lock (lockGroupAfter). */
export function identityRealmsLockSql(param: string): string {
  // A join the planner probes by the primary key, one lookup per ID: `id = ANY($1)` was planned
  // as a scan of every realm's identities for a large batch (bench/ANALYSIS.md, W9).
  return `SELECT i.id AS uuid, i.realm_id AS "realmUuid"
       FROM (SELECT DISTINCT id FROM unnest(${param}::uuid[]) AS wanted(id)) wanted JOIN identities i ON i.id = wanted.id
      ORDER BY i.id FOR KEY SHARE OF i`;
}

/**
 * Adds the identities that are not members yet, in one statement; returns those it added, in input
 * order, as the membership rows hold them: their keys and their ID, with no join to `identities`
 * (decisions 60, 80). A payload that shows more of them
 * reads it through the identity loader.
 */
export async function insertMemberships(tx: Tx, realmUuid: string, groupUuid: string, identityUuids: readonly string[]): Promise<ChangedMembership[]> {
  const rows = await tx.query<ChangedMembership>(
    `WITH changed AS (
       INSERT INTO group_memberships (group_id, identity_id, realm_id)
       SELECT $2, t.id, $1 FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n
       ON CONFLICT (group_id, identity_id) DO NOTHING
       RETURNING identity_id, realm_id, added_at
     )
     SELECT ${changedColumns} FROM changed gm`,
    [realmUuid, groupUuid, identityUuids],
  );
  return inInputOrder(rows, identityUuids);
}

/** Removes the identities that are members, in one statement; returns those it removed, as above. */
export async function deleteMemberships(tx: Tx, groupUuid: string, identityUuids: readonly string[]): Promise<ChangedMembership[]> {
  const rows = await tx.query<ChangedMembership>(
    `WITH changed AS (
       DELETE FROM group_memberships WHERE group_id = $1 AND identity_id = ANY($2::uuid[]) RETURNING identity_id, realm_id, added_at
     )
     SELECT ${changedColumns} FROM changed gm`,
    [groupUuid, identityUuids],
  );
  return inInputOrder(rows, identityUuids);
}

/**
 * A membership a write made or ended, from what RETURNING gave: its identity's keys and ID, when it
 * was made, and its sort values in Group.members' default order, so that a payload can give it as
 * an edge of that list (its cursor) without another read.
 */
export type ChangedMembership = CursorRow<MemberKeys & { addedAt: IsoTimestamp }>;

const changedColumns = `'Identity' AS "__typename", gm.identity_id AS uuid, gm.realm_id AS "realmUuid", global_id('Identity', gm.identity_id) AS id,
  ${isoTimestamp('gm.added_at')} AS "addedAt", ${cursorColumnsSql(memberOrdering)}`;

/**
 * Locks the groups an identity belongs to, in id order, before its memberships end: deleting them
 * updates the groups' member counts (the trigger), and taking those locks first, in one order,
 * keeps two deletions of identities in the same groups from deadlocking. The caller holds the
 * identity FOR UPDATE, so no membership of it can be added meanwhile.
 */
export async function lockGroupsOfIdentity(tx: Tx, identityUuid: string): Promise<void> {
  await tx.query(
    `SELECT g.id FROM groups g
      WHERE g.id IN (SELECT gm.group_id FROM group_memberships gm WHERE gm.identity_id = $1)
      ORDER BY g.id FOR NO KEY UPDATE`,
    [identityUuid],
  );
}

/**
 * Deletes every membership of the identity; returns the groups of exactly the rows it deleted, in
 * id order. One a concurrent removal deleted first is not among them: the DELETE waits for that
 * removal's row lock and then finds the row gone.
 */
export async function deleteMembershipsOfIdentity(tx: Tx, identityUuid: string): Promise<string[]> {
  const rows: Array<{ groupUuid: string }> = await tx.query(
    `WITH removed AS (DELETE FROM group_memberships WHERE identity_id = $1 RETURNING group_id)
     SELECT group_id AS "groupUuid" FROM removed ORDER BY group_id`,
    [identityUuid],
  );
  return rows.map((row) => row.groupUuid);
}

export async function memberUuidsOfGroup(tx: Tx, groupUuid: string): Promise<string[]> {
  const rows: Array<{ uuid: string }> = await tx.query(`SELECT identity_id AS uuid FROM group_memberships WHERE group_id = $1`, [groupUuid]);
  return rows.map((row) => row.uuid);
}

/** Deletes every membership of the group, which the caller holds locked; returns how many it deleted. */
export async function deleteMembershipsOfGroup(tx: Tx, groupUuid: string): Promise<number> {
  const [row] = await tx.query<{ count: number }>(
    `WITH removed AS (DELETE FROM group_memberships WHERE group_id = $1 RETURNING 1) SELECT count(*)::integer AS count FROM removed`,
    [groupUuid],
  );
  return row.count;
}

/** Deletes every membership of the group, which the caller holds locked; returns the identities, in ID order. */
export async function deleteMembershipsOfGroupReturning(tx: Tx, groupUuid: string): Promise<string[]> {
  const rows: Array<{ uuid: string }> = await tx.query(
    `WITH removed AS (DELETE FROM group_memberships WHERE group_id = $1 RETURNING identity_id) SELECT identity_id AS uuid FROM removed ORDER BY identity_id`,
    [groupUuid],
  );
  return rows.map((row) => row.uuid);
}
