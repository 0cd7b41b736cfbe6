import { createGroup, createIdentities, createRealm } from '../factories/graph';
import { realmViolations, type RecordedWrite } from '../helpers/log-invariants';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Nested groups (issue #14, docs/decisions.md 104): nesting through addGroupMembers' groupIds,
 * the direct reads both ways, the refusals, deletion, and two instances racing to close a cycle.
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

const addMutation = `mutation($input: AddGroupMembersInput!) {
  addGroupMembers(input: $input) { group { id memberCount } addedMembers { id } addedGroupEdges { cursor addedAt node { id name } } } }`;
const removeMutation = `mutation($input: RemoveGroupMembersInput!) {
  removeGroupMembers(input: $input) { group { id } removedMembers { id } removedGroupEdges { node { id } } removedGroupIds } }`;

const nest = (parentId: string, groupIds: string[], server = first) => server.graphql(addMutation, { input: { groupId: parentId, groupIds } });

const nestedQuery = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  node(id: $id) { ... on Group {
    memberGroups(first: $first, after: $after, last: $last, before: $before) { totalCount edges { cursor addedAt node { id name } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } }
    parentGroups(first: 100) { totalCount edges { node { id name } } pageInfo { hasNextPage endCursor } }
  } }
}`;

const read = async (id: string, args: Record<string, unknown> = { first: 100 }) => (await first.ok(nestedQuery, { id, ...args })).node;
const idsOf = (connection: { edges: Array<{ node: { id: string } }> }) => connection.edges.map((edge) => edge.node.id);

async function groups(realmId: string, names: string[]) {
  const made = [];
  for (const name of names) made.push(await createGroup(first, realmId, `${name}-${Math.random().toString(36).slice(2, 8)}`));
  return made;
}

describe('nesting groups', () => {
  test('two levels: memberGroups and parentGroups both ways, with totalCount, the payload’s edges, and the log replayed', async () => {
    const realm = await createRealm(first);
    const [top, middle, leafA, leafB] = await groups(realm.id, ['top', 'middle', 'leafA', 'leafB']);
    const nested = await first.ok(addMutation, { input: { groupId: top.id, groupIds: [middle.id] } });
    expect(nested.addGroupMembers.addedGroupEdges.map((edge: any) => edge.node)).toEqual([{ id: middle.id, name: middle.name }]);
    expect(nested.addGroupMembers.addedMembers).toEqual([]);
    expect(nested.addGroupMembers.group.memberCount).toBe(0);
    await first.ok(addMutation, { input: { groupId: middle.id, groupIds: [leafA.id, leafB.id] } });

    const topRead = await read(top.id);
    expect(idsOf(topRead.memberGroups)).toEqual([middle.id]);
    expect(topRead.memberGroups.totalCount).toBe(1);
    expect(topRead.parentGroups.totalCount).toBe(0);
    const middleRead = await read(middle.id);
    expect(idsOf(middleRead.memberGroups).sort()).toEqual([leafA.id, leafB.id].sort());
    expect(middleRead.memberGroups.totalCount).toBe(2);
    expect(idsOf(middleRead.parentGroups)).toEqual([top.id]);
    expect(idsOf((await read(leafA.id)).parentGroups)).toEqual([middle.id]);

    // The payload's edge is the list's: same cursor.
    expect(nested.addGroupMembers.addedGroupEdges[0].cursor).toBe(topRead.memberGroups.edges[0].cursor);
    expect(await realmViolations(first.db.dataSource, realm.id, [])).toEqual([]);
  });

  test('memberGroups pages forward and backward with totalCount', async () => {
    const realm = await createRealm(first);
    const [parent, ...children] = await groups(realm.id, ['p', 'c1', 'c2', 'c3', 'c4', 'c5']);
    for (const child of children) await first.ok(addMutation, { input: { groupId: parent.id, groupIds: [child.id] } });
    const page1 = (await read(parent.id, { first: 2 })).memberGroups;
    expect(idsOf(page1)).toEqual(children.slice(0, 2).map((g) => g.id));
    expect(page1.totalCount).toBe(5);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await read(parent.id, { first: 2, after: page1.pageInfo.endCursor })).memberGroups;
    expect(idsOf(page2)).toEqual(children.slice(2, 4).map((g) => g.id));
    const last = (await read(parent.id, { last: 2 })).memberGroups;
    expect(idsOf(last)).toEqual(children.slice(3).map((g) => g.id));
    expect(last.pageInfo.hasPreviousPage).toBe(true);
  });

  test('identities and groups in one call, all or none; removal of both; nesting again lists nothing', async () => {
    const realm = await createRealm(first);
    const [parent, child] = await groups(realm.id, ['p', 'c']);
    const [a, b] = await createIdentities(first, realm.id, 2);
    const added = await first.ok(addMutation, { input: { groupId: parent.id, identityIds: [a.id, b.id], groupIds: [child.id] } });
    expect(added.addGroupMembers.group.memberCount).toBe(2);
    expect(added.addGroupMembers.addedGroupEdges).toHaveLength(1);
    const again = await first.ok(addMutation, { input: { groupId: parent.id, groupIds: [child.id] } });
    expect(again.addGroupMembers.addedGroupEdges).toEqual([]);
    const removed = await first.ok(removeMutation, { input: { groupId: parent.id, identityIds: [a.id], groupIds: [child.id] } });
    expect(removed.removeGroupMembers.removedMembers).toEqual([{ id: a.id }]);
    expect(removed.removeGroupMembers.removedGroupIds).toEqual([child.id]);
    expect(removed.removeGroupMembers.removedGroupEdges).toEqual([{ node: { id: child.id } }]);
    expect((await read(parent.id)).memberGroups.totalCount).toBe(0);
    expect(await realmViolations(first.db.dataSource, realm.id, [])).toEqual([]);
  });

  test('no IDs at all, or more than 1 000 in all, is INVALID_INPUT', async () => {
    const realm = await createRealm(first);
    const [parent, child] = await groups(realm.id, ['p', 'c']);
    expect((await first.graphql(addMutation, { input: { groupId: parent.id } })).errors?.[0].extensions.code).toBe('INVALID_INPUT');
    const many = { groupId: parent.id, identityIds: Array.from({ length: 1000 }, () => parent.id), groupIds: [child.id] };
    expect((await first.graphql(addMutation, { input: many })).errors?.[0].extensions.code).toBe('INVALID_INPUT');
  });
});

describe('cycles are refused with GROUP_CYCLE, naming the path', () => {
  test('a group in itself', async () => {
    const realm = await createRealm(first);
    const [a] = await groups(realm.id, ['A']);
    const answer = await nest(a.id, [a.id]);
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'GROUP_CYCLE', inputPath: ['input', 'groupIds', 0] });
    expect(answer.errors?.[0].message).toContain(`"${a.name}" → "${a.name}"`);
  });

  test('a 2-cycle', async () => {
    const realm = await createRealm(first);
    const [a, b] = await groups(realm.id, ['A', 'B']);
    await first.ok(addMutation, { input: { groupId: a.id, groupIds: [b.id] } });
    const answer = await nest(b.id, [a.id]);
    expect(answer.errors?.[0].extensions.code).toBe('GROUP_CYCLE');
    expect(answer.errors?.[0].message).toContain(`"${b.name}" → "${a.name}" → "${b.name}"`);
  });

  test('a 3-cycle, the whole call refused: the identities in it are not added either', async () => {
    const realm = await createRealm(first);
    const [a, b, c, d] = await groups(realm.id, ['A', 'B', 'C', 'D']);
    const [identity] = await createIdentities(first, realm.id, 1);
    await first.ok(addMutation, { input: { groupId: a.id, groupIds: [b.id] } });
    await first.ok(addMutation, { input: { groupId: b.id, groupIds: [c.id] } });
    const answer = await first.graphql(addMutation, { input: { groupId: c.id, identityIds: [identity.id], groupIds: [d.id, a.id] } });
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'GROUP_CYCLE', inputPath: ['input', 'groupIds', 1] });
    expect(answer.errors?.[0].message).toContain(`"${c.name}" → "${a.name}" → "${b.name}" → "${c.name}"`);
    const cRead = await first.ok(`query($id: ID!) { node(id: $id) { ... on Group { memberCount memberGroups { totalCount } } } }`, { id: c.id });
    expect(cRead.node).toEqual({ memberCount: 0, memberGroups: { totalCount: 0 } });
  });

  test('a diamond is not a cycle', async () => {
    const realm = await createRealm(first);
    const [a, b, c, d] = await groups(realm.id, ['A', 'B', 'C', 'D']);
    await first.ok(addMutation, { input: { groupId: a.id, groupIds: [b.id, c.id] } });
    await first.ok(addMutation, { input: { groupId: b.id, groupIds: [d.id] } });
    await first.ok(addMutation, { input: { groupId: c.id, groupIds: [d.id] } });
    expect((await read(d.id)).parentGroups.totalCount).toBe(2);
  });
});

describe('other realms and unknown groups', () => {
  test('another realm’s group is CROSS_REALM, an unknown one NOT_FOUND, an identity’s ID INVALID_ID', async () => {
    const realm = await createRealm(first);
    const other = await createRealm(first);
    const [a] = await groups(realm.id, ['A']);
    const [foreign] = await groups(other.id, ['F']);
    const [identity] = await createIdentities(first, realm.id, 1);
    expect((await nest(a.id, [foreign.id])).errors?.[0].extensions).toMatchObject({ code: 'CROSS_REALM', inputPath: ['input', 'groupIds', 0] });
    const unknown = Buffer.from('Group:00000000-0000-4000-8000-000000000000').toString('base64url');
    expect((await nest(a.id, [unknown])).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'groupIds', 0] });
    expect((await nest(a.id, [identity.id])).errors?.[0].extensions.code).toBe('INVALID_ID');
  });

  test('a token bound to one realm does not see another realm’s group: NOT_FOUND', async () => {
    const realm = await createRealm(first);
    const other = await createRealm(first);
    const [a] = await groups(realm.id, ['A']);
    const [foreign] = await groups(other.id, ['F']);
    const bound = await first.createToken(['groups:write', 'groups:read'], realm.id);
    const answer = await first.graphql(addMutation, { input: { groupId: a.id, groupIds: [foreign.id] } }, { authorization: `Bearer ${bound.token}` });
    expect(answer.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  test('reading memberGroups needs groups:read', async () => {
    const realm = await createRealm(first);
    const [a] = await groups(realm.id, ['A']);
    const reader = await first.createToken(['identities:read']);
    const answer = await first.graphql(`query($id: ID!) { node(id: $id) { ... on Group { memberGroups { totalCount } } } }`, { id: a.id }, { authorization: `Bearer ${reader.token}` });
    expect(answer.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('deleting a group', () => {
  test('ends its nestings both ways, each with a GROUP_UNNESTED before its GROUP_DELETED', async () => {
    const realm = await createRealm(first);
    const [top, middle, leaf] = await groups(realm.id, ['top', 'middle', 'leaf']);
    await first.ok(addMutation, { input: { groupId: top.id, groupIds: [middle.id] } });
    await first.ok(addMutation, { input: { groupId: middle.id, groupIds: [leaf.id] } });
    await first.ok(`mutation($input: DeleteGroupInput!) { deleteGroup(input: $input) { deletedGroupId } }`, { input: { id: middle.id } });
    expect((await read(top.id)).memberGroups.totalCount).toBe(0);
    expect((await read(leaf.id)).parentGroups.totalCount).toBe(0);
    const events = await first.ok(`query($id: ID!) { realm(id: $id) { events(last: 3) { edges { node { type data } } } } }`, { id: realm.id });
    expect(events.realm.events.edges.map((edge: any) => edge.node.type)).toEqual(['GROUP_UNNESTED', 'GROUP_UNNESTED', 'GROUP_DELETED']);
    expect(await realmViolations(first.db.dataSource, realm.id, [])).toEqual([]);
  });
});

describe('two instances racing to close a cycle', () => {
  test('A into B and B into A at once: exactly one succeeds, the other is GROUP_CYCLE, and the log is the table', async () => {
    for (let trial = 0; trial < 25; trial++) {
      const realm = await createRealm(first);
      const [a, b] = await groups(realm.id, ['A', 'B']);
      const answers = await Promise.all([nest(a.id, [b.id], first), nest(b.id, [a.id], second)]);
      const codes = answers.map((answer) => answer.errors?.[0].extensions.code ?? 'ok').sort();
      expect(codes).toEqual(['GROUP_CYCLE', 'ok']);
      const writes: RecordedWrite[] = [];
      expect(await realmViolations(first.db.dataSource, realm.id, writes)).toEqual([]);
    }
    expect(first.deadlocks() + second.deadlocks()).toBe(0);
  }, 120_000);

  test('a 4-cycle closed by two writes whose groups are disjoint (only the realm’s nesting lock orders them): one succeeds', async () => {
    for (let trial = 0; trial < 25; trial++) {
      const realm = await createRealm(first);
      const [a, b, c, d] = await groups(realm.id, ['A', 'B', 'C', 'D']);
      await first.ok(addMutation, { input: { groupId: b.id, groupIds: [c.id] } });
      await first.ok(addMutation, { input: { groupId: d.id, groupIds: [a.id] } });
      // A ⊃ B and C ⊃ D lock {A, B} and {C, D}: no row in common.
      const answers = await Promise.all([nest(a.id, [b.id], first), nest(c.id, [d.id], second)]);
      const codes = answers.map((answer) => answer.errors?.[0].extensions.code ?? 'ok').sort();
      expect(codes).toEqual(['GROUP_CYCLE', 'ok']);
      expect(await realmViolations(first.db.dataSource, realm.id, [])).toEqual([]);
    }
    expect(first.deadlocks() + second.deadlocks()).toBe(0);
  }, 120_000);

  test('nesting racing the deletion of the group nested: the log still matches the table', async () => {
    for (let trial = 0; trial < 15; trial++) {
      const realm = await createRealm(first);
      const [a, b] = await groups(realm.id, ['A', 'B']);
      const answers = await Promise.all([
        nest(a.id, [b.id], first),
        second.graphql(`mutation($input: DeleteGroupInput!) { deleteGroup(input: $input) { deletedGroupId } }`, { input: { id: b.id } }),
      ]);
      expect(answers[1].errors).toBeUndefined();
      expect(await realmViolations(first.db.dataSource, realm.id, [])).toEqual([]);
    }
  }, 120_000);
});
