import { addMembers, createGroup, createIdentities, createIdentity, createRealm, insertIdentities, uuidOf } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const addMutation = `mutation($input: AddGroupMembersInput!) {
  addGroupMembers(input: $input) { group { id memberCount } addedMembers { id } } }`;
const removeMutation = `mutation($input: RemoveGroupMembersInput!) {
  removeGroupMembers(input: $input) { group { id memberCount } removedMembers { id } } }`;

const add = (groupId: string, identityIds: string[]) => server.graphql(addMutation, { input: { groupId, identityIds } });
const remove = (groupId: string, identityIds: string[]) => server.graphql(removeMutation, { input: { groupId, identityIds } });

const membersQuery = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: MemberFilter) {
  node(id: $id) {
    ... on Group {
      memberCount
      members(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
        totalCount
        edges { cursor addedAt node { id realm { id } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
}`;

async function members(groupId: string, args: Record<string, unknown> = {}) {
  return (await server.ok(membersQuery, { id: groupId, first: 100, ...args })).node.members;
}

async function memberIds(groupId: string, args: Record<string, unknown> = {}): Promise<string[]> {
  return (await members(groupId, args)).edges.map((edge: any) => edge.node.id);
}

async function memberCount(groupId: string): Promise<number> {
  return (await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { memberCount } } }`, { id: groupId })).node.memberCount;
}

async function groupsOf(identityId: string) {
  return (
    await server.ok(
      `query($id: ID!) { node(id: $id) { ... on Identity { groups(first: 100) { totalCount edges { addedAt node { id name realm { id } } } } } } }`,
      { id: identityId },
    )
  ).node.groups;
}

const ids = (refs: Array<{ id: string }>) => refs.map((ref) => ref.id);
const sorted = (values: string[]) => [...values].sort();

describe('addGroupMembers', () => {
  test('the payload lists the identities added, and the new member count', async () => {
    const realm = await createRealm(server);
    const [a, b, c] = await createIdentities(server, realm.id, 3);
    const group = await createGroup(server, realm.id);

    const result = await server.ok(addMutation, { input: { groupId: group.id, identityIds: [a.id, b.id, c.id] } });
    expect(result.addGroupMembers.group).toEqual({ id: group.id, memberCount: 3 });
    expect(sorted(ids(result.addGroupMembers.addedMembers))).toEqual(sorted([a.id, b.id, c.id]));
    expect(await memberCount(group.id)).toBe(3);
  });

  test('addedMembers lists only those that were not members yet', async () => {
    const realm = await createRealm(server);
    const [a, b, c] = await createIdentities(server, realm.id, 3);
    const group = await createGroup(server, realm.id, undefined, [a.id]);

    const result = await server.ok(addMutation, { input: { groupId: group.id, identityIds: [a.id, b.id, c.id] } });
    expect(sorted(ids(result.addGroupMembers.addedMembers))).toEqual(sorted([b.id, c.id]));
    expect(result.addGroupMembers.group.memberCount).toBe(3);
  });

  test('adding members again is not an error, lists nothing and changes nothing', async () => {
    const realm = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const group = await createGroup(server, realm.id, undefined, [a.id, b.id]);
    const before = await members(group.id);

    const again = await server.ok(addMutation, { input: { groupId: group.id, identityIds: [b.id, a.id] } });
    expect(again.addGroupMembers).toEqual({ group: { id: group.id, memberCount: 2 }, addedMembers: [] });
    expect(await members(group.id)).toEqual(before);
  });

  test('the same identity twice in one batch is added once', async () => {
    const realm = await createRealm(server);
    const [a] = await createIdentities(server, realm.id, 1);
    const group = await createGroup(server, realm.id);

    const result = await server.ok(addMutation, { input: { groupId: group.id, identityIds: [a.id, a.id] } });
    expect(result.addGroupMembers).toEqual({ group: { id: group.id, memberCount: 1 }, addedMembers: [{ id: a.id }] });
    expect(await memberIds(group.id)).toEqual([a.id]);
  });

  test('members come in the order they were added, each edge with when it joined', async () => {
    const realm = await createRealm(server);
    const [a, b, c] = await createIdentities(server, realm.id, 3);
    const group = await createGroup(server, realm.id);
    for (const identity of [c, a, b]) await addMembers(server, group.id, [identity.id]);

    const list = await members(group.id);
    expect(list.edges.map((edge: any) => edge.node.id)).toEqual([c.id, a.id, b.id]);
    const addedAt = list.edges.map((edge: any) => Date.parse(edge.addedAt));
    expect(addedAt.every((time: number) => Number.isFinite(time))).toBe(true);
    expect([...addedAt].sort((x, y) => x - y)).toEqual(addedAt);
    expect(list.totalCount).toBe(3);
  });

  test('Identity.groups lists the identity’s groups in the order it joined them, with addedAt and totalCount', async () => {
    const realm = await createRealm(server);
    const [member, bystander] = await createIdentities(server, realm.id, 2);
    const first = await createGroup(server, realm.id, 'Zeta');
    const second = await createGroup(server, realm.id, 'Alpha');
    await createGroup(server, realm.id, 'Not joined', [bystander.id]);
    await addMembers(server, first.id, [member.id]);
    await addMembers(server, second.id, [member.id, bystander.id]);

    const groups = await groupsOf(member.id);
    expect(groups.totalCount).toBe(2);
    expect(groups.edges.map((edge: any) => edge.node.name)).toEqual(['Zeta', 'Alpha']);
    for (const edge of groups.edges) expect(Number.isFinite(Date.parse(edge.addedAt))).toBe(true);

    // The addedAt on either side of a membership is the same moment.
    const asMember = (await members(second.id)).edges.find((edge: any) => edge.node.id === member.id);
    expect(groups.edges[1].addedAt).toBe(asMember.addedAt);
  });

  test('the payload’s group shows its members after the change', async () => {
    const realm = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const group = await createGroup(server, realm.id, undefined, [a.id]);

    const result = await server.ok(
      `mutation($input: AddGroupMembersInput!) {
        addGroupMembers(input: $input) { group { memberCount members { totalCount edges { node { id } } } } } }`,
      { input: { groupId: group.id, identityIds: [b.id] } },
    );
    expect(result.addGroupMembers.group).toEqual({
      memberCount: 2,
      members: { totalCount: 2, edges: [{ node: { id: a.id } }, { node: { id: b.id } }] },
    });
  });

  test('an unknown group is NOT_FOUND, a malformed one INVALID_ID', async () => {
    const realm = await createRealm(server);
    const [a] = await createIdentities(server, realm.id, 1);
    const group = await createGroup(server, realm.id);
    await server.ok(`mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: group.id });

    expect((await add(group.id, [a.id])).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'groupId'] });
    expect((await add(a.id, [a.id])).errors?.[0].extensions).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'groupId'] });
    expect((await groupsOf(a.id)).totalCount).toBe(0);
  });
});

describe('removeGroupMembers', () => {
  test('removedMembers lists only those that were members', async () => {
    const realm = await createRealm(server);
    const [a, b, c] = await createIdentities(server, realm.id, 3);
    const group = await createGroup(server, realm.id, undefined, [a.id, b.id]);

    const result = await server.ok(removeMutation, { input: { groupId: group.id, identityIds: [a.id, c.id] } });
    expect(result.removeGroupMembers).toEqual({ group: { id: group.id, memberCount: 1 }, removedMembers: [{ id: a.id }] });
    expect(await memberIds(group.id)).toEqual([b.id]);
    expect(await memberCount(group.id)).toBe(1);
    expect((await groupsOf(a.id)).totalCount).toBe(0);
  });

  test('the same identity twice in one batch is removed once', async () => {
    const realm = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const group = await createGroup(server, realm.id, undefined, [a.id, b.id]);

    const result = await server.ok(removeMutation, { input: { groupId: group.id, identityIds: [a.id, a.id] } });
    expect(result.removeGroupMembers).toEqual({ group: { id: group.id, memberCount: 1 }, removedMembers: [{ id: a.id }] });
    expect(await memberCount(group.id)).toBe(1);
  });

  test('removing only non-members is not an error and changes nothing', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const foreign = await createIdentity(server, other.id);
    const group = await createGroup(server, realm.id, undefined, [a.id]);

    const result = await server.ok(removeMutation, { input: { groupId: group.id, identityIds: [b.id, foreign.id] } });
    expect(result.removeGroupMembers).toEqual({ group: { id: group.id, memberCount: 1 }, removedMembers: [] });
    expect(await memberIds(group.id)).toEqual([a.id]);
  });

  test('a removed member can be added back', async () => {
    const realm = await createRealm(server);
    const [a] = await createIdentities(server, realm.id, 1);
    const group = await createGroup(server, realm.id, undefined, [a.id]);
    await server.ok(removeMutation, { input: { groupId: group.id, identityIds: [a.id] } });

    const back = await server.ok(addMutation, { input: { groupId: group.id, identityIds: [a.id] } });
    expect(back.addGroupMembers).toEqual({ group: { id: group.id, memberCount: 1 }, addedMembers: [{ id: a.id }] });
  });

  test('a malformed identity ID is INVALID_ID and removes nobody', async () => {
    const realm = await createRealm(server);
    const [a] = await createIdentities(server, realm.id, 1);
    const group = await createGroup(server, realm.id, undefined, [a.id]);

    const result = await remove(group.id, [a.id, 'nope']);
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'identityIds', 1] });
    expect(await memberIds(group.id)).toEqual([a.id]);
  });
});

describe('batch sizes', () => {
  test.each(['add', 'remove'] as const)('%s with no IDs is INVALID_INPUT', async (operation) => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const result = await (operation === 'add' ? add : remove)(group.id, []);
    expect(result.data).toEqual({ [`${operation}GroupMembers`]: null });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'identityIds'] });
    expect(await memberCount(group.id)).toBe(0);
  });

  test.each(['add', 'remove'] as const)('%s with 1 001 IDs is refused before it runs (LIST_TOO_LONG)', async (operation) => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const identityIds = await insertIdentities(server, realm.id, 1001);
    const result = await (operation === 'add' ? add : remove)(group.id, identityIds);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'LIST_TOO_LONG', limit: 1000, found: 1001 });
    expect(await memberCount(group.id)).toBe(0);
  });

  test('1 000 identities are added in one call, and removed in one call', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const identityIds = await insertIdentities(server, realm.id, 1000);

    const added = await server.ok(addMutation, { input: { groupId: group.id, identityIds } });
    expect(added.addGroupMembers.group.memberCount).toBe(1000);
    expect(sorted(ids(added.addGroupMembers.addedMembers))).toEqual(sorted(identityIds));
    expect((await members(group.id, { first: 1 })).totalCount).toBe(1000);

    const removed = await server.ok(removeMutation, { input: { groupId: group.id, identityIds } });
    expect(removed.removeGroupMembers.group.memberCount).toBe(0);
    expect(removed.removeGroupMembers.removedMembers).toHaveLength(1000);
    expect(await memberCount(group.id)).toBe(0);
  });
});

describe('all or nothing', () => {
  test('one identity of another realm is CROSS_REALM, and none of the batch is added', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const foreign = await createIdentity(server, other.id);
    const group = await createGroup(server, realm.id);

    const result = await add(group.id, [a.id, foreign.id, b.id]);
    expect(result.data).toEqual({ addGroupMembers: null });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'CROSS_REALM', inputPath: ['input', 'identityIds', 1] });
    expect(await memberCount(group.id)).toBe(0);
    expect(await members(group.id)).toMatchObject({ totalCount: 0, edges: [] });
  });

  test('one unknown identity is NOT_FOUND, and none of the batch is added', async () => {
    const realm = await createRealm(server);
    const [a, b, gone] = await createIdentities(server, realm.id, 3);
    await server.ok(`mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`, { id: gone.id });
    const group = await createGroup(server, realm.id);

    const result = await add(group.id, [a.id, b.id, gone.id]);
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'identityIds', 2] });
    expect(await memberCount(group.id)).toBe(0);
    expect((await groupsOf(a.id)).totalCount).toBe(0);
  });

  test.each([
    ['a malformed ID', 'not-an-id'],
    ['an ID of another type', 'group'],
  ])('%s is INVALID_ID, and none of the batch is added', async (_label, bad) => {
    const realm = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const group = await createGroup(server, realm.id);

    const result = await add(group.id, [a.id, bad === 'group' ? group.id : bad, b.id]);
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'identityIds', 1] });
    expect(await memberCount(group.id)).toBe(0);
  });

  test('a failed batch leaves earlier members as they were', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const foreign = await createIdentity(server, other.id);
    const group = await createGroup(server, realm.id, undefined, [a.id]);
    const before = await members(group.id);

    const result = await add(group.id, [b.id, foreign.id]);
    expect(result.errors?.[0].extensions.code).toBe('CROSS_REALM');
    expect(await members(group.id)).toEqual(before);
    expect(await memberCount(group.id)).toBe(1);
  });
});

describe('an identity deleted while it is being added', () => {
  /** Waits (no timer: it asks PostgreSQL) until a statement of this test database waits on a lock. */
  async function untilSomeoneWaitsOnALock(): Promise<void> {
    for (let attempt = 0; attempt < 5000; attempt++) {
      const [{ waiting }] = await server.db.dataSource.query(
        `SELECT count(*)::integer AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (waiting > 0) return;
    }
    throw new Error('No statement ever waited on a lock.');
  }

  test('is NOT_FOUND at its index, not CROSS_REALM', async () => {
    const realm = await createRealm(server);
    const [staying, leaving] = await createIdentities(server, realm.id, 2);
    const group = await createGroup(server, realm.id);

    // A deletion that has not committed yet, as a concurrent deleteIdentity would be.
    const deletion = server.db.dataSource.createQueryRunner();
    await deletion.connect();
    try {
      await deletion.startTransaction();
      await deletion.query(`DELETE FROM identities WHERE id = $1`, [uuidOf(leaving.id)]);
      const adding = add(group.id, [staying.id, leaving.id]);
      await untilSomeoneWaitsOnALock();
      await deletion.commitTransaction();

      const result = await adding;
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'identityIds', 1] });
    } finally {
      if (deletion.isTransactionActive) await deletion.rollbackTransaction();
      await deletion.release();
    }
    expect(await memberCount(group.id)).toBe(0);
  });
});

