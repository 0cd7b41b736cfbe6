// Scratch: W2's statement sequences for bench/scratch/pgcost-w2.mjs: old (main before #17), neu (the
// change and its events in one statement), pip (neu, pipelined), pip2 (pipelined, two statements: what
// the branch does), pip3 (pip2 with the append over eventAppendCtes).
import pg from 'pg';
const groupCols = `'Group' AS "__typename", g.id AS uuid, g.realm_id AS "realmUuid", g.member_count AS "memberCount", global_id('Group', g.id) AS id, g.name, g.description, g.external_id AS "externalId", g.membership_version::text AS "membershipVersion"`;
const lockIds = (p) => `SELECT i.id AS uuid, i.realm_id AS "realmUuid" FROM (SELECT DISTINCT id FROM unnest(${p}::uuid[]) AS wanted(id)) wanted JOIN identities i ON i.id = wanted.id ORDER BY i.id FOR KEY SHARE OF i`;
const changedCols = `'Identity' AS "__typename", gm.identity_id AS uuid, gm.realm_id AS "realmUuid", global_id('Identity', gm.identity_id) AS id, gm.added_at::text AS "addedAt"`;
const append = `WITH counter AS (UPDATE realms SET last_event_seq = last_event_seq + $2 WHERE id = $1 RETURNING last_event_seq), appended AS (INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data) SELECT $1, counter.last_event_seq - $2 + e.n, clock_timestamp(), $8::jsonb, e.type, e.identity_id, e.group_id, e.invitation_id, e.data FROM counter, unnest($3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::jsonb[]) WITH ORDINALITY AS e(type, identity_id, group_id, invitation_id, data, n) RETURNING seq) SELECT pg_notify('scratch', $1 || ':' || max(seq)) FROM appended`;
const logged = (write, type) => `WITH changed AS (${write}), logged AS (SELECT row_number() OVER (ORDER BY array_position($3::uuid[], c.identity_id)) AS n, $5::text AS type, c.identity_id, $2::uuid AS group_id, NULL::uuid AS invitation_id, '{}'::jsonb AS data FROM changed c),
 counter AS (UPDATE realms SET last_event_seq = last_event_seq + (SELECT count(*) FROM logged) WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM logged) RETURNING last_event_seq),
 appended AS (INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data) SELECT $1::uuid, counter.last_event_seq - (SELECT count(*) FROM logged) + e.n, clock_timestamp(), $4::jsonb, e.type, e.identity_id, e.group_id, e.invitation_id, e.data FROM counter, logged e RETURNING seq),
 notified AS (SELECT pg_notify('scratch', $1::uuid || ':' || max(seq)) FROM appended HAVING count(*) > 0)
 SELECT ${changedCols} FROM changed gm WHERE (SELECT count(*) FROM notified) >= 0`;
const insert = `INSERT INTO group_memberships (group_id, identity_id, realm_id) SELECT $2, t.id, $1 FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n ON CONFLICT (group_id, identity_id) DO NOTHING RETURNING identity_id, realm_id, added_at`;
const del = `DELETE FROM group_memberships WHERE group_id = $2 AND identity_id = ANY($3::uuid[]) RETURNING identity_id, realm_id, added_at`;

