import type { IdentityRole, IdentitySource, IdentityStatus } from '../common/enums';
import type { CursorRow, Ordering, PageRequest } from '../common/pagination';
import type { ListSelection } from '../common/selection';
import { isoTimestamp, type IsoTimestamp } from '../db/iso-timestamp';
import { countsByParent, pagesByParent } from '../db/paged-query';
import { selectList } from '../db/select-list';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';
import { updateSet } from '../db/update-set';

/** An identity as the API reads it: `id` is the global ID, `uuid` the database key. */
export interface IdentityRow {
  __typename: 'Identity';
  id: string;
  uuid: string;
  realmUuid: string;
  displayName: string;
  username: string;
  primaryEmail: string;
  fullName: string | null;
  phoneNumber: string | null;
  role: IdentityRole;
  status: IdentityStatus;
  source: IdentitySource;
  externalId: string | null;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
  version: number;
}

/**
 * The select list of an identity row from the table aliased `a`: every field, or the keys and the
 * `fields` a query selects (a row of a list page holds only those; see selectList).
 */
export const identityColumns = (a: string, fields?: ReadonlySet<string>) =>
  selectList(
    [`'Identity' AS "__typename"`, `${a}.id AS uuid`, `${a}.realm_id AS "realmUuid"`],
    {
      id: `global_id('Identity', ${a}.id) AS id`,
      displayName: `${a}.display_name AS "displayName"`,
      username: `${a}.username`,
      primaryEmail: `${a}.primary_email AS "primaryEmail"`,
      fullName: `${a}.full_name AS "fullName"`,
      phoneNumber: `${a}.phone_number AS "phoneNumber"`,
      role: `${a}.role`,
      status: `${a}.status`,
      source: `${a}.source`,
      externalId: `${a}.external_id AS "externalId"`,
      createdAt: `${isoTimestamp(`${a}.created_at`)} AS "createdAt"`,
      updatedAt: `${isoTimestamp(`${a}.updated_at`)} AS "updatedAt"`,
      version: `${a}.version`,
    } satisfies Record<Exclude<keyof IdentityRow, '__typename' | 'uuid' | 'realmUuid'>, string>,
    fields,
  );

const columns = identityColumns('i');

export interface IdentityFilterValues {
  search?: string | null;
  status?: IdentityStatus | null;
  role?: IdentityRole | null;
  source?: IdentitySource | null;
  groupUuid?: string | null;
}

