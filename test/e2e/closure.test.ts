import { createGroup, createRealm, deleteRealm, uuidOf } from '../factories/graph';
import { closureDifferences, closureSize } from '../helpers/closure';
import { realmViolations } from '../helpers/log-invariants';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * The closure table of nested groups (group_closure, docs/decisions.md 106), kept by triggers in
 * the same statement as every write of group_nestings, checked against the closure recomputed from
 * group_nestings by a recursive CTE (test/helpers/closure.ts): after random nestings, un-nestings
 * and deletions with diamonds among them, through the cascades, and with two instances writing one
 * realm's nestings at once.
 */

let first: TestServer;
let second: TestServer;
const quiet = { runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } };
beforeAll(async () => {
  first = await startTestServer(quiet);
  second = await startTestServer({ ...quiet, db: first.db });
}, 60_000);
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const addMutation = `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { addedGroupEdges { node { id } } } }`;
const removeMutation = `mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { removedGroupIds } }`;
const deleteMutation = `mutation($input: DeleteGroupInput!) { deleteGroup(input: $input) { deletedGroupId } }`;

const nest = (parentId: string, groupIds: string[], server = first) => server.graphql(addMutation, { input: { groupId: parentId, groupIds } });
const unnest = (parentId: string, groupIds: string[], server = first) => server.graphql(removeMutation, { input: { groupId: parentId, groupIds } });

/** A small deterministic generator (mulberry32), so that a failing sequence can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)];

async function groupsOf(realmId: string, count: number, server = first): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push((await createGroup(server, realmId)).id);
  return ids;
}

/** The realm's nestings as [parent, child] global IDs. */
async function nestingsOf(realmId: string): Promise<Array<[string, string]>> {
  const rows: Array<{ parent: string; child: string }> = await first.db.dataSource.query(
    `SELECT global_id('Group', parent_id) AS parent, global_id('Group', child_id) AS child FROM group_nestings WHERE realm_id = $1 ORDER BY 1, 2`,
    [uuidOf(realmId)],
  );
  return rows.map((row) => [row.parent, row.child]);
}

const pathsOf = async (ancestorId: string, descendantId: string): Promise<number> => {
  const [row] = await first.db.dataSource.query(`SELECT paths::int AS paths FROM group_closure WHERE ancestor_id = $1 AND descendant_id = $2`, [
    uuidOf(ancestorId),
    uuidOf(descendantId),
  ]);
  return row?.paths ?? 0;
};

