import type { IdentityRole, IdentitySource, IdentityStatus } from '../common/enums';
import { isoTimestamp, type IsoTimestamp } from '../db/iso-timestamp';
import { likePrefix } from '../db/like';
import { selectList } from '../db/select-list';

/*
 * How an identity row is read: its type, its select list and its filter. Published for the
 * queries of other domains that return identities (a group's members), so that the identity
 * domain alone decides what its rows hold; its statements stay in identity.repository.ts.
 */

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


export interface IdentityFilterValues {
  search?: string | null;
  status?: IdentityStatus | null;
  role?: IdentityRole | null;
  source?: IdentitySource | null;
  groupUuid?: string | null;
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
