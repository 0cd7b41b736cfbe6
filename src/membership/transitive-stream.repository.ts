import type { Queryable } from '../db/queryable';

/*
 * The statements of a TRANSITIVE membershipChanged subscription (docs/decisions.md 107): what the
 * stream reads to tell, at each logged event, who entered or left a group's transitive membership.
 * The state they read is the latest committed; the stream corrects it back to the event it is at
 * with the log's own events in between, so each runs inside one read-only REPEATABLE READ
 * snapshot with the log's head it is read against.
 */

/** The realm's nestings and the log's head in one snapshot, and whether the watched group exists. */
export async function nestingsAtHead(
  db: Queryable,
  realmUuid: string,
  groupUuid: string,
): Promise<{ lastSeq: string; nestings: Array<[string, string]>; groupExists: boolean } | undefined> {
  const [row] = await db.query(
    `SELECT r.last_event_seq::text AS "lastSeq",
            COALESCE((SELECT json_agg(json_build_array(n.parent_id, n.child_id)) FROM group_nestings n WHERE n.realm_id = r.id), '[]'::json) AS nestings,
            EXISTS (SELECT 1 FROM groups g WHERE g.id = $2 AND g.realm_id = r.id) AS "groupExists"
       FROM realms r WHERE r.id = $1`,
    [realmUuid, groupUuid],
  );
  return row;
}

/** Whether the log holds the group's deletion after `afterSeq`: a watcher resumed from before it hears up to it. */
export async function deletedAfter(db: Queryable, realmUuid: string, groupUuid: string, afterSeq: string): Promise<boolean> {
  const [row] = await db.query(
    `SELECT EXISTS (SELECT 1 FROM events WHERE realm_id = $1 AND seq > $3::bigint AND type = 'group.deleted' AND group_id = $2) AS deleted`,
    [realmUuid, groupUuid, afterSeq],
  );
  return row.deleted;
}

/** A logged change of the tree or of a membership, as the stream undoes it. */
export interface LoggedChange {
  seq: string;
  type: 'membership.added' | 'membership.removed' | 'group.nested' | 'group.unnested' | 'group.deleted';
  groupUuid: string;
  identityUuid: string | null;
  /** group.nested / group.unnested: the child's global ID. */
  memberGroupId: string | null;
  /** group.deleted: how many memberships it ended at once (unlogged one by one). */
  memberCount: number | null;
}

const changeColumns = `e.seq::text AS seq, e.type, e.group_id AS "groupUuid", e.identity_id AS "identityUuid",
  e.data->>'memberGroupId' AS "memberGroupId", (e.data->>'memberCount')::integer AS "memberCount"`;

/** The nestings and un-nestings logged in (afterSeq, throughSeq], newest first: undone in that order. */
export function nestingChangesBetween(db: Queryable, realmUuid: string, afterSeq: string, throughSeq: string): Promise<LoggedChange[]> {
  return db.query(
    `SELECT ${changeColumns} FROM events e
      WHERE e.realm_id = $1 AND e.seq > $2::bigint AND e.seq <= $3::bigint AND e.type IN ('group.nested', 'group.unnested')
      ORDER BY e.seq DESC`,
    [realmUuid, afterSeq, throughSeq],
  );
}

/** The realm's log head, read first in a snapshot: what that snapshot's other reads are as of. */
export async function headSeq(db: Queryable, realmUuid: string): Promise<string | undefined> {
  const [row] = await db.query(`SELECT last_event_seq::text AS seq FROM realms WHERE id = $1`, [realmUuid]);
  return row?.seq;
}

/**
 * What was logged in (afterSeq, throughSeq] about memberships, in log order, and the deletions of
 * groups that ended memberships without logging each: the corrections from the head back to an
 * event, and what no correction can restore. Read once per stretch of the log (TransitiveStream
 * keeps them), so a watcher far behind reads each event once, not once per event it expands.
 */
export function membershipChangesBetween(db: Queryable, realmUuid: string, afterSeq: string, throughSeq: string): Promise<LoggedChange[]> {
  return db.query(
    `SELECT ${changeColumns} FROM events e
      WHERE e.realm_id = $1 AND e.seq > $2::bigint AND e.seq <= $3::bigint
        AND (e.type IN ('membership.added', 'membership.removed') OR (e.type = 'group.deleted' AND (e.data->>'memberCount')::integer > 0))
      ORDER BY e.seq`,
    [realmUuid, afterSeq, throughSeq],
  );
}

/** Which of these identities are members of which of these groups, now. */
export function membershipPairs(db: Queryable, identityUuids: readonly string[], groupUuids: readonly string[]): Promise<Array<{ groupUuid: string; identityUuid: string }>> {
  return db.query(
    `SELECT m.group_id AS "groupUuid", m.identity_id AS "identityUuid" FROM group_memberships m
      WHERE m.identity_id = ANY($1::uuid[]) AND m.group_id = ANY($2::uuid[])`,
    [identityUuids, groupUuids],
  );
}

/**
 * A page of the identities that are members of some group of `fromGroups`, after `afterUuid` in ID
 * order, each with whether it is also a member of a group of `keptGroups`: the top `limit` of each
 * group by its primary key, merged (decision 105), so a page costs the same however deep it is.
 */
export function membersPage(
  db: Queryable,
  fromGroups: readonly string[],
  keptGroups: readonly string[],
  afterUuid: string,
  limit: number,
  identityUuid?: string,
): Promise<Array<{ uuid: string; kept: boolean }>> {
  return db.query(
    `SELECT c.identity_id AS uuid,
            EXISTS (SELECT 1 FROM group_memberships k WHERE k.identity_id = c.identity_id AND k.group_id = ANY($2::uuid[])) AS kept
       FROM (SELECT DISTINCT t.identity_id
               FROM unnest($1::uuid[]) AS g(id)
               CROSS JOIN LATERAL (
                 SELECT m.identity_id FROM group_memberships m
                  WHERE m.group_id = g.id AND m.identity_id > $3::uuid AND ($5::uuid IS NULL OR m.identity_id = $5)
                  ORDER BY m.identity_id LIMIT $4
               ) t
              ORDER BY 1 LIMIT $4) c
      ORDER BY c.identity_id`,
    [fromGroups, keptGroups, afterUuid, limit, identityUuid ?? null],
  );
}
