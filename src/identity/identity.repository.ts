import type { IdentitySource } from '../common/enums';
import type { CursorRow, Ordering, PageRequest } from '../common/pagination';
import { includesColumn, type ListProjection } from '../common/projection';
import { countsByParent, pagesByParent } from '../db/paged-query';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';
import { updateSet } from '../db/update-set';
import { profileAttributes, profileFields, type Profile, type ProfileField } from './identity-profile';
import {
  identityColumns,
  identityFilterSql,
  type IdentityColumn,
  type IdentityFilterValues,
  type IdentityListRow,
  type IdentityRow,
} from './identity.columns';

export type { IdentityColumn, IdentityFilterValues, IdentityKeys, IdentityListRow, IdentityRow } from './identity.columns';

const columns = identityColumns('i');

export function findIdentitiesByUuid(db: Queryable, uuids: readonly string[]): Promise<IdentityRow[]> {
  return db.query(`SELECT ${columns} FROM identities i WHERE i.id = ANY($1::uuid[])`, [uuids]);
}

export function identityPagesByRealm(
  db: Queryable,
  realmUuids: readonly string[],
  filter: IdentityFilterValues | undefined,
  ordering: Ordering,
  request: PageRequest,
  projection: ListProjection<IdentityColumn>,
): Promise<Map<string, CursorRow<IdentityListRow>[]>> {
  return pagesByParent<IdentityListRow>(db, realmUuids, {
    select: identityColumns('i', projection.node),
    cursors: includesColumn(projection.edge, 'cursor'),
    from: 'identities i',
    parentColumn: 'i.realm_id',
    where: (params) => identityFilterSql('i', filter, params),
    ordering,
    request,
  });
}

/**
 * How many identities each realm holds under `filter`; without a condition, the sum of the realm's
 * counter slots (kept by triggers in the statement of every identity write: migration
 * IdentityCounts), not a count of every row — exact in the statement's snapshot all the same.
 */