/** LIKE treats % and _ as wildcards: a search for "a_b" means those three characters. */
export function likePrefix(text: string): string {
  return text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/** WHERE conditions on identities aliased `a`; they append their parameters to `params`. */
export function identityFilterSql(a: string, filter: IdentityFilterValues | undefined, params: unknown[]): string[] {
  const where: string[] = [];
  if (!filter) return where;
  if (filter.search) {
    params.push(likePrefix(filter.search));
    const p = `$${params.length}`;
    where.push(
      `(lower(${a}.display_name) COLLATE "C" LIKE ${p} OR lower(${a}.username) COLLATE "C" LIKE ${p} OR lower(${a}.primary_email) COLLATE "C" LIKE ${p})`,
    );
  }
  for (const [field, column] of [['status', 'status'], ['role', 'role'], ['source', 'source']] as const) {
    const value = filter[field];
    if (value == null) continue;
    params.push(value);
    where.push(`${a}.${column} = $${params.length}`);
  }
  if (filter.groupUuid) {
    params.push(filter.groupUuid);
    where.push(`EXISTS (SELECT 1 FROM group_memberships f WHERE f.group_id = $${params.length} AND f.identity_id = ${a}.id)`);
  }
  return where;
}

export function findIdentitiesByUuid(db: Queryable, uuids: readonly string[]): Promise<IdentityRow[]> {
  return db.query(`SELECT ${columns} FROM identities i WHERE i.id = ANY($1::uuid[])`, [uuids]);
}

export function identityPagesByRealm(
  db: Queryable,
  realmUuids: readonly string[],
  filter: IdentityFilterValues | undefined,
  ordering: Ordering,
  request: PageRequest,
  selection?: ListSelection,
): Promise<Map<string, CursorRow<IdentityRow>[]>> {
  return pagesByParent<IdentityRow>(db, realmUuids, {
    select: identityColumns('i', selection?.node),
    cursors: !selection || selection.edge.has('cursor'),
    from: 'identities i',
    parentColumn: 'i.realm_id',
    where: (params) => identityFilterSql('i', filter, params),
    ordering,
    request,
  });
}

export function identityCountsByRealm(db: Queryable, realmUuids: readonly string[], filter: IdentityFilterValues | undefined) {
  return countsByParent(db, realmUuids, {
    from: 'identities i',
    parentColumn: 'i.realm_id',
    where: (params) => identityFilterSql('i', filter, params),
  });
}

export interface IdentityKeyMatch {
  uuid: string;
  source: IdentitySource;
  username: string;
  primaryEmail: string;
  externalId: string | null;
}

/** Identities of the realm that already hold this username, email or external ID (case-insensitive). */
export function findKeyMatches(
  tx: Tx,
  realmUuid: string,
  keys: { username?: string; primaryEmail?: string; externalId?: string | null },
  excludeUuid?: string,
): Promise<IdentityKeyMatch[]> {
  return tx.query(
    `SELECT i.id AS uuid, i.source, i.username, i.primary_email AS "primaryEmail", i.external_id AS "externalId"
       FROM identities i
      WHERE i.realm_id = $1 AND i.id IS DISTINCT FROM $5::uuid
        AND (lower(i.username) COLLATE "C" = lower($2) OR lower(i.primary_email) COLLATE "C" = lower($3)
             OR (i.source = 'IDP' AND i.external_id = $4))`,
    [realmUuid, keys.username ?? null, keys.primaryEmail ?? null, keys.externalId ?? null, excludeUuid ?? null],
  );
}

export type NewIdentity = Omit<IdentityRow, '__typename' | 'id' | 'uuid' | 'createdAt' | 'updatedAt' | 'version'>;

export async function insertIdentity(tx: Tx, v: NewIdentity): Promise<IdentityRow> {
  const [row] = await tx.query<IdentityRow>(
    `INSERT INTO identities AS i (realm_id, display_name, username, primary_email, full_name, phone_number, role, status, source, external_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${columns}`,
    [v.realmUuid, v.displayName, v.username, v.primaryEmail, v.fullName, v.phoneNumber, v.role, v.status, v.source, v.externalId],
  );
  return row;
}

/** Reads the identity and locks it until the transaction ends. */
export async function lockIdentity(tx: Tx, uuid: string): Promise<IdentityRow | undefined> {
  const [row] = await tx.query<IdentityRow>(`SELECT ${columns} FROM identities i WHERE i.id = $1 FOR NO KEY UPDATE`, [uuid]);
  return row;
}

/**
 * Reads the identity and locks it FOR UPDATE, the lock its deletion needs: it waits for every
 * transaction that holds the identity FOR KEY SHARE — adding it to a group — so that, once granted,
 * the identity's memberships can no longer grow and those committed meanwhile are visible.
 */
export async function lockIdentityForDeletion(tx: Tx, uuid: string): Promise<IdentityRow | undefined> {
  const [row] = await tx.query<IdentityRow>(`SELECT ${columns} FROM identities i WHERE i.id = $1 FOR UPDATE`, [uuid]);
  return row;
}

export type IdentityChanges = Partial<
  Pick<IdentityRow, 'displayName' | 'username' | 'primaryEmail' | 'fullName' | 'phoneNumber' | 'role' | 'status'>
>;

export async function updateIdentity(tx: Tx, uuid: string, changes: IdentityChanges): Promise<IdentityRow> {
  const params: unknown[] = [uuid];
  const set = updateSet(
    changes,
    {
      displayName: 'display_name',
      username: 'username',
      primaryEmail: 'primary_email',
      fullName: 'full_name',
      phoneNumber: 'phone_number',
      role: 'role',
      status: 'status',
    },
    params,
  );
  const [row] = await tx.query<IdentityRow>(`UPDATE identities AS i SET ${set} WHERE i.id = $1 RETURNING ${columns}`, params);
  return row;
}

export async function deleteIdentity(tx: Tx, uuid: string): Promise<void> {
  await tx.query(`DELETE FROM identities WHERE id = $1`, [uuid]);
}
