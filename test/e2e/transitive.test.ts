import { createGroup, createIdentities, createIdentity, createRealm, insertIdentities, uuidOf } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Transitive reads of nested groups (issue #14, docs/decisions.md 106): Group.members(membership:
 * TRANSITIVE), Identity.groups(membership: TRANSITIVE) and Group.transitiveMemberCount — two levels,
 * diamonds counted once, paging both ways with no duplicate or gap (also across a change of the
 * tree), removal, the filter, the refused orders, the scopes.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => server.close());

const addMutation = `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`;
const removeMutation = `mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { id } } }`;
const add = (groupId: string, input: { identityIds?: string[]; groupIds?: string[] }) => server.ok(addMutation, { input: { groupId, ...input } });
const remove = (groupId: string, input: { identityIds?: string[]; groupIds?: string[] }) => server.ok(removeMutation, { input: { groupId, ...input } });

const membersQuery = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: MemberFilter) {
  node(id: $id) { ... on Group {
    transitiveMemberCount
    members(membership: TRANSITIVE, first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      edges { cursor direct addedAt node { id username } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  } }
}`;

const groupsQuery = `query($id: ID!, $first: Int, $after: String, $orderBy: IdentityGroupOrder) {
  node(id: $id) { ... on Identity {
    groups(membership: TRANSITIVE, first: $first, after: $after, orderBy: $orderBy) {
      totalCount
      edges { cursor direct addedAt node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  } }
}`;

const transitiveMembers = async (groupId: string, args: Record<string, unknown> = { first: 100 }) => (await server.ok(membersQuery, { id: groupId, ...args })).node;
const transitiveGroups = async (identityId: string, args: Record<string, unknown> = { first: 100 }) => (await server.ok(groupsQuery, { id: identityId, ...args })).node.groups;
const ids = (connection: { edges: Array<{ node: { id: string } }> }) => connection.edges.map((edge) => edge.node.id);
/** Identities in the order of a TRANSITIVE list: by their database key. */
const byKey = (globalIds: string[]) => [...new Set(globalIds)].sort((a, b) => (uuidOf(a) < uuidOf(b) ? -1 : uuidOf(a) > uuidOf(b) ? 1 : 0));

async function groups(realmId: string, names: string[]) {
  const made: Record<string, { id: string; name: string }> = {};
  for (const name of names) made[name] = await createGroup(server, realmId, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  return made;
}

describe('two levels: top ⊃ middle ⊃ leaf', () => {
  test('members(TRANSITIVE) lists everyone below, once, in ID order, saying who is direct; transitiveMemberCount counts them', async () => {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top', 'middle', 'leaf']);
    const [atTop, atMiddle, atLeaf, both] = await createIdentities(server, realm.id, 4);
    await add(g.top.id, { identityIds: [atTop.id, both.id], groupIds: [g.middle.id] });
    await add(g.middle.id, { identityIds: [atMiddle.id], groupIds: [g.leaf.id] });
    await add(g.leaf.id, { identityIds: [atLeaf.id, both.id] });

    const top = await transitiveMembers(g.top.id);
    expect(ids(top.members)).toEqual(byKey([atTop.id, atMiddle.id, atLeaf.id, both.id]));
    expect(top.members.totalCount).toBe(4);
    expect(top.transitiveMemberCount).toBe(4);
    const direct = Object.fromEntries(top.members.edges.map((edge: any) => [edge.node.id, edge.direct]));
    expect(direct).toEqual({ [atTop.id]: true, [both.id]: true, [atMiddle.id]: false, [atLeaf.id]: false });

    const middle = await transitiveMembers(g.middle.id);
    expect(ids(middle.members)).toEqual(byKey([atMiddle.id, atLeaf.id, both.id]));
    expect(middle.transitiveMemberCount).toBe(3);
    const leaf = await transitiveMembers(g.leaf.id);
    expect(ids(leaf.members)).toEqual(byKey([atLeaf.id, both.id]));
    expect(leaf.members.edges.every((edge: any) => edge.direct)).toBe(true);

    // DIRECT stays what it was: the group's own members.
    const directTop = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { memberCount members { totalCount edges { direct node { id } } } } } }`, { id: g.top.id });
    expect(directTop.node.memberCount).toBe(2);
    expect(directTop.node.members.totalCount).toBe(2);
    expect(directTop.node.members.edges.every((edge: any) => edge.direct)).toBe(true);
  });

  test('addedAt of a transitive edge: the direct membership’s when direct, else the earliest below', async () => {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top', 'left', 'right']);
    const [person] = await createIdentities(server, realm.id, 1);
    await add(g.left.id, { identityIds: [person.id] });
    await add(g.right.id, { identityIds: [person.id] });
    await add(g.top.id, { groupIds: [g.left.id, g.right.id] });
    const direct = async (groupId: string) =>
      (await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { members { edges { addedAt } } } } }`, { id: groupId })).node.members.edges[0].addedAt;
    const [left, right] = [await direct(g.left.id), await direct(g.right.id)];
    const below = (await transitiveMembers(g.top.id)).members.edges[0];
    expect(below).toMatchObject({ direct: false, addedAt: left < right ? left : right });
    await add(g.top.id, { identityIds: [person.id] });
    const atTop = await direct(g.top.id);
    expect((await transitiveMembers(g.top.id)).members.edges[0]).toMatchObject({ direct: true, addedAt: atTop });
  });

  test('Identity.groups(TRANSITIVE) lists its groups and every group above them, once, by group ID, saying which are direct', async () => {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top', 'middle', 'leaf', 'aside']);
    const [person] = await createIdentities(server, realm.id, 1);
    await add(g.top.id, { groupIds: [g.middle.id] });
    await add(g.middle.id, { groupIds: [g.leaf.id] });
    await add(g.leaf.id, { identityIds: [person.id] });
    await add(g.aside.id, { identityIds: [person.id] });

    const list = await transitiveGroups(person.id);
    expect(ids(list)).toEqual(byKey([g.top.id, g.middle.id, g.leaf.id, g.aside.id]));
    expect(list.totalCount).toBe(4);
    expect(Object.fromEntries(list.edges.map((edge: any) => [edge.node.id, edge.direct]))).toEqual({
      [g.top.id]: false,
      [g.middle.id]: false,
      [g.leaf.id]: true,
      [g.aside.id]: true,
    });
    // DIRECT: its own two.
    const direct = await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { groups { totalCount edges { direct } } } } }`, { id: person.id });
    expect(direct.node.groups.totalCount).toBe(2);
  });

  test('ordered by NAME, both ways, paged; ADDED_AT is refused for a TRANSITIVE list', async () => {
    const realm = await createRealm(server);
    const made = [];
    for (const name of ['delta', 'alpha', 'charlie', 'bravo', 'echo']) made.push(await createGroup(server, realm.id, `${name}-${Math.random().toString(36).slice(2, 6)}`));
    const [person] = await createIdentities(server, realm.id, 1);
    const [delta, alpha, charlie, bravo, echo] = made;
    await add(echo.id, { identityIds: [person.id] });
    await add(delta.id, { groupIds: [echo.id] });
    await add(alpha.id, { groupIds: [delta.id] });
    await add(charlie.id, { groupIds: [echo.id] });
    await add(bravo.id, { groupIds: [charlie.id, alpha.id] });
    const names = (list: any) => list.edges.map((edge: any) => edge.node.name.split('-')[0]);
    const page1 = await transitiveGroups(person.id, { first: 2, orderBy: { field: 'NAME', direction: 'ASC' } });
    expect(names(page1)).toEqual(['alpha', 'bravo']);
    const page2 = await transitiveGroups(person.id, { first: 10, after: page1.pageInfo.endCursor, orderBy: { field: 'NAME', direction: 'ASC' } });
    expect(names(page2)).toEqual(['charlie', 'delta', 'echo']);
    const descending = await transitiveGroups(person.id, { first: 10, orderBy: { field: 'NAME', direction: 'DESC' } });
    expect(names(descending)).toEqual(['echo', 'delta', 'charlie', 'bravo', 'alpha']);
    // bravo reaches echo by two paths (bravo → charlie → echo, bravo → alpha → delta → echo): listed once.
    expect(descending.totalCount).toBe(5);

    const refused = await server.graphql(groupsQuery, { id: person.id, first: 5, orderBy: { field: 'ADDED_AT', direction: 'ASC' } });
    expect(refused.errors?.map((error) => [error.extensions.code, error.path, error.extensions.inputPath])).toEqual([
      ['INVALID_INPUT', ['node', 'groups'], ['orderBy', 'field']],
    ]);
    // A cursor of one order is not one of the other.
    const mixed = await server.graphql(groupsQuery, { id: person.id, first: 5, after: page1.pageInfo.endCursor });
    expect(mixed.errors?.[0].extensions.code).toBe('INVALID_CURSOR');
  });
});

