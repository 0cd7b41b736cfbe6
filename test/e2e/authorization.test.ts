import { randomBytes } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { scopes } from '../../src/auth/scopes';
import { createGroup, createIdentity, createRealm, inviteIdentity, queuedInvitationToken, uuidOf } from '../factories/graph';
import { databaseChecksums } from '../helpers/db-checksum';
import { eventually } from '../helpers/eventually';
import { refusedData } from '../helpers/refusal';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';
import { subscribe } from '../helpers/subscription';
import { firstOutcome, nextClose } from '../helpers/ws-outcome';

let server: TestServer;
beforeAll(async () => {
  // No background jobs: invitation links are read from the outbox before a job could send them.
  // No rate limit: the file makes a few hundred requests with one token.
  // Tokens cached for a minute, longer than any test waits: what refuses a revoked or expired token
  // here is the eviction or the expiry, never the cache's TTL.
  server = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0', TOKEN_CACHE_TTL_MS: '60000' } });
});
afterAll(() => server.close());

/** Every secret this file was given: none may ever come back from the API. */
const secrets: string[] = [];

const bearer = (token: string | null) => ({ authorization: token === null ? '' : `Bearer ${token}` });
const codes = (result: GraphQLResponse) => (result.errors ?? []).map((error) => error.extensions.code);
const as = (token: string | null, query: string, variables?: Record<string, unknown>) => server.graphql(query, variables, bearer(token));

async function newToken(scopeList: readonly string[], realmId?: string, fields: { name?: string; expiresAt?: string } = {}) {
  const result = await server.graphql(
    `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id name realmId scopes } token } }`,
    { input: { name: fields.name ?? `test ${scopeList.join(' ')}`.slice(0, 100), scopes: scopeList, realmId, expiresAt: fields.expiresAt } },
  );
  if (result.errors) throw new Error(`createApiToken: ${JSON.stringify(result.errors)}`);
  const { apiToken, token } = result.data.createApiToken;
  secrets.push(token);
  return { ...apiToken, token } as { id: string; name: string; realmId: string | null; scopes: string[]; token: string };
}

const revoke = (id: string, token: string | null = server.adminToken) =>
  as(token, `mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id revokedAt } } }`, { id });