describe('the closure of a realm’s nestings', () => {
  test('a new group has its self row, and only that', async () => {
    const realm = await createRealm(first);
    const [a] = await groupsOf(realm.id, 1);
    expect(await pathsOf(a, a)).toBe(1);
    expect(await closureSize(first.db.dataSource, uuidOf(realm.id))).toBe(1);
  });

  test('a diamond counts its two paths; un-nesting one keeps the pair, the other drops it', async () => {
    const realm = await createRealm(first);
    const [top, left, right, bottom, below] = await groupsOf(realm.id, 5);
    await first.ok(addMutation, { input: { groupId: top, groupIds: [left, right] } });
    await first.ok(addMutation, { input: { groupId: bottom, groupIds: [below] } });
    await first.ok(addMutation, { input: { groupId: left, groupIds: [bottom] } });
    await first.ok(addMutation, { input: { groupId: right, groupIds: [bottom] } });
    expect(await pathsOf(top, bottom)).toBe(2);
    expect(await pathsOf(top, below)).toBe(2);
    expect(await closureDifferences(first.db.dataSource, uuidOf(realm.id))).toEqual([]);

    await first.ok(removeMutation, { input: { groupId: left, groupIds: [bottom] } });
    expect(await pathsOf(top, bottom)).toBe(1);
    expect(await pathsOf(top, below)).toBe(1);
    expect(await pathsOf(left, bottom)).toBe(0);
    await first.ok(removeMutation, { input: { groupId: right, groupIds: [bottom] } });
    expect(await pathsOf(top, bottom)).toBe(0);
    expect(await pathsOf(bottom, below)).toBe(1);
    expect(await closureDifferences(first.db.dataSource, uuidOf(realm.id))).toEqual([]);
  });

  test('random nestings, un-nestings and deletions, diamonds among them: always the closure recomputed from group_nestings', async () => {
    const next = random(20261207);
    const realm = await createRealm(first);
    const groups = await groupsOf(realm.id, 10);
    const outcomes = { nested: 0, cycles: 0, unnested: 0, deleted: 0 };
    for (let step = 0; step < 160; step++) {
      const roll = next();
      if (roll < 0.55) {
        // One or several children at once, under one parent.
        const parent = pick(next, groups);
        const children = [...new Set([pick(next, groups), ...(next() < 0.3 ? [pick(next, groups), pick(next, groups)] : [])])];
        const answer = await nest(parent, children);
        const code = answer.errors?.[0]?.extensions.code;
        if (code === 'GROUP_CYCLE') outcomes.cycles++;
        else {
          expect(answer.errors).toBeUndefined();
          outcomes.nested++;
        }
      } else if (roll < 0.9) {
        const nestings = await nestingsOf(realm.id);
        if (nestings.length === 0) continue;
        const [parent, child] = pick(next, nestings);
        const others = nestings.filter(([p]) => p === parent).map(([, c]) => c);
        await first.ok(removeMutation, { input: { groupId: parent, groupIds: next() < 0.3 ? others : [child] } });
        outcomes.unnested++;
      } else {
        // A group goes, with its nestings both ways; a new one takes its place.
        const victim = pick(next, groups);
        await first.ok(deleteMutation, { input: { id: victim } });
        groups[groups.indexOf(victim)] = (await createGroup(first, realm.id)).id;
        outcomes.deleted++;
      }
      if (step % 8 === 7) expect({ step, differences: await closureDifferences(first.db.dataSource, uuidOf(realm.id)) }).toEqual({ step, differences: [] });
    }
    expect(await closureDifferences(first.db.dataSource, uuidOf(realm.id))).toEqual([]);
    // The sequence did what it is for: each kind of write, cycles refused, and paths shared (diamonds).
    expect(outcomes.nested).toBeGreaterThan(20);
    expect(outcomes.cycles).toBeGreaterThan(0);
    expect(outcomes.unnested).toBeGreaterThan(20);
    expect(outcomes.deleted).toBeGreaterThan(3);
    expect(await realmViolations(first.db.dataSource, realm.id, [])).toEqual([]);
  }, 120_000);

  test('a diamond-rich history has had pairs reached by several paths', async () => {
    // Layers of 3 groups, every group nested in every group of the layer above: 3^k paths from the top.
    const realm = await createRealm(first);
    const layers = [await groupsOf(realm.id, 1), await groupsOf(realm.id, 3), await groupsOf(realm.id, 3), await groupsOf(realm.id, 1)];
    for (let l = 0; l + 1 < layers.length; l++) for (const parent of layers[l]) await first.ok(addMutation, { input: { groupId: parent, groupIds: layers[l + 1] } });
    expect(await pathsOf(layers[0][0], layers[3][0])).toBe(9);
    expect(await closureDifferences(first.db.dataSource, uuidOf(realm.id))).toEqual([]);
    // Un-nesting the middle layer's links one by one brings the count down path by path.
    await first.ok(removeMutation, { input: { groupId: layers[1][0], groupIds: layers[2] } });
    expect(await pathsOf(layers[0][0], layers[3][0])).toBe(6);
    expect(await closureDifferences(first.db.dataSource, uuidOf(realm.id))).toEqual([]);
  });
});

