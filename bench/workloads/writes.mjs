/**
 * W2: membership writes through the API, add/remove 50/50 with 10 % repeats of an earlier request
 * (an add of a member, a removal of a non-member: no change, no event), on groups w2-00…w2-18.
 * Afterwards the invariants: no duplicate or cross-realm membership, member_count right, and exactly
 * one event per committed change (the events' count equals what the responses reported, and
 * replaying every membership event of those groups gives the table's contents).
 *
 * Baseline: the same SQL transactions (the statements the product's service runs, taken from
 * src/membership and src/events/event-log.ts) sent straight to PostgreSQL by a pg pool of the same
 * size as the load's connections.
 */
import pg from 'pg';
import { graphqlRequest, median, measure } from '../lib/load.mjs';
import { backendPids, cpuMeter } from '../lib/proc.mjs';
import { globalId } from '../lib/queries.mjs';

const addDoc = `mutation Add($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { addedMembers { id } } }`;
const removeDoc = `mutation Remove($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { removedMembers { id } } }`;

/** The next write, add or remove 50/50, 10 % a repeat of an earlier one; the same sequence for a seed. */
export function operations(groups, identities, seed = 1) {
  let state = seed;
  const random = () => {
    // xorshift32: the same sequence on every run.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const history = [];
  return () => {
    if (history.length > 10 && random() < 0.1) return history[Math.floor(random() * history.length)];
    const op = {
      kind: random() < 0.5 ? 'add' : 'remove',
      group: groups[Math.floor(random() * groups.length)],
      identity: identities[Math.floor(random() * identities.length)],
    };
    history.push(op);
    if (history.length > 200) history.shift();
    return op;
  };
}

/** After writes since event `fromSeq`: the database's invariants, and one event per committed change (`reported`: what the responses said). */
export async function invariants(ctx, groupUuids, reported, fromSeq) {
  const db = ctx.admin;
  const [dup] = (await db.query(`SELECT count(*)::integer AS n FROM (SELECT 1 FROM group_memberships GROUP BY group_id, identity_id HAVING count(*) > 1) d`)).rows;
  const [cross] = (
    await db.query(
      `SELECT count(*)::integer AS n FROM group_memberships gm JOIN groups g ON g.id = gm.group_id JOIN identities i ON i.id = gm.identity_id
        WHERE gm.realm_id <> g.realm_id OR gm.realm_id <> i.realm_id`,
    )
  ).rows;
  const [counts] = (
    await db.query(
      `SELECT count(*)::integer AS n FROM groups g WHERE g.id = ANY($1::uuid[])
          AND g.member_count <> (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id)`,
      [groupUuids],
    )
  ).rows;
  const [events] = (
    await db.query(
      `SELECT count(*) FILTER (WHERE type = 'membership.added')::integer AS added, count(*) FILTER (WHERE type = 'membership.removed')::integer AS removed
         FROM events e JOIN realms r ON r.id = e.realm_id WHERE r.name = $1 AND e.seq > $2 AND e.group_id = ANY($3::uuid[])`,
      [ctx.realmName, fromSeq, groupUuids],
    )
  ).rows;
  // Replaying every membership event of these groups (they started empty) must give the table.
  const { rows: replay } = await db.query(
    `WITH last AS (
       SELECT DISTINCT ON (e.group_id, e.identity_id) e.group_id, e.identity_id, e.type
         FROM events e JOIN realms r ON r.id = e.realm_id
        WHERE r.name = $1 AND e.group_id = ANY($2::uuid[]) AND e.type IN ('membership.added', 'membership.removed')
        ORDER BY e.group_id, e.identity_id, e.seq DESC)
     SELECT (SELECT count(*)::integer FROM last l WHERE l.type = 'membership.added'
               AND NOT EXISTS (SELECT 1 FROM group_memberships gm WHERE gm.group_id = l.group_id AND gm.identity_id = l.identity_id)) AS missing,
            (SELECT count(*)::integer FROM group_memberships gm WHERE gm.group_id = ANY($2::uuid[])
               AND NOT EXISTS (SELECT 1 FROM last l WHERE l.group_id = gm.group_id AND l.identity_id = gm.identity_id AND l.type = 'membership.added')) AS unexplained`,
    [ctx.realmName, groupUuids],
  );
  // Two events of the same type in a row for one membership: an event without a change.
  const [repeated] = (
    await db.query(
      `SELECT count(*)::integer AS n FROM (
         SELECT e.type, lag(e.type) OVER (PARTITION BY e.group_id, e.identity_id ORDER BY e.seq) AS previous
           FROM events e JOIN realms r ON r.id = e.realm_id
          WHERE r.name = $1 AND e.group_id = ANY($2::uuid[]) AND e.type IN ('membership.added', 'membership.removed')) t
        WHERE t.type = t.previous`,
      [ctx.realmName, groupUuids],
    )
  ).rows;
  const violations = {
    duplicateMemberships: dup.n,
    crossRealmMemberships: cross.n,
    wrongMemberCounts: counts.n,
    // Replaying the events gives the table (no change without its event) and no event repeats a
    // state (no event without its change): exactly one event per committed change.
    eventsWithoutChange: repeated.n,
    replayMissing: replay[0].missing,
    replayUnexplained: replay[0].unexplained,
    // Changes the responses reported that have no event. (More events than reported changes is
    // expected: autocannon drops the requests in flight when a run ends; they commit unseen.)
    reportedWithoutEvent: Math.max(0, reported.added - events.added) + Math.max(0, reported.removed - events.removed),
  };
  const unseen = events.added + events.removed - reported.added - reported.removed;
  return { committed: reported, events, unseenCommits: unseen, violations, ok: Object.values(violations).every((v) => v === 0) };
}

export const lastSeq = async (ctx) => Number((await ctx.admin.query(`SELECT last_event_seq FROM realms WHERE name = $1`, [ctx.realmName])).rows[0].last_event_seq);

/** W2's groups (w2-00…w2-18) and 2 000 identities no read workload shows. */
export async function writeTargets(ctx) {
  const { rows: groups } = await ctx.admin.query(`SELECT id FROM groups WHERE name LIKE 'w2-%' AND name <> 'w2-19' ORDER BY name`);
  const { rows: identities } = await ctx.admin.query(
    // Identities the nested read never shows (in no group but "all", past its first page): W1
    // reads the same data however often W2 has run.
    `SELECT i.id FROM identities i JOIN realms r ON r.id = i.realm_id
      WHERE r.name = $1 AND i.username > 'user-0001000'
        AND NOT EXISTS (SELECT 1 FROM group_memberships gm JOIN groups g ON g.id = gm.group_id WHERE gm.identity_id = i.id AND g.name ~ '^g[0-9]')
      ORDER BY lower(i.username) COLLATE "C" DESC LIMIT 2000`,
    [ctx.realmName],
  );
  return { groupUuids: groups.map((g) => g.id), identityUuids: identities.map((i) => i.id) };
}

/** autocannon's `requests` for W2 through the API: the write `next()` gives, its outcome counted into `reported`. */
export function writeRequests(token, next, reported) {
  return [
    {
      ...graphqlRequest('/graphql', addDoc, {}, { authorization: `Bearer ${token}` }),
      path: '/graphql',
      setupRequest: (req) => {
        const op = next();
        const input = { groupId: globalId('Group', op.group), identityIds: [globalId('Identity', op.identity)] };
        return { ...req, body: JSON.stringify({ query: op.kind === 'add' ? addDoc : removeDoc, variables: { input } }) };
      },
      onResponse: (status, body) => {
        try {
          const data = JSON.parse(body).data;
          if (data?.addGroupMembers) reported.added += data.addGroupMembers.addedMembers.length;
          else if (data?.removeGroupMembers) reported.removed += data.removeGroupMembers.removedMembers.length;
          else reported.failed += 1;
        } catch {
          reported.failed += 1;
        }
      },
    },
  ];
}

export async function writes(ctx) {
  const { product } = ctx.peers;
  const { groupUuids, identityUuids } = await writeTargets(ctx);
  const connections = 8;
  const { duration, repeats } = ctx.profile;

  // Through the API.
  let next = operations(groupUuids, identityUuids, 7);
  const reported = { added: 0, removed: 0, failed: 0 };
  const requests = writeRequests(ctx.token, next, reported);
  let fromSeq = await lastSeq(ctx);
  ctx.log('  W2 through the API');
  // No warm-up: every request counts, so that the events can be matched with the responses.
  const api = await measure({ ...ctx.loadBase, peer: product, url: product.url('/'), requests, connections, duration, repeats, warmup: 0 });
  const apiCheck = await invariants(ctx, groupUuids, reported, fromSeq);
  ctx.log(`    ${api.rps.toFixed(0)} writes/s, p50 ${api.p50} ms; invariants ${apiCheck.ok ? 'hold' : `VIOLATED ${JSON.stringify(apiCheck.violations)}`}`);

  // The same transactions straight to PostgreSQL.
  ctx.log('  W2 raw SQL transactions');
  next = operations(groupUuids, identityUuids, 11);
  const rawReported = { added: 0, removed: 0, failed: 0 };
  fromSeq = await lastSeq(ctx);
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: connections });
  const [{ rows: [realm] }] = [await ctx.admin.query(`SELECT id FROM realms WHERE name = $1`, [ctx.realmName])];
  const transaction = async (op) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT id, realm_id, member_count FROM groups WHERE id = $1 FOR NO KEY UPDATE`, [op.group]);
      let changed;
      if (op.kind === 'add') {
        await client.query(`SELECT id, realm_id FROM identities WHERE id = ANY($1::uuid[]) FOR KEY SHARE`, [[op.identity]]);
        changed = (
          await client.query(
            `INSERT INTO group_memberships (group_id, identity_id, realm_id)
             SELECT $2, t.id, $1 FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n
             ON CONFLICT (group_id, identity_id) DO NOTHING RETURNING identity_id`,
            [realm.id, op.group, [op.identity]],
          )
        ).rows;
      } else {
        changed = (await client.query(`DELETE FROM group_memberships WHERE group_id = $1 AND identity_id = ANY($2::uuid[]) RETURNING identity_id`, [op.group, [op.identity]])).rows;
      }
      if (changed.length > 0) {
        const type = op.kind === 'add' ? 'membership.added' : 'membership.removed';
        await client.query(
          `WITH counter AS (UPDATE realms SET last_event_seq = last_event_seq + $2 WHERE id = $1 RETURNING last_event_seq),
                appended AS (
                  INSERT INTO events (realm_id, seq, occurred_at, actor, type, identity_id, group_id, data)
                  SELECT $1, counter.last_event_seq - $2 + e.n, clock_timestamp(), NULL, e.type, e.identity_id, e.group_id, '{}'::jsonb
                    FROM counter, unnest($3::text[], $4::uuid[], $5::uuid[]) WITH ORDINALITY AS e(type, identity_id, group_id, n)
                  RETURNING seq)
           SELECT pg_notify('realmgraph_events', $1 || ':' || max(seq)) FROM appended`,
          [realm.id, changed.length, changed.map(() => type), changed.map((row) => row.identity_id), changed.map(() => op.group)],
        );
      }
      await client.query('COMMIT');
      if (op.kind === 'add') rawReported.added += changed.length;
      else rawReported.removed += changed.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      rawReported.failed += 1;
    } finally {
      client.release();
    }
  };
  const rawRuns = [];
  for (let r = 0; r < repeats; r++) {
    const pids = await backendPids(ctx.admin, ctx.database);
    const meter = await cpuMeter(process.pid, pids, () => backendPids(ctx.admin, ctx.database));
    const latencies = [];
    const deadline = performance.now() + duration * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          const t = performance.now();
          await transaction(next());
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = await meter.stop();
    latencies.sort((a, b) => a - b);
    const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
    rawRuns.push({ rps: latencies.length / seconds, p50: at(50), p95: at(95), p99: at(99), pgCpuMsPerRequest: cpu.pgMs / latencies.length, clientCpuMsPerRequest: cpu.serverMs / latencies.length });
  }
  await pool.end();
  const raw = Object.fromEntries(['rps', 'p50', 'p95', 'p99', 'pgCpuMsPerRequest', 'clientCpuMsPerRequest'].map((k) => [k, median(rawRuns.map((run) => run[k]))]));
  raw.errors = rawReported.failed;
  const rawCheck = await invariants(ctx, groupUuids, rawReported, fromSeq);
  ctx.log(`    ${raw.rps.toFixed(0)} transactions/s, p50 ${raw.p50.toFixed(1)} ms; invariants ${rawCheck.ok ? 'hold' : `VIOLATED ${JSON.stringify(rawCheck.violations)}`}`);
  return { connections, api, apiCheck, raw, rawCheck };
}
