import { createRealm, insertIdentities } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  // No background jobs: their statements, every 100 ms on the same data source, would be counted too.
  // Every request looks its token up (no token cache), so that the counts below do not depend on
  // when the token was last seen: each includes that one lookup.
  server = await startTestServer({ runJobs: false, env: { TOKEN_CACHE_TTL_MS: '0' } });
});
afterAll(() => server.close());

const nestedQuery = `query($id: ID!) {
  realm(id: $id) {
    name
    groups(first: 50) {
      totalCount
      edges { node { name memberCount
        members(first: 100) {
          totalCount
          edges { addedAt node { username
            groups(first: 10) { totalCount edges { node { name } } }
          } }
        }
      } }
    }
  }
}`;

/** A realm of `groups` groups, each with `membersPerGroup` members; every identity is in two groups. */
async function buildRealm(groups: number, membersPerGroup: number): Promise<string> {
  const realm = await createRealm(server);
  const identityIds = await insertIdentities(server, realm.id, groups * membersPerGroup);
  for (let g = 0; g < groups; g++) {
    const members = identityIds.slice(g * membersPerGroup, (g + 1) * membersPerGroup);
    const partners = identityIds.slice(((g + 1) % groups) * membersPerGroup, (((g + 1) % groups) + 1) * membersPerGroup);
    await server.ok(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, {
      input: { realmId: realm.id, name: `group-${g}`, memberIds: [...new Set([...members, ...partners.slice(0, membersPerGroup / 2)])] },
    });
  }
  return realm.id;
}