describe('diamonds: one identity, one group, counted once', () => {
  test('an identity reached by two paths is one member; a group reached by two paths is one group', async () => {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top', 'left', 'right', 'bottom']);
    const [twice, once] = await createIdentities(server, realm.id, 2);
    await add(g.top.id, { groupIds: [g.left.id, g.right.id] });
    await add(g.left.id, { identityIds: [twice.id], groupIds: [g.bottom.id] });
    await add(g.right.id, { groupIds: [g.bottom.id] });
    await add(g.bottom.id, { identityIds: [twice.id, once.id] });

    const top = await transitiveMembers(g.top.id);
    expect(ids(top.members)).toEqual(byKey([twice.id, once.id]));
    expect(top.members.totalCount).toBe(2);
    expect(top.transitiveMemberCount).toBe(2);
    // The bottom group is below top by two paths; twice's groups: bottom, left, right, top, each once.
    const list = await transitiveGroups(twice.id);
    expect(ids(list)).toEqual(byKey([g.top.id, g.left.id, g.right.id, g.bottom.id]));
    expect(list.totalCount).toBe(4);
    expect(list.edges.filter((edge: any) => edge.direct).map((edge: any) => edge.node.id).sort()).toEqual([g.left.id, g.bottom.id].sort());
  });
});