describe('the cascades and the database’s own refusals', () => {
  test('a group deleted straight through SQL (its nestings go by the foreign keys’ cascade) leaves the closure right', async () => {
    const realm = await createRealm(first);
    const [top, middle, bottom] = await groupsOf(realm.id, 3);
    await first.ok(addMutation, { input: { groupId: top, groupIds: [middle] } });
    await first.ok(addMutation, { input: { groupId: middle, groupIds: [bottom] } });
    await first.db.dataSource.query(`DELETE FROM groups WHERE id = $1`, [uuidOf(middle)]);
    expect(await pathsOf(top, bottom)).toBe(0);
    expect(await closureDifferences(first.db.dataSource, uuidOf(realm.id))).toEqual([]);
  });

  test('deleting a realm takes its closure with it', async () => {
    const realm = await createRealm(first);
    const [top, middle, bottom] = await groupsOf(realm.id, 3);
    await first.ok(addMutation, { input: { groupId: top, groupIds: [middle] } });
    await first.ok(addMutation, { input: { groupId: middle, groupIds: [bottom] } });
    expect(await closureSize(first.db.dataSource, uuidOf(realm.id))).toBe(6);
    await deleteRealm(first, realm.id);
    expect(await closureSize(first.db.dataSource, uuidOf(realm.id))).toBe(0);
  });

  test('a cycle written past the service is refused by the trigger: group_nestings_acyclic', async () => {
    const realm = await createRealm(first);
    const [a, b, c] = await groupsOf(realm.id, 3);
    await first.ok(addMutation, { input: { groupId: a, groupIds: [b] } });
    await first.ok(addMutation, { input: { groupId: b, groupIds: [c] } });
    await expect(
      first.db.dataSource.query(`INSERT INTO group_nestings (realm_id, parent_id, child_id) VALUES ($1, $2, $3)`, [uuidOf(realm.id), uuidOf(c), uuidOf(a)]),
    ).rejects.toMatchObject({ driverError: { code: '23514', constraint: 'group_nestings_acyclic' } });
    expect(await closureDifferences(first.db.dataSource, uuidOf(realm.id))).toEqual([]);
  });
});

describe('two instances writing one realm’s nestings at once', () => {
  test('concurrent nestings and un-nestings (diamonds among them) keep the closure right, with no deadlock', async () => {
    const before = first.deadlocks() + second.deadlocks();
    for (let trial = 0; trial < 4; trial++) {
      const realm = await createRealm(first);
      const groups = await groupsOf(realm.id, 6);
      // Six clients, three per instance, each a sequence of its own.
      const clients = [0, 1, 2, 3, 4, 5].map(async (client) => {
        const next = random(1000 * trial + client);
        const server = client % 2 ? second : first;
        for (let step = 0; step < 25; step++) {
          const parent = pick(next, groups);
          const child = pick(next, groups);
          const answer = next() < 0.65 ? await nest(parent, [child], server) : await unnest(parent, [child], server);
          const code = answer.errors?.[0]?.extensions.code;
          if (code !== undefined && code !== 'GROUP_CYCLE') throw new Error(`trial ${trial}, client ${client}, step ${step}: ${code}`);
        }
      });
      await Promise.all(clients);
      expect({ trial, differences: await closureDifferences(first.db.dataSource, uuidOf(realm.id)) }).toEqual({ trial, differences: [] });
      expect((await nestingsOf(realm.id)).length).toBeGreaterThan(0);
      expect(await realmViolations(first.db.dataSource, realm.id, [])).toEqual([]);
    }
    expect(first.deadlocks() + second.deadlocks() - before).toBe(0);
  }, 120_000);

  test('concurrent deletions of groups amid nestings keep the closure right, with no deadlock', async () => {
    const before = first.deadlocks() + second.deadlocks();
    for (let trial = 0; trial < 4; trial++) {
      const realm = await createRealm(first);
      const groups = await groupsOf(realm.id, 8);
      // A chain with a diamond: g0 ⊃ g1 ⊃ g2 ⊃ g3, g0 ⊃ g4 ⊃ g2.
      await first.ok(addMutation, { input: { groupId: groups[0], groupIds: [groups[1], groups[4]] } });
      await first.ok(addMutation, { input: { groupId: groups[1], groupIds: [groups[2]] } });
      await first.ok(addMutation, { input: { groupId: groups[4], groupIds: [groups[2]] } });
      await first.ok(addMutation, { input: { groupId: groups[2], groupIds: [groups[3]] } });
      const answers = await Promise.all([
        second.graphql(deleteMutation, { input: { id: groups[1] } }),
        nest(groups[3], [groups[5]], first),
        unnest(groups[4], [groups[2]], second),
        nest(groups[6], [groups[0]], first),
        second.graphql(deleteMutation, { input: { id: groups[2] } }),
        nest(groups[5], [groups[7]], first),
      ]);
      for (const answer of answers) expect(answer.errors).toBeUndefined();
      expect({ trial, differences: await closureDifferences(first.db.dataSource, uuidOf(realm.id)) }).toEqual({ trial, differences: [] });
      expect(await realmViolations(first.db.dataSource, realm.id, [])).toEqual([]);
    }
    expect(first.deadlocks() + second.deadlocks() - before).toBe(0);
  }, 120_000);
});
