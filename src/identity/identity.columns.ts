import type { IdentityRole, IdentitySource, IdentityStatus } from '../common/enums';
import type { Columns, Projected } from '../common/projection';
import { isoTimestamp, type IsoTimestamp } from '../db/iso-timestamp';
import { likeInfixSql, likePrefix } from '../db/like';
import { selectList } from '../db/select-list';
import { filterableProfileFields, profileAttributes, profileFields, type Profile } from './identity-profile';

/*
 * How an identity row is read: its type, its select list and its filter. Published for the
 * queries of other domains that return identities (a group's members), so that the identity
 * domain alone decides what its rows hold; its statements stay in identity.repository.ts.
 */

/** What every identity row carries, whatever its read selects: `uuid` is the database key. */
export interface IdentityKeys {
  __typename: 'Identity';
  uuid: string;
  realmUuid: string;
}

/** The columns a read may select: `id` is the global ID. */
export interface IdentityColumns extends Profile {
  id: string;
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

export type IdentityColumn = keyof IdentityColumns;

/** An identity read whole. */
export type IdentityRow = IdentityKeys & IdentityColumns;

/** An identity as a projected read (a list's page) returns it. */
export type IdentityListRow = Projected<IdentityKeys, IdentityColumns>;

/** An identity as a membership write returns it: its keys and its ID, read from the membership row. */
export type MemberKeys = IdentityKeys & Pick<IdentityColumns, 'id'>;

/** The select list of an identity row from the table aliased `a`: the keys and the `columns` named (by default, all). */
export const identityColumns = (a: string, columns: Columns<IdentityColumn> = 'all') =>
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
      ...profileSelect(a),
    } satisfies Record<IdentityColumn, string>,
    columns,
  );

const profileSelect = (a: string) =>
  Object.fromEntries(profileFields.map((field) => [field, `${a}.${profileAttributes[field].column} AS "${field}"`])) as Record<keyof Profile, string>;

export type FilterableProfileField = (typeof filterableProfileFields)[number];

export interface IdentityFilterValues extends Partial<Record<FilterableProfileField, string | null>> {
  /** Trimmed, its runs of white space made one space (memberFilterValues). */
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
  if (filter.search) where.push(searchSql(a, filter.search, params));
  for (const [field, column] of [['status', 'status'], ['role', 'role'], ['source', 'source']] as const) {
    const value = filter[field];
    if (value == null) continue;
    params.push(value);
    where.push(`${a}.${column} = $${params.length}`);
  }
  for (const field of filterableProfileFields) {
    const value = filter[field];
    if (value == null) continue;
    params.push(value);
    where.push(`lower(${a}.${profileAttributes[field].column}) = lower($${params.length})`);
  }
  if (filter.groupUuid) {
    params.push(filter.groupUuid);
    where.push(`EXISTS (SELECT 1 FROM group_memberships f WHERE f.group_id = $${params.length} AND f.identity_id = ${a}.id)`);
  }
  return where;
}

/** The fewest characters that make a trigram, which the search index needs to find a part of a text. */
export const infixSearchLength = 3;

/** The folded search text of identities aliased `a`, stored and indexed (migrations SearchIdentities, StoreSearchText). */
const searchText = (a: string) => `${a}.search_text`;

/**
 * A search (docs/decisions.md 90): a term of three characters or more is found anywhere in the
 * display name, username, email, full name or external ID, folded alike on both sides by
 * `search_fold` (accents, case), with LIKE's wildcards escaped after folding; the trigram index
 * serves it. A shorter term cannot be looked up by trigrams: it matches the start of the display
 * name, username or email, case-insensitively, through their btree indexes, as search always did.
 */
function searchSql(a: string, search: string, params: unknown[]): string {
  if ([...search].length < infixSearchLength) {
    params.push(likePrefix(search));
    const p = `$${params.length}`;
    return `(lower(${a}.display_name) COLLATE "C" LIKE ${p} OR lower(${a}.username) COLLATE "C" LIKE ${p} OR lower(${a}.primary_email) COLLATE "C" LIKE ${p})`;
  }
  params.push(search);
  return `${searchText(a)} LIKE ${likeInfixSql(`search_fold($${params.length})`)}`;
}
