import pg from 'pg';
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/realmgraph_bench_quick' });
await c.connect();
const { rows: [g] } = await c.query(`SELECT id, realm_id FROM groups WHERE name = 'w2-00'`);
const { rows: ids } = await c.query(`SELECT i.id FROM identities i WHERE realm_id = $1 AND NOT EXISTS (SELECT 1 FROM group_memberships gm WHERE gm.group_id = $2 AND gm.identity_id = i.id) LIMIT 1`, [g.realm_id, g.id]);
const ident = ids[0].id;
const changed = `'Identity' AS "__typename", gm.identity_id AS uuid, gm.realm_id AS "realmUuid", global_id('Identity', gm.identity_id) AS id, gm.added_at::text AS "addedAt"`;
const groupCols = `'Group' AS "__typename", g.id AS uuid, g.realm_id AS "realmUuid", g.member_count AS "memberCount", global_id('Group', g.id) AS id, g.name, g.description, g.external_id AS "externalId", g.membership_version::text AS "membershipVersion"`;
const lockIds = `SELECT i.id AS uuid, i.realm_id AS "realmUuid" FROM (SELECT DISTINCT id FROM unnest($IDS::uuid[]) AS wanted(id)) wanted JOIN identities i ON i.id = wanted.id ORDER BY i.id FOR KEY SHARE OF i`;
const stmts = {
  oldLockIdentities: [lockIds.replace('$IDS', '$1'), [[ident]]],
  oldLockGroup: [`SELECT ${groupCols} FROM groups g WHERE g.id = $1 FOR NO KEY UPDATE`, [g.id]],
  newLockBoth: [`WITH before AS MATERIALIZED (${lockIds.replace('$IDS', '$2')}) SELECT ${groupCols}, (SELECT coalesce(json_agg(before), '[]') FROM before) AS before FROM groups g WHERE g.id = $1 AND (SELECT count(*) FROM before) >= 0 FOR NO KEY UPDATE OF g`, [g.id, [ident]]],
  oldInsert: [`WITH changed AS (INSERT INTO group_memberships (group_id, identity_id, realm_id) SELECT $2, t.id, $1 FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n ON CONFLICT (group_id, identity_id) DO NOTHING RETURNING identity_id, realm_id, added_at) SELECT ${changed} FROM changed gm`, [g.realm_id, g.id, [ident]]],
  oldAppend: [`WITH counter AS (UPDATE realms SET last_event_seq = last_event_seq + $2 WHERE id = $1 RETURNING last_event_seq), appended AS (INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data) SELECT $1, counter.last_event_seq - $2 + e.n, clock_timestamp(), $8::jsonb, e.type, e.identity_id, e.group_id, e.invitation_id, e.data FROM counter, unnest($3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::jsonb[]) WITH ORDINALITY AS e(type, identity_id, group_id, invitation_id, data, n) RETURNING seq) SELECT pg_notify('x', $1 || ':' || max(seq)) FROM appended`, [g.realm_id, 1, ['membership.added'], [ident], [g.id], [null], ['{}'], null]],
  newInsertLogged: [`WITH changed AS (INSERT INTO group_memberships (group_id, identity_id, realm_id) SELECT $2, t.id, $1 FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n ON CONFLICT (group_id, identity_id) DO NOTHING RETURNING identity_id, realm_id, added_at),
     logged AS (SELECT row_number() OVER (ORDER BY array_position($3::uuid[], c.identity_id)) AS n, $5::text AS type, c.identity_id, $2::uuid AS group_id, NULL::uuid AS invitation_id, '{}'::jsonb AS data FROM changed c),
     counter AS (UPDATE realms SET last_event_seq = last_event_seq + (SELECT count(*) FROM logged) WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM logged) RETURNING last_event_seq),
     appended AS (INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, invitation_id, data) SELECT $1::uuid, counter.last_event_seq - (SELECT count(*) FROM logged) + e.n, clock_timestamp(), $4::jsonb, e.type, e.identity_id, e.group_id, e.invitation_id, e.data FROM counter, logged e RETURNING seq),
     notified AS (SELECT pg_notify('x', $1::uuid || ':' || max(seq)) FROM appended HAVING count(*) > 0)
     SELECT ${changed} FROM changed gm WHERE (SELECT count(*) FROM notified) >= 0`, [g.realm_id, g.id, [ident], null, 'membership.added']],
};
for (const [name, [sql, params]] of Object.entries(stmts)) {
  const plans = [], execs = [];
  for (let i = 0; i < 30; i++) {
    await c.query('BEGIN');
    const { rows } = await c.query(`EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) ${sql}`, params);
    await c.query('ROLLBACK');
    plans.push(rows[0]['QUERY PLAN'][0]['Planning Time']); execs.push(rows[0]['QUERY PLAN'][0]['Execution Time']);
  }
  plans.sort((a, b) => a - b); execs.sort((a, b) => a - b);
  console.log(name, 'planning p50', plans[15].toFixed(3), 'ms; execution p50', execs[15].toFixed(3), 'ms');
}
await c.end();
