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
    // group's memberCount), the members' groups page and their count: seven statements, for 2 groups
    // or 12 (six with the token cached, as on a server with the default TOKEN_CACHE_TTL_MS).
    expect(largeCount).toBe(smallCount);
    expect(largeCount).toBe(7);
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
});
