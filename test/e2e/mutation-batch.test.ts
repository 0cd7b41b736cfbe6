import { createGroup, createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';
import { firstOutcome } from '../helpers/ws-outcome';

/**
 * Issue #12, "a committed mutation's answer never says it failed", for a document of several
 * mutations: they run one after another, each its own transaction, and one refused is its own
 * field null with its error — its payload is nullable — so the payloads of those that committed
 * stand beside it (docs/decisions.md 84). With every payload non-null, one refusal nulled all of
 * `data`.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ runJobs: false });
});
afterAll(() => server.close());

const twoGroups = `mutation($realmId: ID!, $first: String!, $second: String!) {
  first: createGroup(input: { realmId: $realmId, name: $first }) { group { id name } }
  second: createGroup(input: { realmId: $realmId, name: $second }) { group { id name } }
}`;

async function groupNames(realmId: string): Promise<string[]> {
  const data = await server.ok(`query($id: ID!) { realm(id: $id) { groups(first: 100) { edges { node { name } } } } }`, { id: realmId });
  return data.realm.groups.edges.map((edge: { node: { name: string } }) => edge.node.name);
}

describe('a document of two mutations, over HTTP', () => {
  test('the second refused: HTTP 200, the first’s payload stands, the second is null with its error, and the first group exists', async () => {
    const realm = await createRealm(server);
    const result = await server.graphql(twoGroups, { realmId: realm.id, first: 'Engineering', second: 'engineering' });

    expect(result.status).toBe(200);
    expect(result.data).toEqual({ first: { group: { id: expect.any(String), name: 'Engineering' } }, second: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ path: ['second'], extensions: { code: 'DUPLICATE_GROUP_NAME', inputPath: ['input', 'name'] } });
    expect(await groupNames(realm.id)).toEqual(['Engineering']);
  });

  test('the first refused: the second still runs and commits — a document is not a transaction', async () => {
    const realm = await createRealm(server);
    await createGroup(server, realm.id, 'Taken');
    const result = await server.graphql(twoGroups, { realmId: realm.id, first: 'TAKEN', second: 'Fresh' });

    expect(result.status).toBe(200);
    expect(result.data).toEqual({ first: null, second: { group: { id: expect.any(String), name: 'Fresh' } } });
    expect(result.errors?.map((error) => [error.path, error.extensions.code])).toEqual([[['first'], 'DUPLICATE_GROUP_NAME']]);
    expect(await groupNames(realm.id)).toEqual(['Fresh', 'Taken']);
  });
});

describe('one mutation, refused', () => {
  test('HTTP 200 (an error of its field, as before), its field null and nothing else, nothing committed', async () => {
    const realm = await createRealm(server);
    await createGroup(server, realm.id, 'Engineering');
    const result = await server.graphql(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, {
      input: { realmId: realm.id, name: 'ENGINEERING' },
    });

    expect(result.status).toBe(200);
    expect(result.data).toEqual({ createGroup: null });
    expect(result.errors).toEqual([
      {
        message: expect.any(String),
        locations: [expect.any(Object)],
        path: ['createGroup'],
        extensions: { code: 'DUPLICATE_GROUP_NAME', inputPath: ['input', 'name'] },
      },
    ]);
    expect(await groupNames(realm.id)).toEqual(['Engineering']);
  });

  test('refused before it runs (no token): HTTP 401 and no data at all, as before', async () => {
    const realm = await createRealm(server);
    const result = await server.graphql(`mutation($realmId: ID!) { createGroup(input: { realmId: $realmId, name: "Anonymous" }) { group { id } } }`, { realmId: realm.id }, { authorization: '' });

    expect(result.status).toBe(401);
    expect(result.data).toBeUndefined();
    expect(result.errors?.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(await groupNames(realm.id)).toEqual([]);
  });
});

test('over WebSocket the same document answers the same', async () => {
  const realm = await createRealm(server);
  const outcome = await firstOutcome(server.wsClient(), { query: twoGroups, variables: { realmId: realm.id, first: 'Support', second: 'SUPPORT' } });

  expect(outcome).toMatchObject({
    kind: 'result',
    result: { data: { first: { group: { name: 'Support' } }, second: null }, errors: [{ path: ['second'], extensions: { code: 'DUPLICATE_GROUP_NAME' } }] },
  });
  expect(await groupNames(realm.id)).toEqual(['Support']);
});
