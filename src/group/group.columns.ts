import { isoTimestamp, type IsoTimestamp } from '../db/iso-timestamp';
import { selectList } from '../db/select-list';

/*
 * How a group row is read: its type and its select list. Published for the queries of other
 * domains that return groups (an identity's groups); the group's statements stay in
 * group.repository.ts.
 */

/** A group as the API reads it: `id` is the global ID, `uuid` the database key. */
export interface GroupRow {
  __typename: 'Group';
  id: string;
  uuid: string;
  realmUuid: string;
  name: string;
  description: string | null;
  memberCount: number;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
  version: number;
}

/**
 * The select list of a group row from the table aliased `a`: every field, or the keys and the
 * `fields` a query selects (a row of a list page holds only those; see selectList). The member
 * count is a key: an unfiltered `members { totalCount }` reads it.
 */
export const groupColumns = (a: string, fields?: ReadonlySet<string>) =>
  selectList(
    [`'Group' AS "__typename"`, `${a}.id AS uuid`, `${a}.realm_id AS "realmUuid"`, `${a}.member_count AS "memberCount"`],
    {
      id: `global_id('Group', ${a}.id) AS id`,
      name: `${a}.name`,
      description: `${a}.description`,
      createdAt: `${isoTimestamp(`${a}.created_at`)} AS "createdAt"`,
      updatedAt: `${isoTimestamp(`${a}.updated_at`)} AS "updatedAt"`,
      version: `${a}.version`,
    } satisfies Record<Exclude<keyof GroupRow, '__typename' | 'uuid' | 'realmUuid' | 'memberCount'>, string>,
    fields,
  );
