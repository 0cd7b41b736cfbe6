/**
 * RFC 7644 §2 (authentication and authorization): a bearer token (RFC 6750) bound to one realm
 * with the scope `scim`. What a misconfigured IdP sees must say what to fix: 401 with a
 * WWW-Authenticate challenge for no token or a dead one, 403 for a token that cannot be used here.
 */
import { createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';
import { expectScimError, scimClient, scimRealm, startScimServer, userBody } from '../helpers/scim';

let server: TestServer;
beforeAll(async () => {
  server = await startScimServer();
});
afterAll(() => server.close());

describe('§2 who may call', () => {
  test('a token bound to one realm with the scope scim reaches the realm: 200', async () => {
    const { scim } = await scimRealm(server);
    expect((await scim.get('/Users')).status).toBe(200);
  });

  test('no Authorization header: 401 with a SCIM error and a Bearer challenge', async () => {
    const answer = await scimClient(server, null).get('/Users');
    expectScimError(answer, 401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });

  test('an unknown token: 401 with a Bearer challenge', async () => {
    const answer = await scimClient(server, 'rg_not_a_token_that_exists_0123456789').get('/Users');
    expectScimError(answer, 401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });

  test('a Basic Authorization header is no bearer token: 401', async () => {
    const { token } = await scimRealm(server);
    const answer = await scimClient(server, null).get('/Users', { authorization: `Basic ${Buffer.from(`scim:${token.token}`).toString('base64')}` });
    expectScimError(answer, 401);
  });

  test('a revoked token: 401', async () => {
    const { token, scim } = await scimRealm(server);
    await server.ok(`mutation($id: ID!) { revokeApiToken(input: { id: $id }) { __typename } }`, { id: token.id });
    expectScimError(await scim.get('/Users'), 401);
  });

  test('a token of the realm without the scope scim: 403', async () => {
    const realm = await createRealm(server);
    const token = await server.createToken(['identities:write', 'groups:write'], realm.id);
    expectScimError(await scimClient(server, token.token).get('/Users'), 403);
  });

  test('an all-realms token with the scope scim is refused when it is made, naming the realm it needs', async () => {
    const result = await server.graphql(`mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`, {
      input: { name: 'okta, all realms', scopes: ['scim'] },
    });
    expect(result.data).toEqual({ createApiToken: null });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'realmId'] });
    expect(result.errors?.[0].message).toMatch(/scim.*realm/);
  });

  test('the admin token (all realms, every scope): 403 naming what to use', async () => {
    const answer = await scimClient(server, server.adminToken).get('/Users');
    expectScimError(answer, 403);
    expect(answer.body.detail).toMatch(/realm/i);
    expect(answer.body.detail).toMatch(/\bscim\b/);
  });

  test('a refused write changes nothing: POST /Users without a token creates no user', async () => {
    const { scim } = await scimRealm(server);
    const body = userBody();
    expectScimError(await scimClient(server, null).post('/Users', body), 401);
    const found = await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${body.userName}"`)}`);
    expect(found.body.totalResults).toBe(0);
  });

  test('a 401 answer is a SCIM error in application/scim+json', async () => {
    const answer = await scimClient(server, null).get('/Users');
    expect(answer.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(answer.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: expect.any(String) });
  });
});

describe('the request budget', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => limited.close());

  test('a SCIM token spends the budget its GraphQL requests do: past it, 429 with Retry-After in the SCIM error shape', async () => {
    const realm = await createRealm(limited);
    const token = await limited.createToken(['scim'], realm.id);
    const scim = scimClient(limited, token.token);
    const statuses: number[] = [];
    for (let n = 0; n < 4; n += 1) statuses.push((await scim.get('/ServiceProviderConfig')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await scim.get('/Users');
    expectScimError(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.body.detail).toMatch(/Too many requests/);
  });
});
