/**
 * The raw baseline's SQL: each answer built by ONE statement (CTE + json_agg) in PostgreSQL, in the
 * shape the GraphQL API answers, so that the server only copies text. The orderings are the
 * product's: groups by lower(name) COLLATE "C" then id, members by (added_at, identity_id), an
 * identity's groups by (added_at, group_id). Cursors are the product's (base64url of a JSON array).
 */

const iso = (column) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const cursor = (key, at, id) =>
  `translate(encode(convert_to('["${key}","' || (${at})::text || '","' || (${id})::text || '"]', 'UTF8'), 'base64'), E'+/=\\n', '-_')`;

/** W1: realm → groups(first: 50) → members(first: 100) → groups(first: 10), with totalCount. $1: realm name. */
export const nestedReadSql = `
WITH realm AS (
  SELECT id, name FROM realms WHERE name = $1
), g AS (
  SELECT g.id, g.name, g.member_count, row_number() OVER (ORDER BY lower(g.name) COLLATE "C", g.id) AS rn
    FROM (SELECT g.* FROM groups g, realm WHERE g.realm_id = realm.id
           ORDER BY lower(g.name) COLLATE "C", g.id LIMIT 50) g
), m AS (
  SELECT g.id AS group_id, x.*
    FROM g CROSS JOIN LATERAL (
      SELECT gm.identity_id, gm.added_at, i.username, i.status,
             row_number() OVER (ORDER BY gm.added_at, gm.identity_id) AS rn
        FROM group_memberships gm JOIN identities i ON i.id = gm.identity_id
       WHERE gm.group_id = g.id
       ORDER BY gm.added_at, gm.identity_id
       LIMIT 101
    ) x
), ids AS (
  SELECT DISTINCT identity_id FROM m WHERE rn <= 100
), ig AS (
  SELECT ids.identity_id, g2.name, y.added_at, y.group_id
    FROM ids CROSS JOIN LATERAL (
      SELECT gm2.added_at, gm2.group_id
        FROM group_memberships gm2
       WHERE gm2.identity_id = ids.identity_id
       ORDER BY gm2.added_at, gm2.group_id
       LIMIT 10
    ) y JOIN groups g2 ON g2.id = y.group_id
), igc AS (
  SELECT gm.identity_id, count(*)::integer AS n FROM group_memberships gm JOIN ids USING (identity_id) GROUP BY 1
), igj AS (
  SELECT identity_id, json_agg(json_build_object('node', json_build_object('name', name)) ORDER BY added_at, group_id) AS edges
    FROM ig GROUP BY 1
), mg AS (
  SELECT m.group_id,
         coalesce(json_agg(json_build_object(
           'addedAt', ${iso('m.added_at')},
           'node', json_build_object('username', m.username, 'status', m.status,
                     'groups', json_build_object('totalCount', coalesce(igc.n, 0), 'edges', coalesce(igj.edges, '[]'::json)))
         ) ORDER BY m.rn) FILTER (WHERE m.rn <= 100), '[]'::json) AS edges,
         bool_or(m.rn > 100) AS has_next,
         (array_agg(${cursor('member.added', 'm.added_at', 'm.identity_id')} ORDER BY m.rn DESC) FILTER (WHERE m.rn <= 100))[1] AS end_cursor
    FROM m LEFT JOIN igc USING (identity_id) LEFT JOIN igj USING (identity_id)
   GROUP BY m.group_id
)
SELECT json_build_object('data', json_build_object('realm', (
  SELECT json_build_object('groups', json_build_object(
    'totalCount', (SELECT count(*)::integer FROM groups gc WHERE gc.realm_id = realm.id),
    'edges', coalesce((
      SELECT json_agg(json_build_object('node', json_build_object(
               'name', g.name, 'memberCount', g.member_count,
               'members', json_build_object(
                 'totalCount', g.member_count,
                 'pageInfo', json_build_object('hasNextPage', coalesce(mg.has_next, false), 'endCursor', mg.end_cursor),
                 'edges', coalesce(mg.edges, '[]'::json))
             )) ORDER BY g.rn)
        FROM g LEFT JOIN mg ON mg.group_id = g.id), '[]'::json)))
    FROM realm)))::text AS body`;

/** W1s: identity(id) { primaryEmail groups(first: 20) { name } }. $1: identity uuid. */
export const smallReadSql = `
SELECT json_build_object('data', json_build_object('node', (
  SELECT json_build_object('primaryEmail', i.primary_email, 'groups', json_build_object('edges', coalesce((
           SELECT json_agg(json_build_object('node', json_build_object('name', x.name)) ORDER BY x.added_at, x.group_id)
             FROM (SELECT g.name, gm.added_at, gm.group_id
                     FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
                    WHERE gm.identity_id = i.id ORDER BY gm.added_at, gm.group_id LIMIT 20) x), '[]'::json)))
    FROM identities i WHERE i.id = $1)))::text AS body`;

/**
 * W4: one page of 100 members of a group after a keyset position ($2 added_at text, $3 identity id;
 * both null: the first page), with the filtered totalCount when $4, of ACTIVE members only when $5.
 */
export const memberPageSql = `
WITH page AS (
  SELECT gm.added_at, gm.identity_id, i.username
    FROM group_memberships gm JOIN identities i ON i.id = gm.identity_id
   WHERE gm.group_id = $1
     AND ($2::timestamptz IS NULL OR (gm.added_at, gm.identity_id) > ($2::timestamptz, $3::uuid))
     AND (NOT $5::boolean OR i.status = 'ACTIVE')
   ORDER BY gm.added_at, gm.identity_id
   LIMIT 101
), numbered AS (
  SELECT *, row_number() OVER (ORDER BY added_at, identity_id) AS rn FROM page
)
SELECT json_build_object('data', json_build_object('node', json_build_object('members', json_build_object(
  'totalCount', CASE WHEN $4::boolean THEN (
      SELECT count(*)::integer FROM group_memberships gm JOIN identities i ON i.id = gm.identity_id
       WHERE gm.group_id = $1 AND (NOT $5::boolean OR i.status = 'ACTIVE')) END,
  'pageInfo', json_build_object('hasNextPage', coalesce((SELECT max(rn) > 100 FROM numbered), false),
                                'endCursor', (SELECT ${cursor('member.added', 'added_at', 'identity_id')} FROM numbered WHERE rn <= 100 ORDER BY rn DESC LIMIT 1)),
  'edges', coalesce((SELECT json_agg(json_build_object(
             'cursor', ${cursor('member.added', 'added_at', 'identity_id')},
             'addedAt', ${iso('added_at')},
             'node', json_build_object('username', username)) ORDER BY rn)
           FROM numbered WHERE rn <= 100), '[]'::json)))))::text AS body`;
