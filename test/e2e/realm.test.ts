import { createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const realmFields = 'id name displayName description version createdAt updatedAt';

describe('realms', () => {
  test('a created realm can be read back by id, by name and through node', async () => {
    const data = await server.ok(
      `mutation { createRealm(input: { name: "acme-prod", displayName: "  Acme  ", description: "Production" }) { realm { ${realmFields} } } }`,
    );
    const realm = data.createRealm.realm;
    expect(realm).toMatchObject({ name: 'acme-prod', displayName: 'Acme', description: 'Production', version: 1 });

    const read = await server.ok(
      `query($id: ID!) { byId: realm(id: $id) { name } byName: realm(name: "acme-prod") { id } node(id: $id) { id ... on Realm { name } } }`,
      { id: realm.id },
    );
    expect(read).toEqual({ byId: { name: 'acme-prod' }, byName: { id: realm.id }, node: { id: realm.id, name: 'acme-prod' } });
  });

  test('realm names are unique, URL-safe and at most 63 characters', async () => {
    await createRealm(server, 'taken');
    const duplicate = await server.graphql(`mutation { createRealm(input: { name: "taken", displayName: "Again" }) { realm { id } } }`);
    expect(duplicate.errors?.[0].extensions).toMatchObject({ code: 'DUPLICATE_REALM_NAME', inputPath: ['input', 'name'] });

    for (const name of ['Has Spaces', '-leading', 'UPPER', 'a'.repeat(64), '']) {
      const result = await server.graphql(`mutation($name: String!) { createRealm(input: { name: $name, displayName: "X" }) { realm { id } } }`, { name });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'name'] });
    }
  });

  test('realm(id | name) needs exactly one of the two', async () => {
    const none = await server.graphql(`{ realm { id } }`);
    expect(none.errors?.[0].extensions.code).toBe('INVALID_INPUT');
    const unknown = await server.ok(`{ realm(name: "no-such-realm") { id } }`);
    expect(unknown.realm).toBeNull();
  });

  test('an update with a stale version is refused and changes nothing', async () => {
    const realm = await createRealm(server);
    const first = await server.ok(
      `mutation($id: ID!) { updateRealm(input: { id: $id, version: 1, displayName: "Renamed" }) { realm { displayName version } } }`,
      { id: realm.id },
    );
    expect(first.updateRealm.realm).toEqual({ displayName: 'Renamed', version: 2 });

    const stale = await server.graphql(`mutation($id: ID!) { updateRealm(input: { id: $id, version: 1, displayName: "Lost" }) { realm { id } } }`, {
      id: realm.id,
    });
    expect(stale.errors?.[0].extensions).toMatchObject({ code: 'VERSION_CONFLICT', inputPath: ['input', 'version'], currentVersion: 2 });
    const after = await server.ok(`query($id: ID!) { realm(id: $id) { displayName version } }`, { id: realm.id });
    expect(after.realm).toEqual({ displayName: 'Renamed', version: 2 });
  });

  test('omitted fields stay, null clears a nullable one', async () => {
    const realm = await createRealm(server);
    await server.ok(`mutation($id: ID!) { updateRealm(input: { id: $id, description: "Set" }) { realm { id } } }`, { id: realm.id });
    const cleared = await server.ok(`mutation($id: ID!) { updateRealm(input: { id: $id, description: null }) { realm { description name } } }`, {
      id: realm.id,
    });
    expect(cleared.updateRealm.realm).toEqual({ description: null, name: realm.name });
  });

  test('deleting a realm removes it; a second delete finds nothing', async () => {
    const realm = await createRealm(server);
    const deleted = await server.ok(`mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: realm.id });
    expect(deleted.deleteRealm.deletedRealmId).toBe(realm.id);
    expect((await server.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: realm.id })).node).toBeNull();
    const again = await server.graphql(`mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: realm.id });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'id'] });
  });

  test('realms pages forward and backward by name', async () => {
    const names = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
    for (const name of names) await createRealm(server, name);
    const query = `query($first: Int, $after: String, $last: Int, $before: String) {
      realms(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const all = (await server.ok(query, { first: 100 })).realms;
    const pageNames = all.edges.map((e: any) => e.node.name).filter((n: string) => n.startsWith('page-'));
    expect(pageNames).toEqual(names);
    expect(all.totalCount).toBe(all.edges.length);

    const start = all.edges.findIndex((e: any) => e.node.name === 'page-a');
    const second = (await server.ok(query, { first: 2, after: all.edges[start].cursor })).realms;
    expect(second.edges.map((e: any) => e.node.name)).toEqual(['page-b', 'page-c']);
    expect(second.pageInfo).toMatchObject({ hasPreviousPage: true });

    const back = (await server.ok(query, { last: 2, before: second.pageInfo.startCursor })).realms;
    expect(back.edges.map((e: any) => e.node.name)).toEqual(all.edges.slice(start - 1, start + 1).map((e: any) => e.node.name));
    expect(back.pageInfo.hasNextPage).toBe(true);
  });
});
