import { createGroup, createIdentities, createIdentity, createRealm, uuidOf } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const groupFields = 'id name description memberCount version createdAt updatedAt realm { id }';

const createGroupMutation = `mutation($input: CreateGroupInput!) {
  createGroup(input: $input) { group { ${groupFields} members(first: 100) { totalCount edges { node { id } } } } } }`;
const updateGroupMutation = `mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { ${groupFields} } } }`;
const deleteGroupMutation = `mutation($input: DeleteGroupInput!) { deleteGroup(input: $input) { deletedGroupId } }`;

const readGroup = async (id: string) => (await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { ${groupFields} } } }`, { id })).node;

const realmGroupsQuery = `query($realmId: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: GroupFilter, $orderBy: GroupOrder) {
  realm(id: $realmId) {
    groups(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id name } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

async function realmGroups(realmId: string, args: Record<string, unknown> = {}) {
  return (await server.ok(realmGroupsQuery, { realmId, first: 100, ...args })).realm.groups;
}

async function groupNames(realmId: string, args: Record<string, unknown> = {}): Promise<string[]> {
  return (await realmGroups(realmId, args)).edges.map((edge: any) => edge.node.name);
}

/** Every group of the realm in the given order, read page by page forward, then backward. */
async function pageThrough(realmId: string, orderBy: unknown, size: number) {
  const forward: string[][] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = await realmGroups(realmId, { first: size, after, orderBy });
    forward.push(page.edges.map((edge: any) => edge.node.name));
    expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  const backward: string[][] = [];
  let before: string | null = null;
  for (;;) {
    const page: any = await realmGroups(realmId, { first: undefined, last: size, before, orderBy });
    backward.unshift(page.edges.map((edge: any) => edge.node.name));
    expect(page.pageInfo.hasNextPage).toBe(before !== null);
    if (!page.pageInfo.hasPreviousPage) break;
    before = page.pageInfo.startCursor;
  }
  return { forward, backward };
}

describe('createGroup', () => {
  test('without memberIds, the group is empty and reads back as created', async () => {
    const realm = await createRealm(server);
    const data = await server.ok(createGroupMutation, { input: { realmId: realm.id, name: '  Engineering  ', description: 'Builds things' } });
    const group = data.createGroup.group;
    expect(group).toMatchObject({
      name: 'Engineering',
      description: 'Builds things',
      memberCount: 0,
      version: 1,
      realm: { id: realm.id },
      members: { totalCount: 0, edges: [] },
    });
    expect(await readGroup(group.id)).toMatchObject({ id: group.id, name: 'Engineering', memberCount: 0 });
  });

  test('with memberIds, the group starts with those members', async () => {
    const realm = await createRealm(server);
    const [a, b, c] = await createIdentities(server, realm.id, 3);
    const data = await server.ok(createGroupMutation, { input: { realmId: realm.id, name: 'Founders', memberIds: [a.id, c.id] } });
    const group = data.createGroup.group;
    expect(group.memberCount).toBe(2);
    expect(group.members.totalCount).toBe(2);
    expect(group.members.edges.map((edge: any) => edge.node.id).sort()).toEqual([a.id, c.id].sort());

    const groupsOf = async (id: string) =>
      (await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { groups { totalCount edges { node { id } } } } } }`, { id })).node.groups;
    expect(await groupsOf(a.id)).toEqual({ totalCount: 1, edges: [{ node: { id: group.id } }] });
    expect(await groupsOf(b.id)).toEqual({ totalCount: 0, edges: [] });
  });

  test('the same identity twice in memberIds makes one membership', async () => {
    const realm = await createRealm(server);
    const [a] = await createIdentities(server, realm.id, 1);
    const data = await server.ok(createGroupMutation, { input: { realmId: realm.id, name: 'Twice', memberIds: [a.id, a.id] } });
    expect(data.createGroup.group).toMatchObject({ memberCount: 1, members: { totalCount: 1, edges: [{ node: { id: a.id } }] } });
  });

  test('names are unique in a realm, case-insensitively', async () => {
    const realm = await createRealm(server);
    const first = await createGroup(server, realm.id, 'Engineering');
    const duplicate = await server.graphql(createGroupMutation, { input: { realmId: realm.id, name: 'ENGINEERING' } });
    expect(duplicate.data).toEqual({ createGroup: null });
    expect(duplicate.errors?.[0].extensions).toMatchObject({ code: 'DUPLICATE_GROUP_NAME', inputPath: ['input', 'name'] });
    expect(await realmGroups(realm.id)).toMatchObject({ totalCount: 1, edges: [{ node: { id: first.id, name: 'Engineering' } }] });
  });

  test('the same name is allowed in another realm', async () => {
    const realmA = await createRealm(server);
    const realmB = await createRealm(server);
    const inA = await createGroup(server, realmA.id, 'Engineering');
    const inB = await createGroup(server, realmB.id, 'engineering');
    expect(inB.id).not.toBe(inA.id);
    expect(await groupNames(realmA.id)).toEqual(['Engineering']);
    expect(await groupNames(realmB.id)).toEqual(['engineering']);
  });

  test('a name is 1 to 64 characters after trimming', async () => {
    const realm = await createRealm(server);
    for (const name of ['', '   ', 'x'.repeat(65)]) {
      const result = await server.graphql(createGroupMutation, { input: { realmId: realm.id, name } });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'name'] });
    }
    expect((await realmGroups(realm.id)).totalCount).toBe(0);
    const longest = await createGroup(server, realm.id, 'x'.repeat(64));
    expect(longest.name).toBe('x'.repeat(64));
  });

  test('a description is at most 300 characters', async () => {
    const realm = await createRealm(server);
    const tooLong = await server.graphql(createGroupMutation, { input: { realmId: realm.id, name: 'Described', description: 'd'.repeat(301) } });
    expect(tooLong.errors?.[0].extensions).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'description'] });
    expect((await realmGroups(realm.id)).totalCount).toBe(0);

    const longest = await server.ok(createGroupMutation, { input: { realmId: realm.id, name: 'Described', description: 'd'.repeat(300) } });
    expect(longest.createGroup.group.description).toBe('d'.repeat(300));
  });

  test('an unknown realm is NOT_FOUND, an ID of another type is INVALID_ID', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    await server.ok(`mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: realm.id });

    const gone = await server.graphql(createGroupMutation, { input: { realmId: realm.id, name: 'Orphan' } });
    expect(gone.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'realmId'] });
    const wrongType = await server.graphql(createGroupMutation, { input: { realmId: group.id, name: 'Orphan' } });
    expect(wrongType.errors?.[0].extensions).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'realmId'] });
  });

  test('one unknown identity in memberIds creates no group at all', async () => {
    const realm = await createRealm(server);
    const [a, b, doomed] = await createIdentities(server, realm.id, 3);
    await server.ok(`mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`, { id: doomed.id });

    const result = await server.graphql(createGroupMutation, { input: { realmId: realm.id, name: 'All or nothing', memberIds: [a.id, doomed.id, b.id] } });
    expect(result.data).toEqual({ createGroup: null });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'memberIds', 1] });

    expect((await realmGroups(realm.id)).totalCount).toBe(0);
    const groupsOfA = await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { groups { totalCount } } } }`, { id: a.id });
    expect(groupsOfA.node.groups.totalCount).toBe(0);
    // Nothing was left behind that holds the name.
    expect((await createGroup(server, realm.id, 'All or nothing')).name).toBe('All or nothing');
  });

  test('an identity of another realm in memberIds is CROSS_REALM and creates no group', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const mine = await createIdentity(server, realm.id);
    const foreign = await createIdentity(server, other.id);

    const result = await server.graphql(createGroupMutation, { input: { realmId: realm.id, name: 'Mixed', memberIds: [mine.id, foreign.id] } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'CROSS_REALM', inputPath: ['input', 'memberIds', 1] });
    expect((await realmGroups(realm.id)).totalCount).toBe(0);
  });

  test('a malformed member ID is INVALID_ID and creates no group', async () => {
    const realm = await createRealm(server);
    const mine = await createIdentity(server, realm.id);

    const result = await server.graphql(createGroupMutation, { input: { realmId: realm.id, name: 'Malformed', memberIds: [mine.id, 'not-an-id'] } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'memberIds', 1] });
    expect((await realmGroups(realm.id)).totalCount).toBe(0);
  });

  test('more than 1 000 memberIds are refused as a whole', async () => {
    const realm = await createRealm(server);
    const ids = Array.from({ length: 1001 }, () => `Identity-${Math.random()}`);
    const result = await server.graphql(createGroupMutation, { input: { realmId: realm.id, name: 'Too many', memberIds: ids } });
    // Refused with the request limits, before anything runs.
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'LIST_TOO_LONG', limit: 1000, found: 1001 });
    expect((await realmGroups(realm.id)).totalCount).toBe(0);
  });
});

describe('updateGroup', () => {
  test('only the fields given change; the version goes up', async () => {
    const realm = await createRealm(server);
    const created = (await server.ok(createGroupMutation, { input: { realmId: realm.id, name: 'Ops', description: 'Keeps the lights on' } })).createGroup.group;

    const renamed = (await server.ok(updateGroupMutation, { input: { id: created.id, name: 'Operations' } })).updateGroup.group;
    expect(renamed).toMatchObject({ name: 'Operations', description: 'Keeps the lights on', version: 2, createdAt: created.createdAt });

    const described = (await server.ok(updateGroupMutation, { input: { id: created.id, description: 'On call' } })).updateGroup.group;
    expect(described).toMatchObject({ name: 'Operations', description: 'On call', version: 3 });

    expect(await readGroup(created.id)).toMatchObject({ name: 'Operations', description: 'On call', version: 3 });
  });

  test('description: null clears it, the name stays', async () => {
    const realm = await createRealm(server);
    const created = (await server.ok(createGroupMutation, { input: { realmId: realm.id, name: 'Cleared', description: 'Soon gone' } })).createGroup.group;
    const cleared = (await server.ok(updateGroupMutation, { input: { id: created.id, description: null } })).updateGroup.group;
    expect(cleared).toMatchObject({ name: 'Cleared', description: null });
  });

  test('an update does not touch the members', async () => {
    const realm = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const group = await createGroup(server, realm.id, 'Kept', [a.id, b.id]);
    const updated = (await server.ok(updateGroupMutation, { input: { id: group.id, name: 'Still kept' } })).updateGroup.group;
    expect(updated.memberCount).toBe(2);
  });

  test('a stale version is VERSION_CONFLICT and changes nothing', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'Versioned');
    await server.ok(updateGroupMutation, { input: { id: group.id, version: 1, description: 'First' } });

    const stale = await server.graphql(updateGroupMutation, { input: { id: group.id, version: 1, name: 'Lost', description: 'Lost too' } });
    expect(stale.data).toEqual({ updateGroup: null });
    expect(stale.errors?.[0].extensions).toMatchObject({ code: 'VERSION_CONFLICT', inputPath: ['input', 'version'], currentVersion: 2 });
    expect(await readGroup(group.id)).toMatchObject({ name: 'Versioned', description: 'First', version: 2 });
  });

  test('renaming onto another group’s name (any case) is refused; changing the case of its own name is not', async () => {
    const realm = await createRealm(server);
    await createGroup(server, realm.id, 'Sales');
    const group = await createGroup(server, realm.id, 'Marketing');

    const clash = await server.graphql(updateGroupMutation, { input: { id: group.id, name: 'sALES' } });
    expect(clash.errors?.[0].extensions).toMatchObject({ code: 'DUPLICATE_GROUP_NAME', inputPath: ['input', 'name'] });
    expect((await readGroup(group.id)).name).toBe('Marketing');

    const recased = (await server.ok(updateGroupMutation, { input: { id: group.id, name: 'MARKETING' } })).updateGroup.group;
    expect(recased.name).toBe('MARKETING');
  });

  test('the same limits as on creation apply', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'Limited');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: '' }, 'name'],
      [{ name: 'n'.repeat(65) }, 'name'],
      [{ description: 'd'.repeat(301) }, 'description'],
    ];
    for (const [fields, field] of cases) {
      const result = await server.graphql(updateGroupMutation, { input: { id: group.id, ...fields } });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', field] });
    }
    expect(await readGroup(group.id)).toMatchObject({ name: 'Limited', description: null, version: 1 });
  });

  test('an unknown group is NOT_FOUND', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    await server.ok(deleteGroupMutation, { input: { id: group.id } });
    const result = await server.graphql(updateGroupMutation, { input: { id: group.id, name: 'Ghost' } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'id'] });
  });
});

describe('deleteGroup', () => {
  test('removes the group and its memberships, not the identities', async () => {
    const realm = await createRealm(server);
    const [a, b] = await createIdentities(server, realm.id, 2);
    const doomed = await createGroup(server, realm.id, 'Doomed', [a.id, b.id]);
    const kept = await createGroup(server, realm.id, 'Kept', [a.id]);

    const deleted = await server.ok(deleteGroupMutation, { input: { id: doomed.id } });
    expect(deleted.deleteGroup.deletedGroupId).toBe(doomed.id);

    const after = await server.ok(
      `query($group: ID!, $a: ID!, $b: ID!, $realm: ID!) {
        group: node(id: $group) { id }
        a: node(id: $a) { id ... on Identity { groups { totalCount edges { node { id } } } } }
        b: node(id: $b) { id ... on Identity { groups { totalCount } } }
        realm(id: $realm) { groups { totalCount edges { node { id } } } }
      }`,
      { group: doomed.id, a: a.id, b: b.id, realm: realm.id },
    );
    expect(after).toEqual({
      group: null,
      a: { id: a.id, groups: { totalCount: 1, edges: [{ node: { id: kept.id } }] } },
      b: { id: b.id, groups: { totalCount: 0 } },
      realm: { groups: { totalCount: 1, edges: [{ node: { id: kept.id } }] } },
    });
    const [{ count }] = await server.db.dataSource.query(`SELECT count(*)::integer AS count FROM group_memberships WHERE group_id = $1`, [uuidOf(doomed.id)]);
    expect(count).toBe(0);
  });

  test('a second delete is NOT_FOUND', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    await server.ok(deleteGroupMutation, { input: { id: group.id } });
    const again = await server.graphql(deleteGroupMutation, { input: { id: group.id } });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'id'] });
  });

  test('an identity ID is not a group ID', async () => {
    const realm = await createRealm(server);
    const identity = await createIdentity(server, realm.id);
    const result = await server.graphql(deleteGroupMutation, { input: { id: identity.id } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'id'] });
    expect(await server.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: identity.id })).toEqual({ node: { id: identity.id } });
  });
});

describe('Realm.groups', () => {
  test('search is a case-insensitive prefix of the name', async () => {
    const realm = await createRealm(server);
    for (const name of ['Alpha', 'alphabet', 'ALPS', 'Beta', 'My alpha']) await createGroup(server, realm.id, name);

    const found = await realmGroups(realm.id, { filter: { search: 'aLp' } });
    expect(found.edges.map((edge: any) => edge.node.name)).toEqual(['Alpha', 'alphabet', 'ALPS']);
    expect(found.totalCount).toBe(3);
    expect(await groupNames(realm.id, { filter: { search: 'zzz' } })).toEqual([]);
    expect((await realmGroups(realm.id, { filter: { search: '' } })).totalCount).toBe(5);
  });

  test('% and _ in a search are plain characters', async () => {
    const realm = await createRealm(server);
    for (const name of ['a_b', 'axb', '100% sure', '1000 things']) await createGroup(server, realm.id, name);
    expect(await groupNames(realm.id, { filter: { search: 'a_' } })).toEqual(['a_b']);
    expect(await groupNames(realm.id, { filter: { search: '100%' } })).toEqual(['100% sure']);
  });

  test('a search over 64 characters is INVALID_INPUT', async () => {
    const realm = await createRealm(server);
    const result = await server.graphql(realmGroupsQuery, { realmId: realm.id, filter: { search: 's'.repeat(65) } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['filter', 'search'] });
  });

  test('by default, and with NAME, groups come by name case-insensitively', async () => {
    const realm = await createRealm(server);
    for (const name of ['delta', 'Bravo', 'charlie', 'Alpha']) await createGroup(server, realm.id, name);
    const ascending = ['Alpha', 'Bravo', 'charlie', 'delta'];
    expect(await groupNames(realm.id)).toEqual(ascending);
    expect(await groupNames(realm.id, { orderBy: { field: 'NAME' } })).toEqual(ascending);
    expect(await groupNames(realm.id, { orderBy: { field: 'NAME', direction: 'ASC' } })).toEqual(ascending);
    expect(await groupNames(realm.id, { orderBy: { field: 'NAME', direction: 'DESC' } })).toEqual([...ascending].reverse());
  });

  test('with CREATED_AT, groups come in creation order, or its reverse', async () => {
    const realm = await createRealm(server);
    const created = ['zulu', 'Alpha', 'mike', 'Bravo'];
    for (const name of created) await createGroup(server, realm.id, name);
    expect(await groupNames(realm.id, { orderBy: { field: 'CREATED_AT' } })).toEqual(created);
    expect(await groupNames(realm.id, { orderBy: { field: 'CREATED_AT', direction: 'DESC' } })).toEqual([...created].reverse());
  });

  test.each([
    ['NAME', 'ASC'],
    ['NAME', 'DESC'],
    ['CREATED_AT', 'ASC'],
    ['CREATED_AT', 'DESC'],
  ])('pages forward and backward through every group exactly once (%s %s)', async (field, direction) => {
    const realm = await createRealm(server);
    const names = ['g-e', 'G-A', 'g-g', 'g-c', 'G-F', 'g-b', 'g-d'];
    for (const name of names) await createGroup(server, realm.id, name);
    const orderBy = { field, direction };
    const all = await groupNames(realm.id, { orderBy });
    expect([...all].sort()).toEqual([...names].sort());

    const { forward, backward } = await pageThrough(realm.id, orderBy, 3);
    expect(forward.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(forward.flat()).toEqual(all);
    expect(backward.map((page) => page.length)).toEqual([1, 3, 3]);
    expect(backward.flat()).toEqual(all);
  });

  test('a cursor of one ordering is refused by another', async () => {
    const realm = await createRealm(server);
    for (const name of ['one', 'two']) await createGroup(server, realm.id, name);
    const page = await realmGroups(realm.id, { first: 1 });
    const result = await server.graphql(realmGroupsQuery, { realmId: realm.id, first: 1, after: page.pageInfo.endCursor, orderBy: { field: 'CREATED_AT' } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['after'] });
  });

  test('a realm lists only its own groups, even under the same names', async () => {
    const realmA = await createRealm(server);
    const realmB = await createRealm(server);
    const [member] = await createIdentities(server, realmB.id, 1);
    for (const name of ['Shared', 'Only A']) await createGroup(server, realmA.id, name);
    for (const name of ['Shared', 'Only B']) await createGroup(server, realmB.id, name, [member.id]);

    expect(await realmGroups(realmA.id)).toMatchObject({ totalCount: 2 });
    expect(await groupNames(realmA.id)).toEqual(['Only A', 'Shared']);
    expect(await groupNames(realmA.id, { filter: { search: 'only' } })).toEqual(['Only A']);
    expect(await groupNames(realmB.id)).toEqual(['Only B', 'Shared']);
  });

  test('a group reads back its own realm', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    expect((await readGroup(group.id)).realm.id).toBe(realm.id);
  });
});