describe('paging a transitive list', () => {
  /** A tree of 4 groups with overlapping members; returns the top and every identity of the tree. */
  async function tree() {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top', 'a', 'b', 'c', 'outside']);
    const people = await insertIdentities(server, realm.id, 30);
    await add(g.top.id, { identityIds: people.slice(0, 5), groupIds: [g.a.id, g.b.id] });
    await add(g.a.id, { identityIds: people.slice(3, 14), groupIds: [g.c.id] });
    await add(g.b.id, { identityIds: people.slice(10, 20), groupIds: [g.c.id] });
    await add(g.c.id, { identityIds: people.slice(18, 26) });
    await add(g.outside.id, { identityIds: people.slice(26) });
    return { realm, g, people, inTree: byKey(people.slice(0, 26)) };
  }

  async function pageForward(groupId: string, size: number) {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const { members } = await transitiveMembers(groupId, { first: size, after });
      seen.push(...ids(members));
      expect(members.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!members.pageInfo.hasNextPage) return seen;
      after = members.pageInfo.endCursor;
    }
    throw new Error('no end');
  }

  async function pageBackward(groupId: string, size: number) {
    const seen: string[] = [];
    let before: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const { members } = await transitiveMembers(groupId, { last: size, before });
      seen.unshift(...ids(members));
      if (!members.pageInfo.hasPreviousPage) return seen;
      before = members.pageInfo.startCursor;
    }
    throw new Error('no end');
  }

  test('forward and backward, all the way through, with no duplicate or gap', async () => {
    const { g, inTree } = await tree();
    expect(inTree).toHaveLength(26);
    expect(await pageForward(g.top.id, 4)).toEqual(inTree);
    expect(await pageBackward(g.top.id, 4)).toEqual(inTree);
    expect(await pageForward(g.top.id, 7)).toEqual(inTree);
    const { members } = await transitiveMembers(g.top.id, { first: 3 });
    expect(members.totalCount).toBe(26);
    // A cursor is the identity's place in ID order: the page after the 10th starts at the 11th.
    const tenth = (await transitiveMembers(g.top.id, { first: 10 })).members.pageInfo.endCursor;
    expect(ids((await transitiveMembers(g.top.id, { first: 5, after: tenth })).members)).toEqual(inTree.slice(10, 15));
    expect(ids((await transitiveMembers(g.top.id, { last: 5, before: tenth })).members)).toEqual(inTree.slice(4, 9));
  });

  test('after the tree changes, pages follow the new tree; a cursor from before still pages on', async () => {
    const { g, people, inTree } = await tree();
    const firstPage = (await transitiveMembers(g.top.id, { first: 8 })).members;
    expect(ids(firstPage)).toEqual(inTree.slice(0, 8));
    // c leaves b but stays under a (a diamond loses one path); b loses its own members; outside joins.
    await remove(g.b.id, { groupIds: [g.c.id], identityIds: people.slice(10, 14) });
    await add(g.top.id, { groupIds: [g.outside.id] });
    const now = byKey([...people.slice(0, 5), ...people.slice(3, 14), ...people.slice(14, 20), ...people.slice(18, 26), ...people.slice(26)]);
    expect(await pageForward(g.top.id, 5)).toEqual(now);
    expect(await pageBackward(g.top.id, 6)).toEqual(now);
    // Paging on from the old cursor gives exactly the new tree's members after it.
    const cursorKey = uuidOf(inTree[7]);
    const rest: string[] = [];
    let after: string | null = firstPage.pageInfo.endCursor;
    for (;;) {
      const { members } = await transitiveMembers(g.top.id, { first: 5, after });
      rest.push(...ids(members));
      if (!members.pageInfo.hasNextPage) break;
      after = members.pageInfo.endCursor;
    }
    expect(rest).toEqual(now.filter((id) => uuidOf(id) > cursorKey));

    // Un-nesting a whole branch removes what only it brought.
    await remove(g.top.id, { groupIds: [g.a.id, g.b.id, g.outside.id] });
    expect(await pageForward(g.top.id, 5)).toEqual(byKey(people.slice(0, 5)));
    expect((await transitiveMembers(g.top.id)).transitiveMemberCount).toBe(5);
  });

  test('the filter applies to every group below, and to totalCount', async () => {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top', 'below']);
    const admin = await createIdentity(server, realm.id, { role: 'ADMIN', displayName: 'Zelda Admin' });
    const grantees = await createIdentities(server, realm.id, 3);
    const deepAdmin = await createIdentity(server, realm.id, { role: 'ADMIN', displayName: 'Ymir Admin' });
    await add(g.top.id, { identityIds: [admin.id, grantees[0].id], groupIds: [g.below.id] });
    await add(g.below.id, { identityIds: [grantees[1].id, grantees[2].id, deepAdmin.id, admin.id] });
    const admins = (await transitiveMembers(g.top.id, { first: 1, filter: { role: 'ADMIN' } })).members;
    expect(admins.totalCount).toBe(2);
    expect(admins.edges).toHaveLength(1);
    const rest = (await transitiveMembers(g.top.id, { first: 5, after: admins.pageInfo.endCursor, filter: { role: 'ADMIN' } })).members;
    expect([...ids(admins), ...ids(rest)]).toEqual(byKey([admin.id, deepAdmin.id]));
    const searched = (await transitiveMembers(g.top.id, { first: 10, filter: { search: 'ymir' } })).members;
    expect(ids(searched)).toEqual([deepAdmin.id]);
    expect(searched.totalCount).toBe(1);
    expect(searched.edges[0].direct).toBe(false);
  });
});