describe('Group.members', () => {
  async function groupWithVariedMembers() {
    const realm = await createRealm(server);
    const alice = await createIdentity(server, realm.id, { username: 'alice', displayName: 'Alice Admin', role: 'ADMIN' });
    const alfred = await createIdentity(server, realm.id, { username: 'alfred', displayName: 'Alfred', primaryEmail: 'fred@example.com' });
    const bob = await createIdentity(server, realm.id, { username: 'bob', displayName: 'Bob', primaryEmail: 'al.bob@example.com' });
    const carol = await createIdentity(server, realm.id, { username: 'carol', displayName: 'Carol', role: 'ADMIN' });
    const outsider = await createIdentity(server, realm.id, { username: 'alfonso', displayName: 'Alfonso' });
    await server.ok(`mutation($id: ID!) { suspendIdentity(input: { id: $id }) { identity { status } } }`, { id: bob.id });
    await server.ok(`mutation($id: ID!) { deprovisionIdentity(input: { id: $id }) { identity { status } } }`, { id: carol.id });
    const group = await createGroup(server, realm.id);
    for (const identity of [alice, alfred, bob, carol]) await addMembers(server, group.id, [identity.id]);
    return { group, alice, alfred, bob, carol, outsider };
  }

  test('search is a case-insensitive prefix of the display name, username or email', async () => {
    const { group, alice, alfred, bob } = await groupWithVariedMembers();
    const found = await members(group.id, { filter: { search: 'AL' } });
    expect(found.edges.map((edge: any) => edge.node.id)).toEqual([alice.id, alfred.id, bob.id]);
    expect(found.totalCount).toBe(3);
    expect(await memberIds(group.id, { filter: { search: 'fred@' } })).toEqual([alfred.id]);
  });

  test('status and role filter, alone and together, with a matching totalCount', async () => {
    const { group, alice, alfred, bob, carol } = await groupWithVariedMembers();
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ status: 'ACTIVE' }, [alice.id, alfred.id]],
      [{ status: 'SUSPENDED' }, [bob.id]],
      [{ status: 'DEPROVISIONED' }, [carol.id]],
      [{ role: 'ADMIN' }, [alice.id, carol.id]],
      [{ role: 'GRANTEE' }, [alfred.id, bob.id]],
      [{ role: 'ADMIN', status: 'ACTIVE' }, [alice.id]],
      [{ role: 'GRANTEE', search: 'b' }, [bob.id]],
      [{ role: 'ADMIN', status: 'SUSPENDED' }, []],
    ];
    for (const [filter, expected] of cases) {
      const page = await members(group.id, { filter });
      expect({ filter, ids: page.edges.map((edge: any) => edge.node.id), totalCount: page.totalCount }).toEqual({
        filter,
        ids: expected,
        totalCount: expected.length,
      });
    }
    expect((await members(group.id)).totalCount).toBe(4);
  });

  test('first/after and last/before page through every member exactly once', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    // Three batches: the members of one batch joined at the same moment, so order within it rests on the tie-breaker.
    const batches = [await insertIdentities(server, realm.id, 9), await insertIdentities(server, realm.id, 1), await insertIdentities(server, realm.id, 7)];
    for (const batch of batches) await addMembers(server, group.id, batch);
    const all = await memberIds(group.id);
    expect(sorted(all)).toEqual(sorted(batches.flat()));

    const forward: string[][] = [];
    for (let after: string | null = null; ; ) {
      const page: any = await members(group.id, { first: 4, after });
      forward.push(page.edges.map((edge: any) => edge.node.id));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward.map((page) => page.length)).toEqual([4, 4, 4, 4, 1]);
    expect(forward.flat()).toEqual(all);

    const backward: string[][] = [];
    for (let before: string | null = null; ; ) {
      const page: any = await members(group.id, { first: undefined, last: 4, before });
      backward.unshift(page.edges.map((edge: any) => edge.node.id));
      expect(page.pageInfo.hasNextPage).toBe(before !== null);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backward.map((page) => page.length)).toEqual([1, 4, 4, 4, 4]);
    expect(backward.flat()).toEqual(all);
  });

  test('a filtered list pages through its matches exactly once', async () => {
    const { group, alice, alfred, bob } = await groupWithVariedMembers();
    const first = await members(group.id, { first: 2, filter: { search: 'al' } });
    const second = await members(group.id, { first: 2, after: first.pageInfo.endCursor, filter: { search: 'al' } });
    expect([...first.edges, ...second.edges].map((edge: any) => edge.node.id)).toEqual([alice.id, alfred.id, bob.id]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });
});

