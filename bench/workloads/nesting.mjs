/**
 * W10 (issue #14): nested groups at a million identities.
 *
 * A tree in the bench's main realm: a root, 10 groups in it, 10 leaves in each (111 groups), the
 * leaves holding 90 % of the realm's identities between them (9 000 each on the full data) with
 * diamonds — a leaf also nested in a second parent, and each leaf's first tenth also members of the
 * next leaf — so that an identity reached by several paths is counted once. Memberships are written
 * by SQL (as W7 does: the setup is not what is measured), the nestings through the API.
 *
 * 1. Transitive reads of the root (90 % of the realm): `members(membership: TRANSITIVE, first: 20)`
 *    from the start and from a cursor 90 % of the way in, `transitiveMemberCount`, and one
 *    identity's `groups(membership: TRANSITIVE)`; each answer compared with SQL before timing.
 * 2. Nesting a group of the other 10 % (100 000 members on the full data) under a leaf's parent,
 *    with a TRANSITIVE watcher of the root on a second instance: the mutation's time, the rows it
 *    wrote (events, closure, nestings), and when the watcher has heard every identity enter; then
 *    the same for taking it out again.
 */
import { graphqlRequest, measure, postJson } from '../lib/load.mjs';
import { productServer } from '../lib/peers.mjs';
import { firstDifference, globalId } from '../lib/queries.mjs';
import { graphqlWsClient } from '../lib/subscribers.mjs';

async function call(peer, token, query, variables) {
  const { status, json, text } = await postJson(peer.url('/graphql'), { query, variables }, { authorization: `Bearer ${token}` });
  if (status !== 200 || json?.errors) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
  return json.data;
}

const stamp = () => Date.now().toString(36);

