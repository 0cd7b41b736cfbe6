import type { Columns, Projected } from '../common/projection';
import { isoTimestamp, type IsoTimestamp } from '../db/iso-timestamp';
import { selectList } from '../db/select-list';

/*
 * How a group row is read: its type and its select list. Published for the queries of other
 * domains that return groups (an identity's groups); the group's statements stay in
 * group.repository.ts.
 */

/**
 * What every group row carries, whatever its read selects: `uuid` is the database key. The member
 * count is a key: an unfiltered `members { totalCount }` reads it.
 */
export interface GroupKeys {
  __typename: 'Group';
  uuid: string;
  realmUuid: string;
  memberCount: number;
}

/** The columns a read may select: `id` is the global ID. */
export interface GroupColumns {
  id: string;
  name: string;
  description: string | null;
  externalId: string | null;
  /** Goes up with each change of members (a bigint, as text). */
  membershipVersion: string;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
  version: number;
}

export type GroupColumn = keyof GroupColumns;

/** A group read whole. */
export type GroupRow = GroupKeys & GroupColumns;

/** A group as a projected read (a list's page) returns it. */
export type GroupListRow = Projected<GroupKeys, GroupColumns>;

/**
 * A number that goes up with every change of the group: of its name, description or external ID
 * (`version`) or of its members (`membershipVersion`); SCIM's version of the group (its ETag).
 */
export const groupRevision = (group: Pick<GroupColumns, 'version' | 'membershipVersion'>): number => group.version + Number(group.membershipVersion);

/** The select list of a group row from the table aliased `a`: the keys and the `columns` named (by default, all). */
export const groupColumns = (a: string, columns: Columns<GroupColumn> = 'all') =>
  selectList(
    [`'Group' AS "__typename"`, `${a}.id AS uuid`, `${a}.realm_id AS "realmUuid"`, `${a}.member_count AS "memberCount"`],
    {
      id: `global_id('Group', ${a}.id) AS id`,
      name: `${a}.name`,
      description: `${a}.description`,
      externalId: `${a}.external_id AS "externalId"`,
      membershipVersion: `${a}.membership_version::text AS "membershipVersion"`,
      createdAt: `${isoTimestamp(`${a}.created_at`)} AS "createdAt"`,
      updatedAt: `${isoTimestamp(`${a}.updated_at`)} AS "updatedAt"`,
      version: `${a}.version`,
    } satisfies Record<GroupColumn, string>,
    columns,
  );
