import type { ProvisionedDeletion } from '../common/enums';
import type { CursorRow, Ordering, PageRequest } from '../common/pagination';
import { keysetSql } from '../common/pagination';
import { isoTimestamp, type IsoTimestamp } from '../db/iso-timestamp';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';
import { updateSet } from '../db/update-set';

/** A realm as the API reads it: `id` is the global ID, `uuid` the database key. */
export interface RealmRow {
  __typename: 'Realm';
  id: string;
  uuid: string;
  name: string;
  displayName: string;
  description: string | null;
  provisionedDeletion: ProvisionedDeletion;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
  version: number;
  /** The number of the realm's last event when the row was read. */
  lastEventSeq: string;
  /** Events up to this number were deleted by retention. */
  prunedThroughSeq: string;
}

const columns = `'Realm' AS "__typename", global_id('Realm', r.id) AS id, r.id AS uuid, r.name,
  r.display_name AS "displayName", r.description, r.provisioned_deletion AS "provisionedDeletion", ${isoTimestamp('r.created_at')} AS "createdAt",
  ${isoTimestamp('r.updated_at')} AS "updatedAt", r.version, r.last_event_seq::text AS "lastEventSeq",
  r.pruned_through_seq::text AS "prunedThroughSeq"`;

export const realmOrdering: Ordering = {
  key: 'realm.name',
  columns: [
    { sql: 'r.name', type: 'text' },
    { sql: 'r.id', type: 'uuid' },
  ],
  descending: false,
};

export function findRealmsByUuid(db: Queryable, uuids: readonly string[]): Promise<RealmRow[]> {
  return db.query(`SELECT ${columns} FROM realms r WHERE r.id = ANY($1::uuid[])`, [uuids]);
}

export function findRealmsByName(db: Queryable, names: readonly string[]): Promise<RealmRow[]> {
  return db.query(`SELECT ${columns} FROM realms r WHERE r.name = ANY($1::text[])`, [names]);
}

/** A page of all realms, or of the one a realm-bound token reaches (`onlyUuid`). */
export function findRealmPage(db: Queryable, request: PageRequest, onlyUuid: string | null): Promise<Array<CursorRow<RealmRow>>> {
  const params: unknown[] = [onlyUuid];
  const keyset = keysetSql(realmOrdering, request, params);
  return db.query(
    `SELECT ${columns}, ${keyset.cursorColumns} FROM realms r
      WHERE ($1::uuid IS NULL OR r.id = $1) AND ${keyset.predicate} ORDER BY ${keyset.orderBy} LIMIT ${keyset.limit}`,
    params,
  );
}

export async function countRealms(db: Queryable, onlyUuid: string | null): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::integer AS count FROM realms WHERE ($1::uuid IS NULL OR id = $1)`, [onlyUuid]);
  return row.count;
}

/** Reads the realm and locks it until the transaction ends. */
export async function lockRealm(tx: Tx, uuid: string): Promise<RealmRow | undefined> {
  const [row] = await tx.query<RealmRow>(`SELECT ${columns} FROM realms r WHERE r.id = $1 FOR NO KEY UPDATE`, [uuid]);
  return row;
}

export async function insertRealm(
  tx: Tx,
  values: { name: string; displayName: string; description: string | null; provisionedDeletion: ProvisionedDeletion },
): Promise<RealmRow> {
  const [row] = await tx.query<RealmRow>(
    `INSERT INTO realms AS r (name, display_name, description, provisioned_deletion) VALUES ($1, $2, $3, $4) RETURNING ${columns}`,
    [values.name, values.displayName, values.description, values.provisionedDeletion],
  );
  return row;
}

export type RealmChanges = { name?: string; displayName?: string; description?: string | null; provisionedDeletion?: ProvisionedDeletion };

export async function updateRealm(tx: Tx, uuid: string, changes: RealmChanges): Promise<RealmRow> {
  const params: unknown[] = [uuid];
  const set = updateSet(changes, { name: 'name', displayName: 'display_name', description: 'description', provisionedDeletion: 'provisioned_deletion' }, params);
  const [row] = await tx.query<RealmRow>(`UPDATE realms AS r SET ${set} WHERE r.id = $1 RETURNING ${columns}`, params);
  return row;
}

/**
 * Before a realm's deletion: locks what its cascade will delete, in the order every write takes its
 * locks in (docs/decisions.md 63) — invitations, identities, groups, outbox messages, each in id order
 * — and the realm's row last. A write in flight holds some of those and takes the realm's row last
 * (appending its events): each lock here waits for it to commit, instead of holding the realm's row
 * while it waits for this one (a deadlock, each time). A write that comes later waits here, then
 * finds its rows gone: NOT_FOUND. Returns the realm, or undefined when there is none.
 */
export async function lockRealmForDeletion(tx: Tx, uuid: string): Promise<RealmRow | undefined> {
  for (const table of ['invitations', 'identities', 'groups', 'email_outbox']) {
    // Groups FOR NO KEY UPDATE, the mode their writers take: a nesting in flight writes closure rows
    // whose foreign key takes FOR KEY SHARE on the parent's ancestors, which it has not locked
    // (decision 106); FOR UPDATE here would hold one of them while waiting for that nesting's parent.
    // Every writer of a group's rows holds it FOR NO KEY UPDATE, so this still waits for each.
    const mode = table === 'groups' ? 'FOR NO KEY UPDATE' : 'FOR UPDATE';
    // Counted, not returned: a realm of a million identities sends one row back, not a million.
    await tx.query(`SELECT count(*) FROM (SELECT 1 FROM ${table} WHERE realm_id = $1 ORDER BY id ${mode}) locked`, [uuid]);
  }
  const [row] = await tx.query<RealmRow>(`SELECT ${columns} FROM realms r WHERE r.id = $1 FOR UPDATE`, [uuid]);
  return row;
}

export async function deleteRealm(tx: Tx, uuid: string): Promise<void> {
  await tx.query(`DELETE FROM realms WHERE id = $1`, [uuid]);
}
