import type { IdentitySource } from '../common/enums';
import { keysetSql, type CursorRow, type Ordering, type PageRequest } from '../common/pagination';
import { includesColumn, type ListProjection } from '../common/projection';
import type { Queryable } from '../db/queryable';
import { duplicateReasons, duplicateRules, partnerSource } from './duplicate-rules';
import { identityColumns, type IdentityColumn, type IdentityListRow } from './identity.columns';

/*
 * The reads of suspected duplicates (docs/decisions.md 103). A "probe" asks one rule's index for the
 * identities of the subject's realm, of the other source, whose key equals the subject's: a range
 * scan of (realm, source, key, created_at, id), in creation order. An identity's duplicates are its
 * probes merged (Merge Append) and grouped by identity, each reason a probe that found it.
 */

/** An identity's suspected duplicate, as projected, with the rules that matched (DuplicateReason names). */
export type DuplicateRow = IdentityListRow & { reasons: string[] };

/** A pair of the realm's list: the identity provider's identity, the hand-made one, and why. */
export interface DuplicatePairRow {
  identityUuid: string;
  duplicateUuid: string;
  reasons: string[];
}

/** The probes of the identity aliased `s`, one per rule, for partners (aliased `y`) of the source `partner` (SQL); each ends with `tail`. */
function probes(s: string, partner: string, tail: (reason: string) => string): string {
  return duplicateReasons
    .map((reason) => {
      const rule = duplicateRules[reason];
      return `(SELECT y.id, y.created_at, '${reason}' AS reason FROM identities y
          WHERE y.realm_id = ${s}.realm_id AND y.source = ${partner} AND ${rule.key('y')} = ${rule.key(s)} AND y.status <> 'INVITED'${tail(reason)})`;
    })
    .join(' UNION ALL ');
}

/** The source of a partner of the identity aliased `s` (a hand-made one's are the provider's, and the reverse). */
const partnerOf = (s: string) => `(CASE ${s}.source WHEN 'MANUAL' THEN 'IDP' ELSE 'MANUAL' END)`;

/**
 * A page of suspected duplicates for each of these identities, in one statement. Each probe stops at
 * the page's size (plus one): a duplicate among the first n of the merged list is among the first n
 * of each probe that finds it, so its reasons are all there, and a key many identities share (an
 * office's phone number) costs a page, not all of them. INVITED identities have none, and are none.
 */
export async function duplicatePagesByIdentity(
  db: Queryable,
  identityUuids: readonly string[],
  ordering: Ordering,
  request: PageRequest,
  projection: ListProjection<IdentityColumn>,
): Promise<Map<string, CursorRow<DuplicateRow>[]>> {
  const params: unknown[] = [identityUuids];
  const keyset = keysetSql(ordering, request, params);
  const bounded = () => ` AND ${keyset.predicate} ORDER BY ${keyset.orderBy} LIMIT ${keyset.limit}`;
  const cursors = includesColumn(projection.edge, 'cursor') ? `, ${keyset.cursorColumns}` : '';
  const rows: Array<CursorRow<DuplicateRow> & { __parent: string }> = await db.query(
    `SELECT p.parent AS "__parent", x.*
       FROM unnest($1::uuid[]) AS p(parent)
       JOIN identities s ON s.id = p.parent AND s.status <> 'INVITED'
       CROSS JOIN LATERAL (
         SELECT ${identityColumns('y', projection.node)}, d.reasons${cursors}
           FROM (SELECT y.id, y.created_at, array_agg(y.reason) AS reasons
                   FROM (${probes('s', partnerOf('s'), bounded)}) y
                  GROUP BY y.created_at, y.id
                  ORDER BY ${keyset.orderBy}
                  LIMIT ${keyset.limit}) d
           JOIN identities y ON y.id = d.id
          ORDER BY ${keyset.orderBy}
       ) x`,
    params,
  );
  return byParent(rows);
}

/** How many suspected duplicates each of these identities has, in one statement. */
export async function duplicateCountsByIdentity(db: Queryable, identityUuids: readonly string[]): Promise<Map<string, number>> {
  const rows: Array<{ parent: string; count: number }> = await db.query(
    `SELECT s.id AS parent, (SELECT count(DISTINCT y.id) FROM (${probes('s', partnerOf('s'), () => '')}) y)::integer AS count
       FROM identities s
      WHERE s.id = ANY($1::uuid[]) AND s.status <> 'INVITED'`,
    [identityUuids],
  );
  return new Map(rows.map((row) => [row.parent, row.count]));
}

