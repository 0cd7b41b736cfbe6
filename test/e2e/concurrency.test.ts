import { createGroup, createRealm, insertIdentities } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

// A fixed pseudo-random sequence, so that a failure can be replayed.
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe('concurrent writers', () => {
  test('adds, removes and identity deletions in parallel all succeed and leave member counts exact', async () => {
    const realm = await createRealm(server);
    const identityIds = await insertIdentities(server, realm.id, 40);
    const groups: Array<{ id: string }> = [];
    // Identities 20–39 are in every group; deleting them touches the member count of all six.
    for (let g = 0; g < 6; g++) groups.push(await createGroup(server, realm.id, undefined, identityIds.slice(20)));
    const next = random(7);
    const pick = <T>(list: T[], n: number) => Array.from({ length: n }, () => list[Math.floor(next() * list.length)]);

    const operations = Array.from({ length: 60 }, (_, i) => {
      const group = pick(groups, 1)[0];
      if (i % 15 === 14) {
        return server.graphql(`mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`, { id: identityIds[20 + Math.floor(i / 15)] });
      }
      const mutation = i % 3 === 2 ? 'removeGroupMembers' : 'addGroupMembers';
      const input = mutation === 'addGroupMembers' ? 'AddGroupMembersInput' : 'RemoveGroupMembersInput';
      // Only identities that are never deleted, so that no add legitimately meets NOT_FOUND.
      return server.graphql(`mutation($input: ${input}!) { ${mutation}(input: $input) { group { memberCount } } }`, {
        input: { groupId: group.id, identityIds: [...new Set(pick(identityIds.slice(0, 14), 5))] },
      });
    });
    const results = await Promise.all(operations);
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);

    const data = await server.ok(
      `query($id: ID!) { realm(id: $id) { groups(first: 10) { edges { node { memberCount members(first: 100) { edges { node { id } } } } } } } }`,
      { id: realm.id },
    );
    for (const { node } of data.realm.groups.edges) {
      expect(node.memberCount).toBe(node.members.edges.length);
    }
  });
});