const realmsQuery = `{ realms(first: 100) { totalCount edges { node { id name } } } }`;
const realmEventsSubscription = `subscription($realmId: ID!, $after: String) { realmEvents(realmId: $realmId, after: $after) { id type identityId } }`;
const lastCursor = async (realmId: string): Promise<string> =>
  (await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor;

const lastUsedAt = async (id: string): Promise<string | null> =>
  (await server.ok(`query($id: ID!) { node(id: $id) { ... on ApiToken { lastUsedAt } } }`, { id })).node.lastUsedAt;

/** The statements of a request that runs none of its own: the token's lookup, unless it is cached. */
const tokenStatements = (token: string) => server.countStatements(() => as(token, '{ __typename }'));

/**
 * Uses a new token until `server` has it cached: the first use looks it up and records lastUsedAt
 * (awaited, so that its write is not counted below); the next costs no statement.
 */
async function useUntilCached(token: { id: string; token: string }): Promise<void> {
  expect(codes(await as(token.token, realmsQuery))).toEqual([]);
  await eventually(() => lastUsedAt(token.id), (value) => value !== null);
  expect(await tokenStatements(token.token)).toBe(0);
}

function expectUnauthenticated(result: GraphQLResponse) {
  expect(result.status).toBe(401);
  expect(codes(result)).toEqual(['UNAUTHENTICATED']);
  expect(result.data ?? null).toBeNull();
}

function expectRefused(result: GraphQLResponse, code: string, inputPath?: Array<string | number>) {
  expect(codes(result)).toEqual([code]);
  if (inputPath) expect(result.errors![0].extensions.inputPath).toEqual(inputPath);
  expect(result.data ?? null).toEqual(refusedData(result.errors));
}

describe('without a usable token', () => {
  test('no token: UNAUTHENTICATED (HTTP 401) and no data, for queries and mutations', async () => {
    expectUnauthenticated(await as(null, realmsQuery));
    const name = `anon-${randomBytes(3).toString('hex')}`;
    expectUnauthenticated(await as(null, `mutation($name: String!) { createRealm(input: { name: $name, displayName: "x" }) { realm { id } } }`, { name }));
    expect((await server.ok(`query($name: String!) { realm(name: $name) { id } }`, { name })).realm).toBeNull();
  });

  test.each([
    ['another scheme', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['"Bearer" alone', 'Bearer'],
    ['two words after Bearer', 'Bearer abc def'],
    ['the token without "Bearer"', 'rg_test_admin_token_0123456789abcdef'],
  ])('a malformed Authorization header (%s): UNAUTHENTICATED', async (_what, authorization) => {
    expectUnauthenticated(await server.graphql(realmsQuery, {}, { authorization }));
  });

  test('an unknown token: UNAUTHENTICATED', async () => {
    expectUnauthenticated(await as(`rg_${randomBytes(32).toString('base64url')}`, realmsQuery));
  });

  test('an unknown token is looked up every time: refusals are not cached, so they cannot fill the cache', async () => {
    const unknown = `rg_${randomBytes(32).toString('base64url')}`;
    expect(await tokenStatements(unknown)).toBe(1);
    expect(await tokenStatements(unknown)).toBe(1);
  });

  test('a revoked token: UNAUTHENTICATED at once on the instance that revoked it, though it was cached', async () => {
    const token = await newToken(['realms:read']);
    await useUntilCached(token);
    expect(codes(await revoke(token.id))).toEqual([]);
    expectUnauthenticated(await as(token.token, realmsQuery));
  });

  test('an expired token: UNAUTHENTICATED from its expiry on, though it was cached', async () => {
    // The cache keeps it until it expires, not for its TTL (a minute): refused within the wait below,
    // the expiry bounded its entry.
    const expiresAt = new Date(Date.now() + 1500);
    const token = await newToken(['realms:read'], undefined, { expiresAt: expiresAt.toISOString() });
    await useUntilCached(token);
    const refused = await eventually(() => as(token.token, realmsQuery), (result) => result.status === 401, 20_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    expectUnauthenticated(refused);
  });

  test('a token the database holds expired: UNAUTHENTICATED', async () => {
    const token = await newToken(['realms:read'], undefined, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await server.db.dataSource.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [uuidOf(token.id)]);
    expectUnauthenticated(await as(token.token, realmsQuery));
  });

  test('introspection needs no token', async () => {
    const result = await as(null, `{ __schema { queryType { name } } }`);
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('scopes', () => {
  test('a read-only token reads', async () => {
    const realm = await createRealm(server);
    await createIdentity(server, realm.id);
    const reader = await newToken(['realms:read', 'identities:read', 'groups:read']);
    const result = await as(reader.token, `query($id: ID!) { realm(id: $id) { name identities { totalCount } groups { totalCount } } }`, { id: realm.id });
    expect(result.errors).toBeUndefined();
    expect(result.data.realm).toEqual({ name: realm.name, identities: { totalCount: 1 }, groups: { totalCount: 0 } });
  });

  test('a read-only token cannot write: FORBIDDEN, and nothing changed', async () => {
    const realm = await createRealm(server);
    const ann = await createIdentity(server, realm.id);
    const group = await createGroup(server, realm.id);
    const reader = await newToken(['realms:read', 'identities:read', 'groups:read', 'invitations:read', 'events:read']);
    const before = await databaseChecksums(server.db);

    const attempts = [
      as(reader.token, `mutation($id: ID!) { createIdentity(input: { realmId: $id, displayName: "Bo", username: "bo", primaryEmail: "bo@example.com" }) { identity { id } } }`, { id: realm.id }),
      as(reader.token, `mutation($id: ID!) { updateRealm(input: { id: $id, displayName: "Renamed" }) { realm { id } } }`, { id: realm.id }),
      as(reader.token, `mutation($g: ID!, $i: ID!) { addGroupMembers(input: { groupId: $g, identityIds: [$i] }) { group { id } } }`, { g: group.id, i: ann.id }),
      as(reader.token, `mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`, { id: ann.id }),
      as(reader.token, `mutation($id: ID!) { inviteIdentity(input: { realmId: $id, email: "cy@example.com" }) { invitation { id } } }`, { id: realm.id }),
      as(reader.token, `mutation { createApiToken(input: { name: "mine", scopes: ["realms:read"] }) { token } }`),
    ];
    for (const result of await Promise.all(attempts)) {
      expectRefused(result, 'FORBIDDEN');
      expect(result.status).toBe(200);
    }

    expect(await databaseChecksums(server.db)).toEqual(before);
    const after = await server.ok(`query($id: ID!) { realm(id: $id) { displayName identities { totalCount } groups { edges { node { memberCount } } } } }`, { id: realm.id });
    expect(after.realm).toEqual({ displayName: `Realm ${realm.name}`, identities: { totalCount: 1 }, groups: { edges: [{ node: { memberCount: 0 } }] } });
  });

  test('<x>:write includes <x>:read; another resource still needs its own scope', async () => {
    const realm = await createRealm(server);
    const ann = await createIdentity(server, realm.id);
    const group = await createGroup(server, realm.id);
    const writer = await newToken(['identities:write']);
    const identity = await as(writer.token, `query($id: ID!) { node(id: $id) { ... on Identity { username } } }`, { id: ann.id });
    expect(identity.errors).toBeUndefined();
    expect(identity.data.node).toEqual({ username: ann.username });
    const other = await as(writer.token, `query($id: ID!) { node(id: $id) { id } }`, { id: group.id });
    expect(codes(other)).toEqual(['FORBIDDEN']);
    expect(other.errors![0].extensions.scope).toBe('groups:read');
    expect(other.data.node).toBeNull();
  });

  test('a mutation’s payload is read with the token’s scopes: groups:write adds members, their details need identities:read', async () => {
    const realm = await createRealm(server);
    const ann = await createIdentity(server, realm.id, { primaryEmail: 'ann.secret@example.com' });
    const bob = await createIdentity(server, realm.id, { primaryEmail: 'bob.secret@example.com' });
    const group = await createGroup(server, realm.id);
    const writer = await newToken(['groups:write']);
    const add = (id: string, selection: string) =>
      as(writer.token, `mutation($g: ID!, $i: ID!) { addGroupMembers(input: { groupId: $g, identityIds: [$i] }) { ${selection} } }`, { g: group.id, i: id });

    const counted = await add(ann.id, 'group { memberCount }');
    expect(counted.errors).toBeUndefined();
    expect(counted.data.addGroupMembers.group.memberCount).toBe(1);

    const detailed = await add(bob.id, 'addedMembers { username primaryEmail }');
    expect(codes(detailed)).toEqual(['FORBIDDEN']);
    expect(detailed.errors![0].path).toEqual(['addGroupMembers', 'addedMembers']);
    expect(JSON.stringify(detailed)).not.toContain('bob.secret@example.com');
    const removed = await as(
      writer.token,
      `mutation($g: ID!, $i: ID!) { removeGroupMembers(input: { groupId: $g, identityIds: [$i] }) { removedMembers { primaryEmail } } }`,
      { g: group.id, i: ann.id },
    );
    expect(codes(removed)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(removed)).not.toContain('ann.secret@example.com');
  });

  test('a relation the token has no scope for is FORBIDDEN at that edge, with none of its data', async () => {
    const realm = await createRealm(server);
    const ann = await createIdentity(server, realm.id);
    const realmsOnly = await newToken(['realms:read']);
    const result = await as(realmsOnly.token, `query($id: ID!) { realm(id: $id) { name identities { edges { node { id } } } } }`, { id: realm.id });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0].path).toEqual(['realm', 'identities']);
    expect(JSON.stringify(result.data)).not.toContain(ann.id);
  });
});

describe('a token bound to a realm', () => {
  let a: { id: string; name: string };
  let b: { id: string; name: string };
  let aIdentity: { id: string };
  let aGroup: { id: string };
  let bIdentity: { id: string };
  let bGroup: { id: string };
  let bInvitation: { id: string };
  let bToken: { id: string };
  let tokenA: { id: string; token: string };
  let bIds: string[];

  beforeAll(async () => {
    a = await createRealm(server);
    b = await createRealm(server);
    aIdentity = await createIdentity(server, a.id);
    aGroup = await createGroup(server, a.id, undefined, [aIdentity.id]);
    bIdentity = await createIdentity(server, b.id);
    bGroup = await createGroup(server, b.id, undefined, [bIdentity.id]);
    bInvitation = await inviteIdentity(server, b.id, { groupIds: [bGroup.id] });
    bToken = await newToken(['realms:read'], b.id);
    tokenA = await newToken(scopes, a.id);
    bIds = [b.id, bIdentity.id, bGroup.id, bInvitation.id, bToken.id];
  });

  test('realms lists its realm only', async () => {
    const result = await as(tokenA.token, realmsQuery);
    expect(result.errors).toBeUndefined();
    expect(result.data.realms).toEqual({ totalCount: 1, edges: [{ node: { id: a.id, name: a.name } }] });
  });

  test('another realm’s objects are not found: node, nodes and realm give null', async () => {
    const result = await as(
      tokenA.token,
      `query($id: ID!, $ids: [ID!]!, $name: String!, $realm: ID!) {
        node(id: $id) { id }
        nodes(ids: $ids) { id }
        byName: realm(name: $name) { id }
        byId: realm(id: $realm) { id }
      }`,
      { id: bIdentity.id, ids: [aIdentity.id, ...bIds], name: b.name, realm: b.id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ node: null, nodes: [{ id: aIdentity.id }, null, null, null, null, null], byName: null, byId: null });
  });

  test('mutations of another realm’s objects are NOT_FOUND, and change nothing', async () => {
    const before = await databaseChecksums(server.db);
    const cases: Array<[string, Record<string, unknown>, Array<string | number>]> = [
      [`mutation($id: ID!) { updateIdentity(input: { id: $id, displayName: "Mallory" }) { identity { id } } }`, { id: bIdentity.id }, ['input', 'id']],
      [`mutation($id: ID!) { suspendIdentity(input: { id: $id }) { identity { id } } }`, { id: bIdentity.id }, ['input', 'id']],
      [`mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`, { id: bIdentity.id }, ['input', 'id']],
      [`mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: bGroup.id }, ['input', 'id']],
      [`mutation($id: ID!) { updateGroup(input: { id: $id, name: "taken" }) { group { id } } }`, { id: bGroup.id }, ['input', 'id']],
      [`mutation($g: ID!, $i: ID!) { removeGroupMembers(input: { groupId: $g, identityIds: [$i] }) { group { id } } }`, { g: bGroup.id, i: bIdentity.id }, ['input', 'groupId']],
      // Into its own group, one identity of its realm and one of the other: none is added.
      [`mutation($g: ID!, $ids: [ID!]!) { addGroupMembers(input: { groupId: $g, identityIds: $ids }) { group { id } } }`, { g: aGroup.id, ids: [aIdentity.id, bIdentity.id] }, ['input', 'identityIds', 1]],
      [`mutation($id: ID!) { revokeInvitation(input: { id: $id }) { invitation { id } } }`, { id: bInvitation.id }, ['input', 'id']],
      [`mutation($id: ID!) { resendInvitation(input: { id: $id }) { invitation { id } } }`, { id: bInvitation.id }, ['input', 'id']],
      [`mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id } } }`, { id: bToken.id }, ['input', 'id']],
    ];
    for (const [query, variables, inputPath] of cases) {
      expectRefused(await as(tokenA.token, query, variables), 'NOT_FOUND', inputPath);
    }
    expect(await databaseChecksums(server.db)).toEqual(before);
  });

  test('naming another realm, or all realms, is FORBIDDEN', async () => {
    const before = await databaseChecksums(server.db);
    expectRefused(
      await as(tokenA.token, `mutation($id: ID!) { createIdentity(input: { realmId: $id, displayName: "M", username: "m", primaryEmail: "m@example.com" }) { identity { id } } }`, { id: b.id }),
      'FORBIDDEN',
      ['input', 'realmId'],
    );
    expectRefused(await as(tokenA.token, `mutation($id: ID!) { createGroup(input: { realmId: $id, name: "m" }) { group { id } } }`, { id: b.id }), 'FORBIDDEN', ['input', 'realmId']);
    expectRefused(await as(tokenA.token, `mutation($id: ID!) { inviteIdentity(input: { realmId: $id, email: "m@example.com" }) { invitation { id } } }`, { id: b.id }), 'FORBIDDEN', ['input', 'realmId']);
    expectRefused(await as(tokenA.token, `mutation($id: ID!) { updateRealm(input: { id: $id, displayName: "M" }) { realm { id } } }`, { id: b.id }), 'FORBIDDEN', ['input', 'id']);
    // Creating and deleting realms takes a token that spans all realms, even for its own realm.
    expectRefused(await as(tokenA.token, `mutation { createRealm(input: { name: "mallory", displayName: "M" }) { realm { id } } }`), 'FORBIDDEN');
    expectRefused(await as(tokenA.token, `mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: a.id }), 'FORBIDDEN');
    expect(await databaseChecksums(server.db)).toEqual(before);
  });

  test('nested edges never lead into another realm', async () => {
    const result = await as(
      tokenA.token,
      `query($id: ID!, $foreignGroup: ID!) {
        realm(id: $id) {
          id
          outsiders: identities(filter: { groupId: $foreignGroup }) { totalCount edges { node { id } } }
          identities { edges { node { id realm { id } groups { edges { node { id realm { id } members { edges { node { id } } } } } } } } }
          groups { edges { node { id realm { id } members { edges { node { id groups { edges { node { id } } } } } } } } }
          invitations { edges { node { id identity { id } realm { id } } } }
          events(first: 100) { edges { node { identityId groupId invitationId identity { id } group { id } invitation { id } } } }
        }
        apiTokens { edges { node { id realmId } } }
      }`,
      { id: a.id, foreignGroup: bGroup.id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.realm.outsiders).toEqual({ totalCount: 0, edges: [] });
    expect(result.data.realm.groups.edges[0].node.members.edges).toEqual([{ node: { id: aIdentity.id, groups: { edges: [{ node: { id: aGroup.id } }] } } }]);
    const text = JSON.stringify(result.data);
    for (const id of bIds) expect(text).not.toContain(id);
  });
});

describe('createApiToken never grants more than its creator has', () => {
  test('a scope the creator lacks is FORBIDDEN, at its index', async () => {
    const creator = await newToken(['tokens:write', 'identities:read']);
    const before = await databaseChecksums(server.db);
    const create = (list: string[]) =>
      as(creator.token, `mutation($scopes: [String!]!) { createApiToken(input: { name: "sub", scopes: $scopes }) { token } }`, { scopes: list });
    expectRefused(await create(['identities:read', 'groups:write']), 'FORBIDDEN', ['input', 'scopes', 1]);
    expectRefused(await create(['identities:write']), 'FORBIDDEN', ['input', 'scopes', 0]);
    expectRefused(await create(['tokens:write', 'realms:read']), 'FORBIDDEN', ['input', 'scopes', 1]);
    expect(await databaseChecksums(server.db)).toEqual(before);
  });

  test('a write scope lets it grant the read scope it includes', async () => {
    const creator = await newToken(['tokens:write', 'groups:write']);
    const result = await as(creator.token, `mutation { createApiToken(input: { name: "reader", scopes: ["groups:read"] }) { apiToken { scopes realmId } token } }`);
    expect(result.errors).toBeUndefined();
    secrets.push(result.data.createApiToken.token);
    expect(result.data.createApiToken.apiToken).toEqual({ scopes: ['groups:read'], realmId: null });
  });

  test('a realm token creates tokens of its realm only: never another realm’s, never an all-realms one', async () => {
    const [a, b] = [await createRealm(server), await createRealm(server)];
    const creator = await newToken(['tokens:write', 'identities:read'], a.id);
    expectRefused(
      await as(creator.token, `mutation($id: ID!) { createApiToken(input: { name: "x", scopes: ["identities:read"], realmId: $id }) { token } }`, { id: b.id }),
      'FORBIDDEN',
      ['input', 'realmId'],
    );
    // Without realmId, the new token is bound to the creator's realm, not to all realms.
    const result = await as(creator.token, `mutation { createApiToken(input: { name: "x", scopes: ["identities:read"] }) { apiToken { realmId } token } }`);
    expect(result.errors).toBeUndefined();
    secrets.push(result.data.createApiToken.token);
    expect(result.data.createApiToken.apiToken.realmId).toBe(a.id);
  });
});

describe('apiTokens and revokeApiToken', () => {
  const listQuery = `{ apiTokens(first: 100) { totalCount edges { node { id name realmId scopes fromEnvironment createdAt expiresAt revokedAt lastUsedAt } } } }`;

  test('the list never shows a secret or a hash', async () => {
    await newToken(['realms:read']);
    const result = await server.graphql(listQuery);
    expect(result.errors).toBeUndefined();
    const text = JSON.stringify(result);
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of [...secrets, server.adminToken]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/rg_[A-Za-z0-9_-]{20,}/);
    const fields = await server.ok(`{ __type(name: "ApiToken") { fields { name } } }`);
    const names = fields.__type.fields.map((field: { name: string }) => field.name);
    expect(names.filter((name: string) => /hash|secret|token/i.test(name))).toEqual([]);
  });

  test('a realm token lists its realm’s tokens only', async () => {
    const [a, b] = [await createRealm(server), await createRealm(server)];
    const manager = await newToken(['tokens:write'], a.id);
    const mine = await newToken(['realms:read'], a.id);
    await newToken(['realms:read'], b.id);
    const result = await as(manager.token, listQuery);
    expect(result.errors).toBeUndefined();
    const listed = result.data.apiTokens.edges.map((edge: any) => edge.node);
    expect(listed.map((token: any) => token.id).sort()).toEqual([manager.id, mine.id].sort());
    expect(result.data.apiTokens.totalCount).toBe(2);
  });

  test('lastUsedAt is set once a token is used', async () => {
    const token = await newToken(['realms:read']);
    const read = async () => (await server.ok(`query($id: ID!) { node(id: $id) { ... on ApiToken { lastUsedAt } } }`, { id: token.id })).node.lastUsedAt;
    expect(await read()).toBeNull();
    await as(token.token, realmsQuery);
    // The touch is written beside the request, not inside it.
    const lastUsedAt = await eventually(read, (value) => value !== null);
    expect(new Date(lastUsedAt).getTime()).toBeGreaterThan(Date.now() - 3_600_000);
  });

  test('revokeApiToken: the token is UNAUTHENTICATED at once', async () => {
    const token = await newToken(['realms:read']);
    expect(codes(await as(token.token, realmsQuery))).toEqual([]);
    const revoked = await revoke(token.id);
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data.revokeApiToken.apiToken.revokedAt).toEqual(expect.any(String));
    expectUnauthenticated(await as(token.token, realmsQuery));
  });

  test('ADMIN_TOKEN’s row cannot be revoked through the API', async () => {
    const list = await server.ok(listQuery);
    const admin = list.apiTokens.edges.map((edge: any) => edge.node).find((token: any) => token.fromEnvironment && token.revokedAt === null);
    expectRefused(await revoke(admin.id), 'FORBIDDEN', ['input', 'id']);
    expect(codes(await server.graphql(realmsQuery))).toEqual([]);
  });

  test('a realm token cannot revoke tokens it does not reach: another realm’s, or an all-realms one', async () => {
    const [a, b] = [await createRealm(server), await createRealm(server)];
    const manager = await newToken(['tokens:write'], a.id);
    const foreign = await newToken(['realms:read'], b.id);
    const global = await newToken(['realms:read']);
    expectRefused(await revoke(foreign.id, manager.token), 'NOT_FOUND', ['input', 'id']);
    expectRefused(await revoke(global.id, manager.token), 'NOT_FOUND', ['input', 'id']);
    expect(codes(await as(foreign.token, realmsQuery))).toEqual([]);
    expect(codes(await as(global.token, realmsQuery))).toEqual([]);
  });
});