export async function identityCountsByRealm(db: Queryable, realmUuids: readonly string[], filter: IdentityFilterValues | undefined): Promise<Map<string, number>> {
  if (identityFilterSql('i', filter, []).length === 0) {
    const rows: Array<{ realm: string; count: number }> = await db.query(
      `SELECT c.realm_id AS realm, sum(c.identities)::integer AS count FROM identity_counts c WHERE c.realm_id = ANY($1::uuid[]) GROUP BY 1`,
      [realmUuids],
    );
    return new Map(rows.map((row) => [row.realm, row.count]));
  }
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

/** The keys a write claims for an identity, each unique in the realm; absent ones it leaves as they are. */
export interface ClaimedKeys {
  username?: string;
  primaryEmail?: string;
  externalId?: string | null;
}

/** Identities of the realm that already hold this username, email or external ID (case-insensitive). */
export function findKeyMatches(
  tx: Tx,
  realmUuid: string,
  keys: ClaimedKeys,
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

/**
 * Locks, until the transaction ends, the keys an identity claims in the realm: its username and
 * email (case-insensitive, as the unique indexes compare them) and its external ID. A write that
 * checks a key and then claims it holds the key's lock across both, so that a concurrent writer of
 * the same key waits and then sees it taken (claimed-keys.ts). Advisory locks: the key need not
 * have a row yet. Taken in one order (by lock key), so that two writers of the same keys do not
 * deadlock; after any identity row the write locks (docs/decisions.md 63).
 */
export async function lockClaimedKeys(tx: Tx, realmUuid: string, keys: ClaimedKeys): Promise<void> {
  const claimed = claimedKeyNames(keys);
  if (claimed.length === 0) return;
  await tx.query(`SELECT pg_advisory_xact_lock(k.lock) FROM ${claimedKeyLocks('$1', '$2')} k`, [realmUuid, claimed]);
}

function claimedKeyNames(keys: ClaimedKeys): string[] {
  const claimed: string[] = [];
  if (keys.username !== undefined) claimed.push(`username:${keys.username}`);
  if (keys.primaryEmail !== undefined) claimed.push(`email:${keys.primaryEmail}`);
  if (keys.externalId != null) claimed.push(`external:${keys.externalId}`);
  return claimed;
}

/** The advisory lock keys of claimed key names, each once, in the order they are taken. */
const claimedKeyLocks = (realm: string, names: string) =>
  `(SELECT DISTINCT hashtextextended('identity:' || ${realm}::text || ':' || lower(key), 0) AS lock FROM unnest(${names}::text[]) AS key ORDER BY 1)`;

/** A new identity; the profile attributes not given are null. */
export type NewIdentity = Omit<IdentityRow, '__typename' | 'id' | 'uuid' | 'createdAt' | 'updatedAt' | 'version' | ProfileField> & Partial<Profile>;

export async function insertIdentity(tx: Tx, v: NewIdentity): Promise<IdentityRow> {
  const profile = profileFields.map((field) => v[field] ?? null);
  const [row] = await tx.query<IdentityRow>(
    `INSERT INTO identities AS i (realm_id, display_name, username, primary_email, full_name, phone_number, role, status, source, external_id, ${profileColumns})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${profile.map((_, i) => `$${i + 11}`).join(', ')}) RETURNING ${columns}`,
    [v.realmUuid, v.displayName, v.username, v.primaryEmail, v.fullName, v.phoneNumber, v.role, v.status, v.source, v.externalId, ...profile],
  );
  return row;
}

/**
 * The statement of identities' creation that claims their keys without reading them first: it
 * takes their locks (lockClaimedKeys', in its order, so that a write that checks a key waits for
 * this one and then sees it) and inserts the rows, in their order, but not one of which another
 * identity of the realm holds a key — the unique indexes decide, committed rows and ones still being
 * written (an earlier row of the same statement included) alike; it returns those it inserted. The
 * caller's checked path (refuseTakenKeys) then says which key is taken, or finds it free again.
 * `uuid`: each new identity's, chosen by the caller, so that its events can name it in the same
 * statement (event-log.ts writeWithEvents).
 */
export function insertIdentitiesUnlessTaken(realmUuid: string, rows: ReadonlyArray<{ uuid: string; values: NewIdentity }>): { sql: string; params: unknown[] } {
  const texts: Array<(v: NewIdentity) => string | null | undefined> = [
    (v) => v.displayName,
    (v) => v.username,
    (v) => v.primaryEmail,
    (v) => v.fullName,
    (v) => v.phoneNumber,
    (v) => v.role,
    (v) => v.status,
    (v) => v.source,
    (v) => v.externalId,
    ...profileFields.map((field) => (v: NewIdentity) => v[field]),
  ];
  if (rows.some((row) => row.values.realmUuid !== realmUuid)) throw new Error('insertIdentitiesUnlessTaken: every row in the one realm');
  const params: unknown[] = [realmUuid, rows.map((row) => row.uuid), ...texts.map((text) => rows.map((row) => text(row.values) ?? null)), rows.flatMap((row) => claimedKeyNames(row.values))];
  const columnsIn = texts.map((_, i) => `$${i + 3}::text[]`).join(', ');
  const names = texts.map((_, i) => `c${i}`);
  return {
    sql: `WITH claimed AS (SELECT count(*) AS n FROM (SELECT pg_advisory_xact_lock(k.lock) FROM ${claimedKeyLocks('$1', `$${params.length}`)} k) locks)
          INSERT INTO identities AS i (id, realm_id, display_name, username, primary_email, full_name, phone_number, role, status, source, external_id, ${profileColumns})
          SELECT v.id, $1::uuid, ${names.map((name) => `v.${name}`).join(', ')}
            FROM claimed, unnest($2::uuid[], ${columnsIn}) WITH ORDINALITY AS v(id, ${names.join(', ')}, n)
           ORDER BY v.n
          ON CONFLICT DO NOTHING RETURNING ${columns}`,
    params,
  };
}

const profileColumns = profileFields.map((field) => profileAttributes[field].column).join(', ');

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

/**
 * Reads the identities and locks them FOR UPDATE in id order (the order of docs/decisions.md 63):
 * linkIdentities deletes one and changes the other, and no membership of either can be added or
 * removed until it commits, so that the memberships it reads are all there are.
 */
export function lockIdentitiesForMerge(tx: Tx, uuids: readonly string[]): Promise<IdentityRow[]> {
  return tx.query(`SELECT ${columns} FROM identities i WHERE i.id = ANY($1::uuid[]) ORDER BY i.id FOR UPDATE`, [uuids]);
}

export type IdentityChanges = Partial<
  Pick<IdentityRow, 'displayName' | 'username' | 'primaryEmail' | 'fullName' | 'phoneNumber' | 'role' | 'status' | 'source' | 'externalId' | ProfileField>
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
      source: 'source',
      externalId: 'external_id',
      ...(Object.fromEntries(profileFields.map((field) => [field, profileAttributes[field].column])) as Record<ProfileField, string>),
    },
    params,
  );
  const [row] = await tx.query<IdentityRow>(`UPDATE identities AS i SET ${set} WHERE i.id = $1 RETURNING ${columns}`, params);
  return row;
}

export async function deleteIdentity(tx: Tx, uuid: string): Promise<void> {
  await tx.query(`DELETE FROM identities WHERE id = $1`, [uuid]);
}