class Pipelined extends pg.Query {
  constructor(text, values, begin, commit, callback) { super({ text, values, queryMode: 'extended', callback }); this.begin = begin; this.commit = commit; }
  prepare(connection) { if (this.begin) { connection.parse({ text: 'BEGIN' }); connection.bind({}); connection.execute({ portal: '' }); } super.prepare(connection); }
  _getRows(connection, rows) { connection.execute({ portal: this.portal, rows }); if (this.commit) { connection.parse({ text: 'COMMIT' }); connection.bind({}); connection.execute({ portal: '' }); } connection.sync(); }
}
export async function setup(c, groupName) {
  const { rows: [{ pid }] } = await c.query('SELECT pg_backend_pid() AS pid');
  const { rows: [g] } = await c.query(`SELECT id, realm_id FROM groups WHERE name = $1`, [groupName]);
  const { rows } = await c.query(`SELECT i.id FROM identities i WHERE realm_id = $1 AND username > 'user-0001000' AND NOT EXISTS (SELECT 1 FROM group_memberships gm WHERE gm.identity_id = i.id AND gm.group_id = $2) LIMIT 200`, [g.realm_id, g.id]);
  return { c, pid, g, idents: rows.map((r) => r.id) };
}
export async function old({ c, g }, kind, id) {
  await c.query('BEGIN');
  if (kind === 'add') await c.query(lockIds('$1'), [[id]]);
  await c.query(`SELECT ${groupCols} FROM groups g WHERE g.id = $1 FOR NO KEY UPDATE`, [g.id]);
  const { rows } = kind === 'add'
    ? await c.query(`WITH changed AS (${insert}) SELECT ${changedCols} FROM changed gm`, [g.realm_id, g.id, [id]])
    : await c.query(`WITH changed AS (DELETE FROM group_memberships WHERE group_id = $1 AND identity_id = ANY($2::uuid[]) RETURNING identity_id, realm_id, added_at) SELECT ${changedCols} FROM changed gm`, [g.id, [id]]);
  if (rows.length) await c.query(append, [g.realm_id, 1, [kind === 'add' ? 'membership.added' : 'membership.removed'], [id], [g.id], [null], ['{}'], null]);
  await c.query('COMMIT');
}
export async function neu({ c, g }, kind, id) {
  await c.query('BEGIN');
  if (kind === 'add') await c.query(`WITH before AS MATERIALIZED (${lockIds('$2')}) SELECT ${groupCols}, (SELECT coalesce(json_agg(before), '[]') FROM before) AS before FROM groups g WHERE g.id = $1 AND (SELECT count(*) FROM before) >= 0 FOR NO KEY UPDATE OF g`, [g.id, [id]]);
  else await c.query(`SELECT ${groupCols} FROM groups g WHERE g.id = $1 FOR NO KEY UPDATE`, [g.id]);
  await c.query(logged(kind === 'add' ? insert : del), [g.realm_id, g.id, [id], null, kind === 'add' ? 'membership.added' : 'membership.removed']);
  await c.query('COMMIT');
}
export async function pip({ c, g }, kind, id) {
  const pq = (text, values, begin, commit) => new Promise((resolve, reject) => c.query(new Pipelined(text, values, begin, commit, (e, r) => (e ? reject(e) : resolve(r)))));
  if (kind === 'add') await pq(`WITH before AS MATERIALIZED (${lockIds('$2')}) SELECT ${groupCols}, (SELECT coalesce(json_agg(before), '[]') FROM before) AS before FROM groups g WHERE g.id = $1 AND (SELECT count(*) FROM before) >= 0 FOR NO KEY UPDATE OF g`, [g.id, [id]], true, false);
  else await pq(`SELECT ${groupCols} FROM groups g WHERE g.id = $1 FOR NO KEY UPDATE`, [g.id], true, false);
  await pq(logged(kind === 'add' ? insert : del), [g.realm_id, g.id, [id], null, kind === 'add' ? 'membership.added' : 'membership.removed'], false, true);
}
/** The change and its events in two statements (the append pipelined with COMMIT); `withAppend` the append's SQL. */
const twoStatements = (withAppend, appendParams) => async ({ c, g }, kind, id) => {
  const pq = (text, values, begin, commit) => new Promise((resolve, reject) => c.query(new Pipelined(text, values, begin, commit, (e, r) => (e ? reject(e) : resolve(r)))));
  if (kind === 'add') await pq(`WITH before AS MATERIALIZED (${lockIds('$2')}) SELECT ${groupCols}, (SELECT coalesce(json_agg(before), '[]') FROM before) AS before FROM groups g WHERE g.id = $1 AND (SELECT count(*) FROM before) >= 0 FOR NO KEY UPDATE OF g`, [g.id, [id]], true, false);
  else await pq(`SELECT ${groupCols} FROM groups g WHERE g.id = $1 FOR NO KEY UPDATE`, [g.id], true, false);
  const r = kind === 'add'
    ? await pq(`WITH changed AS (${insert}) SELECT ${changedCols} FROM changed gm`, [g.realm_id, g.id, [id]], false, false)
    : await pq(`WITH changed AS (DELETE FROM group_memberships WHERE group_id = $1 AND identity_id = ANY($2::uuid[]) RETURNING identity_id, realm_id, added_at) SELECT ${changedCols} FROM changed gm`, [g.id, [id]], false, false);
  if (r.rows.length) await pq(withAppend, appendParams(g, kind === 'add' ? 'membership.added' : 'membership.removed', id), false, true);
  else await c.query('COMMIT');
};
const appendCtes = `WITH e AS (SELECT * FROM unnest($2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::jsonb[]) WITH ORDINALITY AS e(type, identity_id, group_id, invitation_id, data, n)),
 counter AS (UPDATE realms SET last_event_seq = last_event_seq + (SELECT count(*) FROM e) WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM e) RETURNING last_event_seq),
 appended AS (INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data) SELECT $1::uuid, counter.last_event_seq - (SELECT count(*) FROM e) + e.n, clock_timestamp(), $7::jsonb, e.type, e.identity_id, e.group_id, e.invitation_id, e.data FROM counter, e RETURNING seq),
 notified AS (SELECT pg_notify('scratch', $1::uuid || ':' || max(seq)) FROM appended HAVING count(*) > 0)
 SELECT 1 FROM notified`;
export const pip2 = twoStatements(append, (g, type, id) => [g.realm_id, 1, [type], [id], [g.id], [null], ['{}'], null]);
/** pip2 with the append over eventAppendCtes (counts by subquery). */
export const pip3 = twoStatements(appendCtes, (g, type, id) => [g.realm_id, [type], [id], [g.id], [null], ['{}'], null]);