describe('the nested read realm → groups → members → groups', () => {
  test('runs the same number of SQL statements whatever the breadth of the answer', async () => {
    const small = await buildRealm(2, 4);
    const large = await buildRealm(12, 30);

    let smallAnswer: any;
    let largeAnswer: any;
    const smallCount = await server.countStatements(async () => {
      smallAnswer = await server.ok(nestedQuery, { id: small });
    });
    const largeCount = await server.countStatements(async () => {
      largeAnswer = await server.ok(nestedQuery, { id: large });
    });

    // The answers really differ in breadth...
    expect(smallAnswer.realm.groups.edges).toHaveLength(2);
    expect(largeAnswer.realm.groups.edges).toHaveLength(12);
    const largeMembers = largeAnswer.realm.groups.edges.flatMap((e: any) => e.node.members.edges);
    expect(largeMembers.length).toBe(12 * 45);
    // ...and every nested level is complete and consistent.
    for (const { node: group } of largeAnswer.realm.groups.edges) {
      expect(group.members.totalCount).toBe(group.memberCount);
      for (const { node: member } of group.members.edges) {
        expect(member.groups.edges.map((e: any) => e.node.name)).toContain(group.name);
        expect(member.groups.totalCount).toBe(member.groups.edges.length);
      }
    }
    // The token's lookup, the realm, groups page, groups count, members page (members' count is the
    // group's memberCount), the members' memberships page, the groups those name (each once) and the
    // members' group counts: eight statements, for 2 groups or 12 (seven with the token cached, as on
    // a server with the default TOKEN_CACHE_TTL_MS).
    expect(largeCount).toBe(smallCount);
    expect(largeCount).toBe(8);
  });

  test('members of many groups load with one statement per level, not one per group', async () => {
    const realm = await buildRealm(8, 6);
    const count = await server.countStatements(() =>
      server.ok(`query($id: ID!) { realm(id: $id) { groups(first: 50) { edges { node { members(first: 3) { edges { node { id } } } } } } } }`, {
        id: realm,
      }),
    );
    expect(count).toBe(4);
  });

  test('aliases of the members’ groups with different pages each get their own page, loaded with the members', async () => {
    const realm = await buildRealm(3, 4);
    const query = `query($id: ID!, $two: Int!) {
      realm(id: $id) { groups(first: 10) { edges { node { name members(first: 10) { edges { node { username
        one: groups(first: 1) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } }
        two: groups(first: $two) { edges { cursor node { name memberCount } } }
        ...more
      } } } } } } }
    }
    fragment more on Identity { groups(first: 3) { totalCount } }`;
    let answer: any;
    const count = await server.countStatements(async () => {
      answer = await server.ok(query, { id: realm, two: 2 });
    });
    const members = answer.realm.groups.edges.flatMap((e: any) => e.node.members.edges.map((m: any) => m.node));
    expect(members.length).toBeGreaterThan(0);
    // Every identity is in one or two groups (buildRealm); check those in two.
    const inTwo = members.filter((member: any) => member.groups.totalCount === 2);
    expect(inTwo.length).toBeGreaterThan(0);
    for (const member of inTwo) {
      expect(member.one.edges).toHaveLength(1);
      expect(member.two.edges).toHaveLength(2);
      expect(member.one.totalCount).toBe(2);
      // The same list, cut at different lengths: the first of `two` is `one`'s only group.
      expect(member.two.edges[0].node.name).toBe(member.one.edges[0].node.name);
      expect(member.one.pageInfo.hasNextPage).toBe(true);
      // A cursor from the prefetched page pages on like any other.
      const { realm: next } = await server.ok(
        `query($id: ID!, $after: String!) { realm(id: $id) { groups(first: 10) { edges { node { members(first: 10) { edges { node { username groups(first: 5, after: $after) { edges { node { name } } } } } } } } } } }`,
        { id: realm, after: member.one.pageInfo.endCursor },
      );
      const again = next.groups.edges.flatMap((e: any) => e.node.members.edges.map((m: any) => m.node)).find((m: any) => m.username === member.username);
      expect(again.groups.edges.map((e: any) => e.node.name)).toEqual([member.two.edges[1].node.name]);
    }
    // The token, the realm, groups, members, then per alias the memberships' page and the groups they
    // name (three aliases), and the counts (shared by `one` and the fragment): still flat.
    expect(count).toBe(11);
  });

  test('a bad page size of the members’ groups is refused at that field, not at the members that load them', async () => {
    const realm = await buildRealm(2, 2);
    const result = await server.graphql(
      `query($id: ID!) { realm(id: $id) { groups(first: 1) { edges { node { members(first: 1) { edges { node { username groups(first: -1) { totalCount } } } } } } } } }`,
      { id: realm },
    );
    expect(result.errors?.map((e: any) => [e.extensions.code, e.path])).toEqual([
      ['INVALID_INPUT', ['realm', 'groups', 'edges', 0, 'node', 'members', 'edges', 0, 'node', 'groups']],
    ]);
  });

  test('a cursor asked only through pageInfo pages on, and edges asked without cursors still come whole', async () => {
    const realm = await buildRealm(1, 6);
    const page = `query($id: ID!, $after: String) { realm(id: $id) { groups(first: 1) { edges { node {
      members(first: 4, after: $after) { pageInfo { endCursor hasNextPage } edges { node { username } } }
    } } } } }`;
    const first = (await server.ok(page, { id: realm })).realm.groups.edges[0].node.members;
    expect(first.edges).toHaveLength(4);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await server.ok(page, { id: realm, after: first.pageInfo.endCursor })).realm.groups.edges[0].node.members;
    const all = (await server.ok(`query($id: ID!) { realm(id: $id) { groups(first: 1) { edges { node {
      members(first: 10) { edges { cursor addedAt node { username } } } } } } } }`, { id: realm })).realm.groups.edges[0].node.members.edges;
    expect([...first.edges, ...second.edges].map((e: any) => e.node.username)).toEqual(all.map((e: any) => e.node.username));
    expect(all[3].cursor).toBe(first.pageInfo.endCursor);
    expect(all.every((e: any) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(e.addedAt))).toBe(true);
  });
});

describe('the nested read of a tree of groups (issue #14)', () => {
  /** `tops` groups, each with `children` member groups, each with `grandchildren` of its own; returns the tops' IDs. */
  async function buildTree(tops: number, children: number, grandchildren: number): Promise<string[]> {
    const topIds: string[] = [];
    const realm = await createRealm(server);
    const group = async (name: string) =>
      (await server.ok(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, { input: { realmId: realm.id, name } })).createGroup.group.id;
    const nest = (groupId: string, groupIds: string[]) =>
      server.ok(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, { input: { groupId, groupIds } });
    for (let t = 0; t < tops; t++) {
      const top = await group(`top-${t}`);
      topIds.push(top);
      const kids: string[] = [];
      for (let c = 0; c < children; c++) {
        const kid = await group(`child-${t}-${c}`);
        const grand: string[] = [];
        for (let g = 0; g < grandchildren; g++) grand.push(await group(`grandchild-${t}-${c}-${g}`));
        if (grand.length > 0) await nest(kid, grand);
        kids.push(kid);
      }
      if (kids.length > 0) await nest(top, kids);
    }
    return topIds;
  }

  const treeQuery = `query($ids: [ID!]!) {
    nodes(ids: $ids) { ... on Group { name
      memberGroups(first: 10) { totalCount edges { addedAt node { name
        memberGroups(first: 10) { totalCount edges { node { name parentGroups(first: 5) { totalCount edges { node { name } } } } } }
      } } }
    } }
  }`;

  test('memberGroups within memberGroups (and parentGroups below) stay one statement per level, whatever the breadth', async () => {
    const small = await buildTree(1, 1, 1);
    const large = await buildTree(3, 4, 3);
    let smallAnswer: any;
    let largeAnswer: any;
    const smallCount = await server.countStatements(async () => {
      smallAnswer = await server.ok(treeQuery, { ids: small });
    });
    const largeCount = await server.countStatements(async () => {
      largeAnswer = await server.ok(treeQuery, { ids: large });
    });
    const topsOf = (answer: any) => answer.nodes;
    expect(topsOf(largeAnswer)).toHaveLength(3);
    for (const top of topsOf(largeAnswer)) {
      expect(top.memberGroups.totalCount).toBe(4);
      for (const { node: child } of top.memberGroups.edges) {
        expect(child.memberGroups.totalCount).toBe(3);
        for (const { node: grandchild } of child.memberGroups.edges) expect(grandchild.parentGroups.edges.map((e: any) => e.node.name)).toEqual([child.name]);
      }
    }
    expect(topsOf(smallAnswer)).toHaveLength(1);
    // The token, the groups by ID (one batch), then per level a page and a count: memberGroups, memberGroups, parentGroups.
    expect(largeCount).toBe(smallCount);
    expect(largeCount).toBe(8);
  });
});