/**
 * How many identities of each source each realm has, counted up to `cap` (an index-only scan of at
 * most `cap` entries each): which side of its pairs is the smaller one to walk.
 */
export async function sourceSizes(db: Queryable, realmUuids: readonly string[], cap: number): Promise<Map<string, Record<IdentitySource, number>>> {
  const rows: Array<{ realm: string; manual: number; idp: number }> = await db.query(
    `SELECT r.id AS realm,
            (SELECT count(*) FROM (SELECT 1 FROM identities i WHERE i.realm_id = r.id AND i.source = 'MANUAL' LIMIT $2) m)::integer AS manual,
            (SELECT count(*) FROM (SELECT 1 FROM identities i WHERE i.realm_id = r.id AND i.source = 'IDP' LIMIT $2) m)::integer AS idp
       FROM unnest($1::uuid[]) AS r(id)`,
    [realmUuids, cap],
  );
  return new Map(rows.map((row) => [row.realm, { MANUAL: row.manual, IDP: row.idp }]));
}

/**
 * A page of each realm's pairs, walking the realm's identities of the source `walked` in creation
 * order (identities_realm_source_created_at_idx) and probing each one's partners: the ordering is
 * (walked created_at, id, partner created_at, id), which PostgreSQL sorts incrementally as the walk
 * yields. The walk costs a probe per rule for each identity it passes, so a page costs what the
 * walk passes to fill it: little where pairs are dense, up to the whole side where they are rare
 * (docs/decisions.md 103 has the figures) — hence the smaller side is walked.
 */
export async function duplicatePairPagesByRealm(
  db: Queryable,
  realmUuids: readonly string[],
  walked: IdentitySource,
  ordering: Ordering,
  request: PageRequest,
): Promise<Map<string, CursorRow<DuplicatePairRow>[]>> {
  const params: unknown[] = [realmUuids, walked];
  const keyset = keysetSql(ordering, request, params);
  // Where the walk starts: the identity of the cursor's pair, whose later partners come first.
  let start = 'TRUE';
  if (request.cursor) {
    params.push(request.cursor[0], request.cursor[1]);
    start = `(m.created_at, m.id) ${request.forward !== ordering.descending ? '>=' : '<='} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  const [identity, duplicate] = walked === 'IDP' ? ['m', 'd'] : ['d', 'm'];
  const rows: Array<CursorRow<DuplicatePairRow> & { __parent: string }> = await db.query(
    `SELECT r.parent AS "__parent", x.*
       FROM unnest($1::uuid[]) AS r(parent)
       CROSS JOIN LATERAL (
         SELECT ${identity}.id AS "identityUuid", ${duplicate}.id AS "duplicateUuid", d.reasons, ${keyset.cursorColumns}
           FROM identities m
           CROSS JOIN LATERAL (
             SELECT y.id, y.created_at, array_agg(y.reason) AS reasons
               FROM (${probes('m', `'${partnerSource(walked)}'`, () => '')}) y
              GROUP BY y.created_at, y.id
           ) d
          WHERE m.realm_id = r.parent AND m.source = $2 AND m.status <> 'INVITED' AND ${start} AND ${keyset.predicate}
          ORDER BY ${keyset.orderBy}
          LIMIT ${keyset.limit}
       ) x`,
    params,
  );
  return byParent(rows);
}

/** How many pairs each realm has: the whole walk of the side `walked`. */
export async function duplicatePairCountsByRealm(db: Queryable, realmUuids: readonly string[], walked: IdentitySource): Promise<Map<string, number>> {
  const rows: Array<{ parent: string; count: number }> = await db.query(
    `SELECT r.parent, (SELECT count(*) FROM identities m
                         CROSS JOIN LATERAL (SELECT DISTINCT y.id FROM (${probes('m', `'${partnerSource(walked)}'`, () => '')}) y) d
                        WHERE m.realm_id = r.parent AND m.source = $2 AND m.status <> 'INVITED')::integer AS count
       FROM unnest($1::uuid[]) AS r(parent)`,
    [realmUuids, walked],
  );
  return new Map(rows.map((row) => [row.parent, row.count]));
}

function byParent<T>(rows: Array<T & { __parent: string }>): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.__parent);
    if (list) list.push(row);
    else map.set(row.__parent, [row]);
  }
  return map;
}