describe('Identity.groups', () => {
  test('first/after and last/before page through every group exactly once', async () => {
    const realm = await createRealm(server);
    const [member] = await createIdentities(server, realm.id, 1);
    const joined: string[] = [(await createGroup(server, realm.id, undefined, [member.id])).id];
    for (let n = 0; n < 4; n++) {
      const group = await createGroup(server, realm.id);
      await addMembers(server, group.id, [member.id]);
      joined.push(group.id);
    }
    await createGroup(server, realm.id);

    const query = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      node(id: $id) { ... on Identity { groups(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } }`;
    const page = async (args: Record<string, unknown>) => (await server.ok(query, { id: member.id, ...args })).node.groups;

    const forward: string[] = [];
    for (let after: string | null = null; ; ) {
      const current: any = await page({ first: 2, after });
      expect(current.totalCount).toBe(5);
      forward.push(...current.edges.map((edge: any) => edge.node.id));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(forward).toEqual(joined);

    const backward: string[] = [];
    for (let before: string | null = null; ; ) {
      const current: any = await page({ last: 2, before });
      backward.unshift(...current.edges.map((edge: any) => edge.node.id));
      if (!current.pageInfo.hasPreviousPage) break;
      before = current.pageInfo.startCursor;
    }
    expect(backward).toEqual(joined);
  });
});

describe('the database as the last line of defence', () => {
  async function groupAndIdentities() {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const mine = await createIdentity(server, realm.id);
    const foreign = await createIdentity(server, other.id);
    return { realm, other, group, mine, foreign };
  }

  const insertMembership = (realmId: string, groupId: string, identityId: string) =>
    server.db.dataSource.query(`INSERT INTO group_memberships (realm_id, group_id, identity_id) VALUES ($1, $2, $3)`, [
      uuidOf(realmId),
      uuidOf(groupId),
      uuidOf(identityId),
    ]);

  test('refuses a membership of an identity of another realm (in the group’s realm)', async () => {
    const { realm, group, foreign } = await groupAndIdentities();
    await expect(insertMembership(realm.id, group.id, foreign.id)).rejects.toMatchObject({
      code: '23503',
      constraint: 'group_memberships_identity_fkey',
    });
    expect(await memberCount(group.id)).toBe(0);
  });

  test('refuses a membership of a group of another realm (in the identity’s realm)', async () => {
    const { other, group, foreign } = await groupAndIdentities();
    await expect(insertMembership(other.id, group.id, foreign.id)).rejects.toMatchObject({
      code: '23503',
      constraint: 'group_memberships_group_fkey',
    });
  });

  test('refuses a duplicate membership', async () => {
    const { realm, group, mine } = await groupAndIdentities();
    await insertMembership(realm.id, group.id, mine.id);
    await expect(insertMembership(realm.id, group.id, mine.id)).rejects.toMatchObject({ code: '23505', constraint: 'group_memberships_pkey' });
    expect(await memberCount(group.id)).toBe(1);
  });

  test('memberCount stays right when a member of several groups is deleted', async () => {
    const realm = await createRealm(server);
    const [leaving, staying] = await createIdentities(server, realm.id, 2);
    const groups = [
      await createGroup(server, realm.id, undefined, [leaving.id, staying.id]),
      await createGroup(server, realm.id, undefined, [staying.id, leaving.id]),
      await createGroup(server, realm.id, undefined, [leaving.id]),
    ];
    const untouched = await createGroup(server, realm.id, undefined, [staying.id]);

    await server.ok(`mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`, { id: leaving.id });

    for (const group of groups) {
      const list = await members(group.id, { filter: {} });
      const expected = list.edges.map((edge: any) => edge.node.id);
      expect(expected).not.toContain(leaving.id);
      expect(await memberCount(group.id)).toBe(expected.length);
    }
    expect(await Promise.all(groups.map((group) => memberCount(group.id)))).toEqual([1, 1, 0]);
    expect(await memberCount(untouched.id)).toBe(1);
  });
});

describe('cross-realm isolation', () => {
  test('a group’s members never include another realm’s identities', async () => {
    const realmA = await createRealm(server);
    const realmB = await createRealm(server);
    const [a1, a2] = await createIdentities(server, realmA.id, 2);
    const [b1, b2] = await createIdentities(server, realmB.id, 2);
    const group = await createGroup(server, realmA.id, 'Shared name', [a1.id]);
    await createGroup(server, realmB.id, 'Shared name', [b1.id, b2.id]);

    for (const foreign of [b1, b2]) {
      const result = await add(group.id, [a2.id, foreign.id]);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'CROSS_REALM', inputPath: ['input', 'identityIds', 1] });
    }
    const list = await members(group.id, { filter: { search: 'user' } });
    expect(list.edges.map((edge: any) => edge.node.id)).toEqual([a1.id]);
    expect(list.edges.every((edge: any) => edge.node.realm.id === realmA.id)).toBe(true);
    expect(list.totalCount).toBe(1);
  });

  test('Identity.groups never shows another realm’s groups', async () => {
    const realmA = await createRealm(server);
    const realmB = await createRealm(server);
    const [a] = await createIdentities(server, realmA.id, 1);
    const [b] = await createIdentities(server, realmB.id, 1);
    const groupA = await createGroup(server, realmA.id, 'Everyone', [a.id]);
    const groupB = await createGroup(server, realmB.id, 'Everyone', [b.id]);
    await createGroup(server, realmB.id, 'Also B', [b.id]);

    const groups = await groupsOf(a.id);
    expect(groups.totalCount).toBe(1);
    expect(groups.edges.map((edge: any) => edge.node)).toEqual([{ id: groupA.id, name: 'Everyone', realm: { id: realmA.id } }]);

    // Removing a's ID from B's group is a no-op, not a way into it.
    const removal = await server.ok(removeMutation, { input: { groupId: groupB.id, identityIds: [a.id] } });
    expect(removal.removeGroupMembers.removedMembers).toEqual([]);
    expect((await groupsOf(b.id)).totalCount).toBe(2);
  });
});

describe('the payload’s identities', () => {
  const identityFields = `id realm { id } displayName username primaryEmail fullName phoneNumber role status source externalId createdAt updatedAt version`;
  const addFull = `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { addedMembers { ${identityFields} } } }`;
  // Through a fragment and an alias: the write returns the columns of every field selected.
  const removeFull = `mutation($input: RemoveGroupMembersInput!) {
    removeGroupMembers(input: $input) { removedMembers { id ...Rest } alias: removedMembers { username } } }
    fragment Rest on Identity { ${identityFields.replace('id ', '')} }`;
  const read = async (id: string) => (await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { ${identityFields} } } }`, { id })).node;

  test('are the identities as a query reads them, in the order the input lists them', async () => {
    const realm = await createRealm(server);
    const [a, b, c] = await createIdentities(server, realm.id, 3);
    const group = await createGroup(server, realm.id);
    const expected = await Promise.all([c, a, b].map((identity) => read(identity.id)));

    const added = await server.ok(addFull, { input: { groupId: group.id, identityIds: [c.id, a.id, c.id, b.id] } });
    expect(added.addGroupMembers.addedMembers).toEqual(expected);
    const removed = await server.ok(removeFull, { input: { groupId: group.id, identityIds: [b.id, c.id, a.id] } });
    expect(removed.removeGroupMembers.removedMembers).toEqual([expected[2], expected[0], expected[1]]);
    expect(removed.removeGroupMembers.alias).toEqual([b, c, a].map((identity) => ({ username: identity.username })));
  });
});