async function createGroup(ctx, realmId, name) {
  return (await call(ctx.peers.product, ctx.token, `mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, { input: { realmId, name } })).createGroup.group.id;
}

const nest = (ctx, parent, children) =>
  call(ctx.peers.product, ctx.token, `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, { input: { groupId: parent, groupIds: children } });

const uuidOf = (id) => Buffer.from(id, 'base64url').toString('utf8').replace(/^[A-Za-z]+:/, '');

/** Counts of the rows a nesting writes. */
async function rowCounts(ctx, realmUuid) {
  const { rows } = await ctx.admin.query(
    `SELECT (SELECT count(*) FROM events WHERE realm_id = $1)::bigint AS events,
            (SELECT count(*) FROM group_closure WHERE realm_id = $1)::bigint AS closure,
            (SELECT count(*) FROM group_nestings WHERE realm_id = $1)::bigint AS nestings`,
    [realmUuid],
  );
  return Object.fromEntries(Object.entries(rows[0]).map(([key, value]) => [key, Number(value)]));
}

async function buildTree(ctx, realm) {
  const realmId = globalId('Realm', realm.id);
  const s = stamp();
  ctx.log('  W10 building the tree (111 groups)…');
  const root = await createGroup(ctx, realmId, `w10-root-${s}`);
  const mids = [];
  const leaves = [];
  for (let m = 0; m < 10; m++) mids.push(await createGroup(ctx, realmId, `w10-mid-${m}-${s}`));
  for (let l = 0; l < 100; l++) leaves.push(await createGroup(ctx, realmId, `w10-leaf-${l}-${s}`));
  await nest(ctx, root, mids);
  for (let m = 0; m < 10; m++) await nest(ctx, mids[m], leaves.slice(m * 10, m * 10 + 10));
  // A diamond of groups: leaf 0 is also in the second mid.
  await nest(ctx, mids[1], [leaves[0]]);
  const {
    rows: [{ n }],
  } = await ctx.admin.query(`SELECT count(*)::integer AS n FROM identities WHERE realm_id = $1`, [realm.id]);
  const inTree = Math.floor(n * 0.9);
  const perLeaf = Math.floor(inTree / 100);
  ctx.log(`  W10 memberships: ${perLeaf.toLocaleString('en')} per leaf, a tenth of each also in the next leaf (SQL)…`);
  const started = performance.now();
  // The identities in ID order: leaf l holds the l-th slice, and the first tenth of the next slice.
  await ctx.admin.query(
    `WITH ordered AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM identities WHERE realm_id = $1 ORDER BY id LIMIT $2),
          leaves AS (SELECT l - 1 AS l, id FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, l))
     INSERT INTO group_memberships (group_id, identity_id, realm_id)
     SELECT leaves.id, ordered.id, $1 FROM ordered JOIN leaves ON leaves.l = ordered.k / $4
     UNION ALL
     SELECT leaves.id, ordered.id, $1 FROM ordered JOIN leaves ON leaves.l = (ordered.k / $4 + 99) % 100 WHERE ordered.k % $4 < $4 / 10`,
    [realm.id, perLeaf * 100, leaves.map(uuidOf), perLeaf],
  );
  ctx.log(`  W10 memberships written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await ctx.admin.query(`ANALYZE group_memberships`);
  return { realmId, root, mids, leaves, inTree: perLeaf * 100, perLeaf };
}

/** The transitive page the product should answer, by SQL (a recursive walk, independent of the closure table). */
async function expectedTransitive(ctx, rootUuid, afterUuid, limit) {
  const { rows } = await ctx.admin.query(
    `WITH RECURSIVE tree(id) AS (SELECT $1::uuid UNION SELECT n.child_id FROM group_nestings n JOIN tree t ON n.parent_id = t.id)
     SELECT DISTINCT global_id('Identity', m.identity_id) AS id, m.identity_id FROM group_memberships m JOIN tree t ON m.group_id = t.id
      WHERE m.identity_id > $2 ORDER BY m.identity_id LIMIT $3`,
    [rootUuid, afterUuid, limit],
  );
  return rows.map((row) => row.id);
}

const transitivePage = `query($id: ID!, $after: String) {
  node(id: $id) { ... on Group { members(membership: TRANSITIVE, first: 20, after: $after) { edges { cursor node { id } } } } }
}`;
const transitiveCount = `query($id: ID!) { node(id: $id) { ... on Group { transitiveMemberCount } } }`;
const identityGroups = `query($id: ID!) { node(id: $id) { ... on Identity { groups(membership: TRANSITIVE, first: 20) { totalCount edges { node { id } } } } } }`;

async function transitiveReads(ctx, tree) {
  const { product } = ctx.peers;
  const rootUuid = uuidOf(tree.root);
  // A cursor 90 % of the way in: the page's cursor of the identity just before it, read from a page that starts there.
  const {
    rows: [deep],
  } = await ctx.admin.query(
    `WITH RECURSIVE tree(id) AS (SELECT $1::uuid UNION SELECT n.child_id FROM group_nestings n JOIN tree t ON n.parent_id = t.id)
     SELECT m.identity_id AS id FROM group_memberships m JOIN tree t ON m.group_id = t.id GROUP BY m.identity_id ORDER BY m.identity_id OFFSET $2 LIMIT 1`,
    [rootUuid, Math.floor(tree.inTree * 0.9) - 1],
  );
  // The product's cursor for that identity, made from the first page's (bench/ANALYSIS.md says its form).
  const first = await call(product, ctx.token, transitivePage, { id: tree.root });
  const cursorOf = first.node.members.edges[0].cursor;
  const deepCursor = cursorLike(cursorOf, uuidOf(first.node.members.edges[0].node.id), deep.id);
  const cases = [
    { name: 'members(TRANSITIVE, first: 20): the first page', variables: { id: tree.root }, expected: () => expectedTransitive(ctx, rootUuid, '00000000-0000-0000-0000-000000000000', 20) },
    { name: 'members(TRANSITIVE, first: 20, after: a cursor 90 % in)', variables: { id: tree.root, after: deepCursor }, expected: () => expectedTransitive(ctx, rootUuid, deep.id, 20) },
  ];
  const out = [];
  for (const c of cases) {
    const answer = await call(product, ctx.token, transitivePage, c.variables);
    const difference = firstDifference(answer.node.members.edges.map((edge) => edge.node.id), await c.expected());
    ctx.log(`  W10 ${c.name}: ${difference ? `DIFFERS: ${difference}` : 'same answer'}`);
    const request = graphqlRequest('/graphql', transitivePage, c.variables, { authorization: `Bearer ${ctx.token}` });
    const result = await measure({ ...ctx.loadBase, peer: product, url: product.url('/'), request, connections: 4, duration: ctx.profile.shortDuration, repeats: ctx.profile.repeats, warmup: 1 });
    ctx.log(`    ${result.rps.toFixed(1)} rps, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`);
    out.push({ case: c.name, same: !difference, difference: difference ?? null, results: { realmgraph: result } });
  }
  // The exact count, and one identity's transitive groups: once each, timed end to end.
  const countStarted = performance.now();
  const counted = await call(product, ctx.token, transitiveCount, { id: tree.root });
  const countMs = performance.now() - countStarted;
  const {
    rows: [diamond],
  } = await ctx.admin.query(`SELECT identity_id AS id FROM group_memberships WHERE group_id = $1 ORDER BY identity_id LIMIT 1`, [uuidOf(tree.leaves[0])]);
  // That identity is in leaf 0 (under two mids) and in leaf 99: its transitive groups are a diamond.
  const groupsStarted = performance.now();
  const groups = await call(product, ctx.token, identityGroups, { id: globalId('Identity', diamond.id) });
  const groupsMs = performance.now() - groupsStarted;
  ctx.log(`  W10 transitiveMemberCount ${counted.node.transitiveMemberCount} (expected ${tree.inTree}) in ${countMs.toFixed(0)} ms; an identity's transitive groups: ${groups.node.groups.totalCount} in ${groupsMs.toFixed(0)} ms`);
  return { cases: out, count: { value: counted.node.transitiveMemberCount, expected: tree.inTree, ms: countMs }, identityGroups: { totalCount: groups.node.groups.totalCount, ms: groupsMs } };
}

/** The product's cursor for another identity, made as the product makes its own (the cursor of a known row, its ID replaced). */
function cursorLike(known, knownUuid, uuid) {
  const decoded = Buffer.from(known, 'base64url').toString('utf8');
  if (!decoded.includes(knownUuid)) throw new Error(`W10: the transitive cursor does not carry the identity ID (${decoded}); teach cursorLike its form`);
  return Buffer.from(decoded.replace(knownUuid, uuid)).toString('base64url');
}

async function bigNesting(ctx, realm, tree) {
  const { product } = ctx.peers;
  const {
    rows: [{ n }],
  } = await ctx.admin.query(`SELECT count(*)::integer AS n FROM identities WHERE realm_id = $1`, [realm.id]);
  const size = n - tree.inTree;
  const big = await createGroup(ctx, tree.realmId, `w10-big-${stamp()}`);
  await ctx.admin.query(
    `INSERT INTO group_memberships (group_id, identity_id, realm_id)
     SELECT $1, id, $2 FROM identities WHERE realm_id = $2 ORDER BY id OFFSET $3`,
    [uuidOf(big), realm.id, tree.inTree],
  );
  ctx.log(`  W10 a group of ${size.toLocaleString('en')} identities outside the tree, nested under a mid with a TRANSITIVE watcher of the root on a second instance`);
  const second = await productServer(ctx.root, { databaseUrl: ctx.databaseUrl, adminToken: ctx.token });
  const watcher = await graphqlWsClient(second.url('/graphql').replace('http:', 'ws:'), ctx.token, {
    query: `subscription($realmId: ID!, $groupId: ID!) { membershipChanged(realmId: $realmId, groupId: $groupId, membership: TRANSITIVE) { id type identityId cause } }`,
    variables: { realmId: tree.realmId, groupId: tree.root },
    field: 'membershipChanged',
  });
  const step = async (label, mutation) => {
    const before = await rowCounts(ctx, realm.id);
    const heardBefore = watcher.received.length;
    const t0 = performance.now();
    await mutation();
    const ms = performance.now() - t0;
    const after = await rowCounts(ctx, realm.id);
    const deadline = Date.now() + 15 * 60_000;
    let firstAt = null;
    while (watcher.received.length - heardBefore < size && Date.now() < deadline && !watcher.received.slice(heardBefore).some((m) => m.errors)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const got = watcher.received.slice(heardBefore);
    if (got.length > 0) firstAt = got[0].at - t0;
    const lastAt = got.length >= size ? got[size - 1].at - t0 : null;
    const distinct = new Set(got.map((m) => m.raw && JSON.parse(m.raw).payload.data.membershipChanged.identityId)).size;
    const errors = got.filter((m) => m.errors).map((m) => JSON.stringify(m.errors).slice(0, 200));
    const figures = {
      mutationMs: ms,
      rowsWritten: { events: after.events - before.events, closure: after.closure - before.closure, nestings: after.nestings - before.nestings },
      watcher: { expected: size, received: got.length, distinctIdentities: distinct, firstMs: firstAt, allMs: lastAt, errors },
    };
    figures.ok = got.length === size && distinct === size && errors.length === 0;
    ctx.log(
      `  W10 ${label}: mutation ${ms.toFixed(0)} ms; rows written: events ${figures.rowsWritten.events}, closure ${figures.rowsWritten.closure}, nestings ${figures.rowsWritten.nestings}; ` +
        `watcher: ${got.length}/${size} (${distinct} distinct) first after ${firstAt?.toFixed(0)} ms, all after ${lastAt === null ? '–' : (lastAt / 1000).toFixed(1) + ' s'}${errors.length ? `, errors ${errors[0]}` : ''}`,
    );
    return figures;
  };
  try {
    const nested = await step('nesting', () => nest(ctx, tree.mids[3], [big]));
    const unnested = await step('un-nesting', () =>
      call(product, ctx.token, `mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { id } } }`, { input: { groupId: tree.mids[3], groupIds: [big] } }),
    );
    return { members: size, nested, unnested };
  } finally {
    watcher.socket.terminate();
    await second.stop();
    await ctx.admin.query(`DELETE FROM group_memberships WHERE group_id = $1`, [uuidOf(big)]);
    await call(product, ctx.token, `mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: big }).catch(() => {});
  }
}

/** Removes the tree (memberships by SQL first: the deletion would otherwise log them one by one). */
async function removeTree(ctx, tree) {
  const groups = [tree.root, ...tree.mids, ...tree.leaves];
  await ctx.admin.query(`DELETE FROM group_memberships WHERE group_id = ANY($1::uuid[])`, [groups.map(uuidOf)]);
  for (const id of groups) await call(ctx.peers.product, ctx.token, `mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id }).catch(() => {});
}

export async function nestingWorkload(ctx) {
  const {
    rows: [realm],
  } = await ctx.admin.query(`SELECT id FROM realms WHERE name = $1`, [ctx.realmName]);
  const tree = await buildTree(ctx, realm);
  try {
    const reads = await transitiveReads(ctx, tree);
    const nesting = await bigNesting(ctx, realm, tree);
    return { tree: { groups: 111, inTree: tree.inTree, perLeaf: tree.perLeaf }, reads, nesting };
  } finally {
    await removeTree(ctx, tree);
  }
}