describe('the nested read of transitive lists (issue #14, decision 106)', () => {
  /**
   * A realm of `tops` trees, each a top with `children` member groups with `grandchildren` each;
   * every grandchild is nested in a second child of its top too (a diamond), and every group has two
   * members of its own, one of them also in the next group (an identity reached by several paths).
   */
  async function buildRealmOfTrees(tops: number, children: number, grandchildren: number): Promise<string> {
    const realm = await createRealm(server);
    const groupIds: string[] = [];
    const group = async (name: string) => {
      const id = (await server.ok(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, { input: { realmId: realm.id, name } })).createGroup.group.id;
      groupIds.push(id);
      return id;
    };
    const nest = (groupId: string, ids: string[]) => server.ok(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, { input: { groupId, groupIds: ids } });
    for (let t = 0; t < tops; t++) {
      const top = await group(`top-${t}`);
      const kids: string[] = [];
      const grand: string[][] = [];
      for (let c = 0; c < children; c++) {
        kids.push(await group(`child-${t}-${c}`));
        grand.push([]);
        for (let g = 0; g < grandchildren; g++) grand[c].push(await group(`grandchild-${t}-${c}-${g}`));
      }
      await nest(top, kids);
      for (let c = 0; c < children; c++) {
        await nest(kids[c], grand[c]);
        if (children > 1) await nest(kids[(c + 1) % children], grand[c]);
      }
    }
    const people = await insertIdentities(server, realm.id, groupIds.length * 2);
    for (let n = 0; n < groupIds.length; n++) {
      const members = [people[2 * n], people[2 * n + 1], ...(n + 1 < groupIds.length ? [people[2 * n + 2]] : [])];
      await server.ok(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, { input: { groupId: groupIds[n], identityIds: members } });
    }
    return realm.id;
  }

  const transitiveQuery = `query($id: ID!) {
    realm(id: $id) {
      groups(first: 100) { edges { node { name transitiveMemberCount
        members(membership: TRANSITIVE, first: 40) { totalCount edges { direct addedAt node { username
          groups(membership: TRANSITIVE, first: 10) { totalCount edges { direct addedAt node { name transitiveMemberCount } } }
        } } }
      } } }
    }
  }`;

  test('realm → groups → members(TRANSITIVE) → groups(TRANSITIVE), with transitiveMemberCount at two levels: the same statements for 1 × 1 × 1 and 3 × 4 × 3 with diamonds', async () => {
    const small = await buildRealmOfTrees(1, 1, 1);
    const large = await buildRealmOfTrees(3, 4, 3);
    let smallAnswer: any;
    let largeAnswer: any;
    const smallCount = await server.countStatements(async () => {
      smallAnswer = await server.ok(transitiveQuery, { id: small });
    });
    const largeCount = await server.countStatements(async () => {
      largeAnswer = await server.ok(transitiveQuery, { id: large });
    });
    const groupsOf = (answer: any) => answer.realm.groups.edges.map((edge: any) => edge.node);
    expect(groupsOf(smallAnswer)).toHaveLength(3);
    expect(groupsOf(largeAnswer)).toHaveLength(51);
    for (const group of groupsOf(largeAnswer)) {
      expect(group.members.totalCount).toBe(group.transitiveMemberCount);
      const usernames = group.members.edges.map((edge: any) => edge.node.username);
      expect(new Set(usernames).size).toBe(usernames.length);
      // Every member's transitive groups include this group, once.
      for (const { node: member } of group.members.edges) {
        const names = member.groups.edges.map((edge: any) => edge.node.name);
        expect(new Set(names).size).toBe(names.length);
        if (member.groups.totalCount <= 10) expect(names).toContain(group.name);
      }
    }
    // A top holds its 4 children and 12 grandchildren: 17 groups, 2 members each, chained: 35 identities.
    const top = groupsOf(largeAnswer).find((group: any) => group.name === 'top-0');
    expect(top.transitiveMemberCount).toBe(35);
    expect(top.members.edges).toHaveLength(35);
    // The token, the realm, the groups' page; the transitive members' page and their count (shared by
    // totalCount and transitiveMemberCount); the members' transitive groups' page, the groups they
    // name and their counts; the inner groups' counts were counted with the level above (same realm).
    expect(largeCount).toBe(smallCount);
    expect(largeCount).toBe(8);

    // From the tops alone, the inner groups' counts are not known yet: one statement more, for all of them.
    const topsOf = async (realmId: string) =>
      (await server.ok(`query($id: ID!) { realm(id: $id) { groups(first: 100, filter: { search: "top" }) { edges { node { id } } } } }`, { id: realmId })).realm.groups.edges.map(
        (edge: any) => edge.node.id,
      );
    const fromTops = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Group { transitiveMemberCount
      members(membership: TRANSITIVE, first: 40) { edges { node { groups(membership: TRANSITIVE, first: 20) { edges { direct node { name transitiveMemberCount } } } } } }
    } } }`;
    const [smallTops, largeTops] = [await topsOf(small), await topsOf(large)];
    expect(largeTops).toHaveLength(3);
    let fromLargeTops: any;
    const smallFromTops = await server.countStatements(() => server.ok(fromTops, { ids: smallTops }));
    const largeFromTops = await server.countStatements(async () => {
      fromLargeTops = await server.ok(fromTops, { ids: largeTops });
    });
    // The token, the groups by ID, their counts, the members' page, their groups' page, the groups, the inner counts.
    expect(largeFromTops).toBe(smallFromTops);
    expect(largeFromTops).toBe(7);
    const inner = fromLargeTops.nodes.flatMap((top: any) => top.members.edges.flatMap((edge: any) => edge.node.groups.edges.map((g: any) => g.node)));
    expect(inner.find((group: any) => group.name === 'top-0').transitiveMemberCount).toBe(35);
  });

  test('one identity’s groups, DIRECT and TRANSITIVE, come in its page’s statement (#17), and as a read of many identities gives them', async () => {
    const realm = await buildRealmOfTrees(1, 2, 2);
    const list = (membership: string) =>
      `groups(membership: ${membership}, first: 20) { totalCount edges { cursor direct addedAt node { id name description externalId memberCount version createdAt updatedAt } } pageInfo { hasNextPage endCursor } }`;
    const lists = `direct: ${list('DIRECT')} transitive: ${list('TRANSITIVE')}`;
    // Many identities at once: their groups are read in a second statement, each once.
    const many = (await server.ok(`query($id: ID!) { realm(id: $id) { identities(first: 100) { edges { node { id ${lists} } } } } }`, { id: realm })).realm.identities.edges.map(
      (edge: any) => edge.node,
    );
    expect(many.filter((identity: any) => identity.direct.edges.length > 1 && identity.transitive.edges.length > identity.direct.edges.length).length).toBeGreaterThan(0);
    for (const identity of many) {
      const { node: one } = await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { id ${lists} } } }`, { id: identity.id });
      expect(one).toEqual(identity);
    }
    const { id } = many.find((identity: any) => identity.direct.edges.length > 1);
    const onePage = (membership: string) => `query($id: ID!) { node(id: $id) { ... on Identity { groups(membership: ${membership}, first: 20) { edges { node { name } } } } } }`;
    // The token, the identity, its page with the groups it names: three statements (four before #17).
    expect(await server.countStatements(() => server.ok(onePage('DIRECT'), { id }))).toBe(3);
    expect(await server.countStatements(() => server.ok(onePage('TRANSITIVE'), { id }))).toBe(3);
  });

  test('DIRECT reads of the same trees run the statements they ran before #14’s transitive lists', async () => {
    const large = await buildRealmOfTrees(3, 4, 3);
    const count = await server.countStatements(() => server.ok(nestedQuery, { id: large }));
    // As the first test of this file: eight.
    expect(count).toBe(8);
  });
});