describe('the payload’s edges', () => {
  const addEdges = `mutation($input: AddGroupMembersInput!) {
    addGroupMembers(input: $input) { addedEdges { cursor addedAt node { id username } } } }`;
  const removeEdges = `mutation($input: RemoveGroupMembersInput!) {
    removeGroupMembers(input: $input) { removedMemberIds removedEdges { cursor addedAt node { id } } } }`;
  const memberEdges = async (groupId: string, args: { first?: number; after?: string } = {}) =>
    (await server.ok(membersQuery, { id: groupId, first: args.first ?? 100, after: args.after })).node.members.edges;

  test('added edges are the edges Group.members then lists, cursor and addedAt alike, in input order', async () => {
    const realm = await createRealm(server);
    const [a, b, c, d] = await createIdentities(server, realm.id, 4);
    const group = await createGroup(server, realm.id, 'edges', [a.id]);

    const added = (await server.ok(addEdges, { input: { groupId: group.id, identityIds: [c.id, a.id, b.id] } })).addGroupMembers.addedEdges;
    expect(added.map((edge: any) => edge.node)).toEqual([c, b].map((identity) => ({ id: identity.id, username: identity.username })));
    const listed = new Map<string, any>((await memberEdges(group.id)).map((edge: any) => [edge.node.id, edge]));
    for (const edge of added) expect({ cursor: edge.cursor, addedAt: edge.addedAt }).toEqual({ cursor: listed.get(edge.node.id).cursor, addedAt: listed.get(edge.node.id).addedAt });

    // A client that appended them pages on from its last edge's cursor, as from the list's own.
    const [later] = (await server.ok(addEdges, { input: { groupId: group.id, identityIds: [d.id] } })).addGroupMembers.addedEdges;
    const last = [...listed.values()].at(-1) as any;
    expect((await memberEdges(group.id, { after: last.cursor })).map((edge: any) => edge.cursor)).toEqual([later.cursor]);
  });

  test('removed edges are the edges the memberships had, and removedMemberIds the IDs Relay’s @deleteEdge takes', async () => {
    const realm = await createRealm(server);
    const [a, b, c] = await createIdentities(server, realm.id, 3);
    const group = await createGroup(server, realm.id, 'leaving', [a.id, b.id, c.id]);
    const before = new Map<string, any>((await memberEdges(group.id)).map((edge: any) => [edge.node.id, edge]));

    const removed = (await server.ok(removeEdges, { input: { groupId: group.id, identityIds: [c.id, a.id, c.id, 'SWRlbnRpdHk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw'] } })).removeGroupMembers;
    expect(removed.removedMemberIds).toEqual([c.id, a.id]);
    expect(removed.removedEdges).toEqual([c, a].map((identity) => ({ cursor: before.get(identity.id).cursor, addedAt: before.get(identity.id).addedAt, node: { id: identity.id } })));
    expect((await memberEdges(group.id)).map((edge: any) => edge.node.id)).toEqual([b.id]);
  });

  test('edges need identities:read, as the member list does', async () => {
    const realm = await createRealm(server);
    const [a] = await createIdentities(server, realm.id, 1);
    const group = await createGroup(server, realm.id);
    const { token } = await server.createToken(['groups:write']);
    const answer = await server.graphql(addEdges, { input: { groupId: group.id, identityIds: [a.id] } }, { authorization: `Bearer ${token}` });
    expect(answer.errors?.[0]).toMatchObject({ path: ['addGroupMembers', 'addedEdges'], extensions: { code: 'FORBIDDEN' } });
  });
});