describe('refusals and scopes', () => {
  test('orderBy on a TRANSITIVE member list is INVALID_INPUT at orderBy, and the list is null', async () => {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top']);
    const answer = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on Group { name members(membership: TRANSITIVE, orderBy: { field: USERNAME }) { totalCount } } } }`,
      { id: g.top.id },
    );
    expect(answer.errors?.map((error) => [error.extensions.code, error.path, error.extensions.inputPath])).toEqual([
      ['INVALID_INPUT', ['node', 'members'], ['orderBy']],
    ]);
    expect(answer.data?.node).toEqual({ name: g.top.name, members: null });
  });

  test('a cursor of the DIRECT list is not one of the TRANSITIVE list', async () => {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top']);
    const people = await createIdentities(server, realm.id, 2);
    await add(g.top.id, { identityIds: people.map((p) => p.id) });
    const direct = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { members(first: 1) { pageInfo { endCursor } } } } }`, { id: g.top.id });
    const answer = await server.graphql(membersQuery, { id: g.top.id, first: 1, after: direct.node.members.pageInfo.endCursor });
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['after'] });
  });

  test('members(TRANSITIVE) needs identities:read and groups(TRANSITIVE) groups:read, as the direct lists', async () => {
    const realm = await createRealm(server);
    const g = await groups(realm.id, ['top', 'below']);
    const [person] = await createIdentities(server, realm.id, 1);
    await add(g.top.id, { groupIds: [g.below.id] });
    await add(g.below.id, { identityIds: [person.id] });
    const groupsOnly = await server.createToken(['groups:read']);
    const membersAnswer = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on Group { transitiveMemberCount members(membership: TRANSITIVE) { totalCount } } } }`,
      { id: g.top.id },
      { authorization: `Bearer ${groupsOnly.token}` },
    );
    expect(membersAnswer.errors?.map((error) => [error.extensions.code, error.path])).toEqual([['FORBIDDEN', ['node', 'members']]]);
    // The count, like memberCount, is the group's to read.
    expect(membersAnswer.data?.node.transitiveMemberCount).toBe(1);
    const identitiesOnly = await server.createToken(['identities:read']);
    const groupsAnswer = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on Identity { groups(membership: TRANSITIVE) { totalCount } } } }`,
      { id: person.id },
      { authorization: `Bearer ${identitiesOnly.token}` },
    );
    expect(groupsAnswer.errors?.map((error) => [error.extensions.code, error.path])).toEqual([['FORBIDDEN', ['node', 'groups']]]);
  });

  test('a token bound to a realm reads its own realm’s transitive lists and not another realm’s groups', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const g = await groups(realm.id, ['top', 'below']);
    const foreign = await groups(other.id, ['top']);
    const [person] = await createIdentities(server, realm.id, 1);
    await add(g.top.id, { groupIds: [g.below.id] });
    await add(g.below.id, { identityIds: [person.id] });
    const bound = await server.createToken(['groups:read', 'identities:read'], realm.id);
    const headers = { authorization: `Bearer ${bound.token}` };
    const own = await server.graphql(membersQuery, { id: g.top.id, first: 10 }, headers);
    expect(ids(own.data?.node.members)).toEqual([person.id]);
    const theirs = await server.graphql(membersQuery, { id: foreign.top.id, first: 10 }, headers);
    expect(theirs.data?.node).toBeNull();
  });
});
