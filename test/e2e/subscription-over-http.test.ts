import { createIdentity, createRealm } from '../factories/graph';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';
import { subscribe } from '../helpers/subscription';

/** GraphQL over HTTP runs queries and mutations; subscriptions are the WebSocket endpoint's (docs/decisions.md 78). */

let server: TestServer;
let realm: { id: string };
beforeAll(async () => {
  server = await startTestServer({ runJobs: false });
  realm = await createRealm(server);
});
afterAll(() => server.close());

const realmEvents = `subscription($realmId: ID!) { realmEvents(realmId: $realmId) { id type } }`;

/** An answer read over HTTP, as `server.graphql` gives it. */
async function answerOf(response: Response): Promise<GraphQLResponse> {
  const body = (await response.json()) as Pick<GraphQLResponse, 'data' | 'errors'>;
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

async function get(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse> {
  const url = new URL(server.url);
  url.searchParams.set('query', query);
  url.searchParams.set('variables', JSON.stringify(variables));
  // A non-simple header, as Apollo's CSRF prevention asks of a GET.
  return answerOf(await fetch(url, { headers: { authorization: `Bearer ${server.adminToken}`, 'apollo-require-preflight': 'true', accept: 'application/json' } }));
}

function expectRefused(answer: GraphQLResponse) {
  expect(answer.status).toBe(400);
  expect(answer.errors?.map((error) => error.extensions.code)).toEqual(['SUBSCRIPTION_OVER_HTTP']);
  expect(answer.errors![0].message).toMatch(/WebSocket/);
  expect(answer.errors![0].message).toMatch(/graphql-ws/);
  expect(answer.data ?? null).toBeNull();
}

describe('a subscription over HTTP', () => {
  test('POST: 400 SUBSCRIPTION_OVER_HTTP, saying to use the WebSocket endpoint, and no data', async () => {
    expectRefused(await server.graphql(realmEvents, { realmId: realm.id }));
  });

  test('is refused before anything of it runs: its arguments are not checked, nor the token, nor its scopes', async () => {
    // The resolver would answer INVALID_ID for this ID; authentication UNAUTHENTICATED without a token;
    // the scope check FORBIDDEN for a token without events:read.
    expectRefused(await server.graphql(realmEvents, { realmId: 'not-an-id' }));
    expectRefused(await server.graphql(realmEvents, { realmId: realm.id }, { authorization: '' }));
    const reader = await server.createToken(['realms:read']);
    expectRefused(await server.graphql(realmEvents, { realmId: realm.id }, { authorization: `Bearer ${reader.token}` }));
  });

  test('GET: the same 400, not the 405 that would send the client to a POST', async () => {
    const answer = await get(realmEvents, { realmId: realm.id });
    expectRefused(answer);
    expect(answer.headers.get('allow')).toBeNull();
    expect(answer.headers.get('x-request-id')).toEqual(expect.any(String));
  });

  test('the operation chosen is what counts: a query beside a subscription in one document runs over HTTP', async () => {
    const document = `query Realm($realmId: ID!) { node(id: $realmId) { id } }
                      subscription Events($realmId: ID!) { realmEvents(realmId: $realmId) { id } }`;
    const post = async (operationName: string) =>
      answerOf(
        await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
          body: JSON.stringify({ query: document, variables: { realmId: realm.id }, operationName }),
        }),
      );
    const query = await post('Realm');
    expect(query.status).toBe(200);
    expect(query.errors).toBeUndefined();
    expect(query.data).toEqual({ node: { id: realm.id } });
    expectRefused(await post('Events'));
  });

  test('a mutation over GET keeps Apollo’s 405 with Allow: POST (it does work over POST)', async () => {
    const answer = await get(`mutation { createRealm(input: { name: "over-get", displayName: "G" }) { realm { id } } }`, {});
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });

  test('over WebSocket, the same subscription runs', async () => {
    const { realm: loaded } = await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realm.id });
    const stream = subscribe(
      server.wsClient(),
      `subscription($realmId: ID!, $after: String) { realmEvents(realmId: $realmId, after: $after) { id type } }`,
      { realmId: realm.id, after: loaded.lastEventCursor },
      'realmEvents',
    );
    await createIdentity(server, realm.id);
    expect(await stream.next()).toMatchObject({ type: 'IDENTITY_CREATED' });
    stream.close();
  });
});