describe('the payload’s group', () => {
  test('is the group as a query reads it after the change, whatever the fields selected', async () => {
    const realm = await createRealm(server);
    const [a] = await createIdentities(server, realm.id, 1);
    const group = await createGroup(server, realm.id);
    const groupFields = `id name description memberCount createdAt updatedAt version realm { id }`;
    const added = await server.ok(
      `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { ...G } } } fragment G on Group { ${groupFields} }`,
      { input: { groupId: group.id, identityIds: [a.id] } },
    );
    const read = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { ${groupFields} } } }`, { id: group.id });
    expect(added.addGroupMembers.group).toEqual(read.node);
    expect(read.node.memberCount).toBe(1);
    const removed = await server.ok(`mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { name memberCount } } }`, {
      input: { groupId: group.id, identityIds: [a.id] },
    });
    expect(removed.removeGroupMembers.group).toEqual({ name: group.name, memberCount: 0 });
  });
});

describe('SQL statements per write', () => {
  // A server of its own: no background jobs whose statements would be counted, and every request
  // looks its token up (TOKEN_CACHE_TTL_MS=0), so that the counts do not depend on when the token
  // was last seen. With the token cached (src/auth/token-cache.ts), each is one statement fewer.
  let quiet: TestServer;
  beforeAll(async () => {
    quiet = await startTestServer({ runJobs: false, env: { TOKEN_CACHE_TTL_MS: '0' } });
  });
  afterAll(() => quiet.close());

  test('adding or removing a member returns the identities its write returned: no read after commit', async () => {
    const realm = await createRealm(quiet);
    const [a] = await createIdentities(quiet, realm.id, 1);
    const group = await createGroup(quiet, realm.id);
    const input = { groupId: group.id, identityIds: [a.id] };
    let added: any;
    let removed: any;

    // The token, BEGIN, the identity's lock with the group's, the insert (returning the identity),
    // the event, COMMIT; sent in three round trips (BEGIN with the locks, COMMIT with the event).
    // Before the insert returned the identity, a read after commit made it 8; before one statement
    // took both locks, 7.
    expect(await quiet.countStatements(async () => (added = await quiet.ok(addMutation, { input })))).toBe(6);
    // The token, BEGIN, the group's lock, the delete (returning the identity), the event, COMMIT
    // (three round trips: BEGIN with the lock, COMMIT with the event): was 7.
    expect(await quiet.countStatements(async () => (removed = await quiet.ok(removeMutation, { input })))).toBe(6);
    expect(added.addGroupMembers).toEqual({ group: { id: group.id, memberCount: 1 }, addedMembers: [{ id: a.id }] });
    expect(removed.removeGroupMembers).toEqual({ group: { id: group.id, memberCount: 0 }, removedMembers: [{ id: a.id }] });
  });

  test('the edges come from the same write: asking for them, with their nodes’ IDs, costs not one statement more', async () => {
    const realm = await createRealm(quiet);
    const [a] = await createIdentities(quiet, realm.id, 1);
    const group = await createGroup(quiet, realm.id);
    const input = { groupId: group.id, identityIds: [a.id] };
    const withEdges = (mutation: string, field: string) => mutation.replace(/\} \} \}$/, `} ${field} { cursor addedAt node { id } } } }`);
    expect(await quiet.countStatements(() => quiet.ok(withEdges(addMutation, 'addedEdges'), { input }))).toBe(6);
    expect(await quiet.countStatements(() => quiet.ok(withEdges(removeMutation, 'removedEdges'), { input }))).toBe(6);
  });
});