describe('callers without a token', () => {
  const accept = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { identity { id status username } } }`;

  test('accept an invitation: its token is the credential', async () => {
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);
    const token = await queuedInvitationToken(server, invitation.id);
    const result = await as(null, accept, { input: { token, displayName: 'Cleo', username: 'cleo' } });
    expect(result.errors).toBeUndefined();
    expect(result.data.acceptInvitation.identity).toEqual({ id: invitation.identity!.id, status: 'ACTIVE', username: 'cleo' });
  });

  test('an operation that asks for more than that is UNAUTHENTICATED as a whole: the invitation stays pending', async () => {
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);
    const token = await queuedInvitationToken(server, invitation.id);
    const result = await as(
      null,
      `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { identity { id } } createRealm(input: { name: "sneaky", displayName: "S" }) { realm { id } } }`,
      { input: { token, displayName: 'Dee', username: 'dee' } },
    );
    expectUnauthenticated(result);
    const after = await server.ok(`query($id: ID!) { node(id: $id) { ... on Invitation { status } } }`, { id: invitation.id });
    expect(after.node.status).toBe('PENDING');
  });
});

describe('the audit trail', () => {
  test('events name the token (id and name) that made each change', async () => {
    const realm = await createRealm(server);
    const bot = await newToken(['identities:write', 'groups:write'], realm.id, { name: 'provisioning bot' });
    const after = await lastCursor(realm.id);
    const made = await as(bot.token, `mutation($id: ID!) { createIdentity(input: { realmId: $id, displayName: "Eve", username: "eve", primaryEmail: "eve@example.com" }) { identity { id } } }`, { id: realm.id });
    expect(made.errors).toBeUndefined();
    const identityId = made.data.createIdentity.identity.id;
    const group = await createGroup(server, realm.id);
    expect(codes(await as(bot.token, `mutation($g: ID!, $i: ID!) { addGroupMembers(input: { groupId: $g, identityIds: [$i] }) { group { id } } }`, { g: group.id, i: identityId }))).toEqual([]);

    const log = await server.ok(`query($id: ID!, $after: String) { realm(id: $id) { events(after: $after) { edges { node { type actor { id name } } } } } }`, { id: realm.id, after });
    expect(log.realm.events.edges.map((edge: any) => edge.node)).toEqual([
      { type: 'IDENTITY_CREATED', actor: { id: bot.id, name: 'provisioning bot' } },
      { type: 'GROUP_CREATED', actor: { id: expect.any(String), name: 'ADMIN_TOKEN' } },
      { type: 'MEMBERSHIP_ADDED', actor: { id: bot.id, name: 'provisioning bot' } },
    ]);
  });
});

describe('WebSocket', () => {
  let realm: { id: string; name: string };
  beforeAll(async () => {
    realm = await createRealm(server);
  });

  test('no token: the connection closes with 4401', async () => {
    const outcome = await firstOutcome(server.wsClient(null), { query: realmEventsSubscription, variables: { realmId: realm.id } });
    expect(outcome).toMatchObject({ kind: 'closed', code: 4401 });
  });

  test('an unknown token: 4401', async () => {
    const outcome = await firstOutcome(server.wsClient(`rg_${randomBytes(32).toString('base64url')}`), { query: realmEventsSubscription, variables: { realmId: realm.id } });
    expect(outcome).toMatchObject({ kind: 'closed', code: 4401 });
  });

  test.each([
    ['a number', 42],
    ['another scheme', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['a revoked token', 'revoked'],
  ])('authorization that is %s: 4401', async (_what, value) => {
    let authorization: unknown = value;
    if (value === 'revoked') {
      const token = await newToken(['events:read']);
      await revoke(token.id);
      authorization = `Bearer ${token.token}`;
    }
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization } });
    try {
      const outcome = await firstOutcome(client, { query: realmEventsSubscription, variables: { realmId: realm.id } });
      expect(outcome).toMatchObject({ kind: 'closed', code: 4401 });
    } finally {
      await client.dispose();
    }
  });

  test('a revoked token’s open subscription ends: its connection closes with 4403', async () => {
    const token = await newToken(['events:read'], realm.id);
    const client = server.wsClient(token.token);
    const stream = subscribe(client, realmEventsSubscription, { realmId: realm.id, after: await lastCursor(realm.id) }, 'realmEvents');
    const identity = await createIdentity(server, realm.id);
    expect((await stream.next()).identityId).toBe(identity.id);

    const closed = nextClose(client);
    expect(codes(await revoke(token.id))).toEqual([]);
    expect(await closed).toBe(4403);
  });

  test('another realm’s events are FORBIDDEN to a realm token', async () => {
    const other = await createRealm(server);
    const token = await newToken(['events:read'], realm.id);
    const outcome = await firstOutcome(server.wsClient(token.token), { query: realmEventsSubscription, variables: { realmId: other.id } });
    expect(outcome.kind).toBe('result');
    const { result } = outcome as { result: { data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> } };
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(result.data ?? null).toBeNull();
  });

  test('a token without events:read cannot subscribe: FORBIDDEN', async () => {
    const reader = await newToken(['realms:read', 'identities:read', 'groups:read']);
    for (const query of [
      realmEventsSubscription,
      `subscription($realmId: ID!) { membershipChanged(realmId: $realmId) { id } }`,
      `subscription($realmId: ID!) { invitationChanged(realmId: $realmId) { id } }`,
    ]) {
      const outcome = await firstOutcome(server.wsClient(reader.token), { query, variables: { realmId: realm.id } });
      expect(outcome).toMatchObject({ kind: 'result', result: { errors: [{ extensions: { code: 'FORBIDDEN', scope: 'events:read' } }] } });
    }
  });

  // Last in the file: the second instance runs the background jobs, which send (and erase) queued emails.
  describe('on another instance', () => {
    let other: TestServer;
    beforeAll(async () => {
      other = await startTestServer({ db: server.db, runJobs: true, env: { RATE_LIMIT_PER_MINUTE: '0', TOKEN_CACHE_TTL_MS: '60000' } });
    });
    afterAll(() => other.close());

    test('a token revoked elsewhere is refused here as soon as the revocation commits, though cached: no TTL to wait out', async () => {
      const token = await newToken(['realms:read']);
      expect(codes(await other.graphql(realmsQuery, {}, bearer(token.token)))).toEqual([]);
      expect(codes(await revoke(token.id))).toEqual([]);
      // `other` caches tokens for a minute: refused within this wait, it heard the revocation's NOTIFY.
      const refused = await eventually(() => other.graphql(realmsQuery, {}, bearer(token.token)), (result) => result.status === 401);
      expectUnauthenticated(refused);
    });

    test('a token revoked elsewhere: the token-sweep job closes its connections with 4403', async () => {
      const token = await newToken(['events:read'], realm.id);
      const client = other.wsClient(token.token);
      const stream = subscribe(client, realmEventsSubscription, { realmId: realm.id, after: await lastCursor(realm.id) }, 'realmEvents');
      const identity = await createIdentity(server, realm.id);
      expect((await stream.next()).identityId).toBe(identity.id);
      const closed = nextClose(client);
      expect(codes(await revoke(token.id))).toEqual([]);
      expect(await closed).toBe(4403);
    });

    test('a token revoked elsewhere, before any sweep: a new operation on its open connection runs nothing and the connection closes with 4403', async () => {
      // `server` runs no jobs, so only the per-operation authentication can notice the revocation.
      const quiet = jest.spyOn(console, 'error');
      try {
        const token = await newToken(['events:read', 'realms:read'], realm.id);
        const client = server.wsClient(token.token);
        const first = await firstOutcome(client, { query: `query($id: ID!) { realm(id: $id) { id } }`, variables: { id: realm.id } });
        expect(first).toMatchObject({ kind: 'result', result: { data: { realm: { id: realm.id } } } });
        const revoked = await other.graphql(`mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id } } }`, { id: token.id });
        expect(codes(revoked)).toEqual([]);
        // `server` trusts its cached token until the revocation's NOTIFY reaches it, a moment after commit.
        await eventually(() => as(token.token, realmsQuery), (result) => result.status === 401);
        const second = await firstOutcome(client, { query: `query($id: ID!) { realm(id: $id) { id } }`, variables: { id: realm.id } });
        expect(second).toMatchObject({ kind: 'closed', code: 4403 });
        // Refused by the server, not escaped from it: graphql-ws reports no internal error.
        expect(quiet).not.toHaveBeenCalled();
      } finally {
        quiet.mockRestore();
      }
    });

    test('an expired token: the token-sweep job closes its connections with 4403', async () => {
      const token = await newToken(['events:read'], realm.id, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      const client = other.wsClient(token.token);
      const stream = subscribe(client, realmEventsSubscription, { realmId: realm.id, after: await lastCursor(realm.id) }, 'realmEvents');
      const identity = await createIdentity(server, realm.id);
      expect((await stream.next()).identityId).toBe(identity.id);
      const closed = nextClose(client);
      await server.db.dataSource.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [uuidOf(token.id)]);
      expect(await closed).toBe(4403);
    });
  });
});

test('the scope list is the one the issues name (#8, scim of #13, webhooks of #15)', () => {
  expect([...scopes].sort()).toEqual(
    ['realms:read', 'realms:write', 'identities:read', 'identities:write', 'groups:read', 'groups:write', 'invitations:read', 'invitations:write', 'events:read', 'tokens:write', 'scim', 'webhooks:read', 'webhooks:write'].sort(),
  );
});

