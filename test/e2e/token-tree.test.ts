import type { Client } from 'graphql-ws';
import { createToken } from '../../src/auth/cli';
import { createRealm, uuidOf } from '../factories/graph';
import { databaseChecksums } from '../helpers/db-checksum';
import { eventually } from '../helpers/eventually';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';
import { subscribe } from '../helpers/subscription';
import { nextClose } from '../helpers/ws-outcome';

/**
 * Tokens made through the API form a tree: each is bound by the token that made it (scopes, realm,
 * expiry), and revoking one revokes the tokens it made, and theirs (docs/decisions.md 76, 77).
 */

const codes = (result: GraphQLResponse) => (result.errors ?? []).map((error) => error.extensions.code);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const realmsQuery = `{ realms(first: 1) { totalCount } }`;
const createMutation = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id expiresAt } token } }`;
const revokeMutation = `mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id revokedAt } revokedDescendants { id name revokedAt } } }`;

interface Made {
  id: string;
  token: string;
  expiresAt: string | null;
}

/** A token made by `creator` (a secret) on `server`: the API's only way to make a child. */
async function createWith(server: TestServer, creator: string, input: { name?: string; scopes: string[]; expiresAt?: string }): Promise<GraphQLResponse> {
  return server.graphql(createMutation, { input: { name: input.name ?? 'child', ...input } }, bearer(creator));
}

async function made(server: TestServer, creator: string, input: { name?: string; scopes: string[]; expiresAt?: string }): Promise<Made> {
  const result = await createWith(server, creator, input);
  if (result.errors) throw new Error(`createApiToken: ${JSON.stringify(result.errors)}`);
  return { ...result.data.createApiToken.apiToken, token: result.data.createApiToken.token };
}

/** A WebSocket connection of `token`, open (its connection_init acknowledged) with a subscription on it. */
async function openConnection(server: TestServer, token: string, realmId: string): Promise<Client> {
  const client = server.wsClient(token);
  const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  subscribe(client, `subscription($realmId: ID!) { realmEvents(realmId: $realmId) { id } }`, { realmId }, 'realmEvents');
  await connected;
  return client;
}

/** Tokens that still work though a token above them, however far up, is revoked: what must never be. */
async function usableWithRevokedAncestor(server: TestServer): Promise<string[]> {
  const rows: Array<{ id: string }> = await server.db.dataSource.query(`
    WITH RECURSIVE lineage (id, ancestor) AS (
      SELECT id, created_by FROM api_tokens WHERE created_by IS NOT NULL
      UNION
      SELECT lineage.id, a.created_by FROM lineage JOIN api_tokens a ON a.id = lineage.ancestor WHERE a.created_by IS NOT NULL
    )
    SELECT DISTINCT t.id FROM lineage JOIN api_tokens t ON t.id = lineage.id JOIN api_tokens a ON a.id = lineage.ancestor
     WHERE t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND a.revoked_at IS NOT NULL`);
  return rows.map((row) => row.id);
}

let server: TestServer;
let other: TestServer;
beforeAll(async () => {
  // `server` runs no jobs: a connection it closes at a revocation is closed by the revocation, not
  // by the token-sweep job. Tokens are cached for a minute, longer than any test waits: what
  // refuses a revoked token is the eviction, never the cache's TTL. No rate limits: the race makes
  // a few hundred requests, a hundred of them with tokens revoked meanwhile.
  const env = { RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '0', TOKEN_CACHE_TTL_MS: '60000' };
  server = await startTestServer({ runJobs: false, env });
  other = await startTestServer({ db: server.db, runJobs: true, env });
});
afterAll(async () => {
  await other.close();
  await server.close();
});

describe('a token’s expiry is bounded by its creator’s', () => {
  let creator: Made;
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
  beforeAll(async () => {
    creator = await made(server, server.adminToken, { name: 'expires in an hour', scopes: ['tokens:write', 'realms:read'], expiresAt: inAnHour });
  });

  test('omitted, it is the creator’s', async () => {
    const child = await made(server, creator.token, { scopes: ['realms:read'] });
    expect(child.expiresAt).toBe(creator.expiresAt);
  });

  test('later than the creator’s: FORBIDDEN at input.expiresAt, and nothing is created', async () => {
    const before = await databaseChecksums(server.db);
    const result = await createWith(server, creator.token, { scopes: ['realms:read'], expiresAt: new Date(Date.now() + 7_200_000).toISOString() });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0].extensions).toMatchObject({ inputPath: ['input', 'expiresAt'], creatorExpiresAt: creator.expiresAt });
    expect(result.errors![0].message).toContain('cannot outlive');
    expect(result.data).toEqual({ createApiToken: null });
    expect(await databaseChecksums(server.db)).toEqual(before);
  });

  test('earlier than the creator’s, or the same: as given', async () => {
    const sooner = new Date(Date.now() + 1_800_000).toISOString();
    expect((await made(server, creator.token, { scopes: ['realms:read'], expiresAt: sooner })).expiresAt).toBe(sooner);
    expect((await made(server, creator.token, { scopes: ['realms:read'], expiresAt: creator.expiresAt! })).expiresAt).toBe(creator.expiresAt);
  });

  test('a creator that never expires makes, by default, a token that never expires', async () => {
    const child = await made(server, server.adminToken, { scopes: ['realms:read'] });
    expect(child.expiresAt).toBeNull();
  });
});

describe('revoking a token', () => {
  test('revokes the tokens it created and theirs, lists them, and leaves the others working', async () => {
    const parent = await made(server, server.adminToken, { name: 'parent', scopes: ['tokens:write', 'realms:read'] });
    const child = await made(server, parent.token, { name: 'child', scopes: ['tokens:write', 'realms:read'] });
    const grandchild = await made(server, child.token, { name: 'grandchild', scopes: ['realms:read'] });
    const sibling = await made(server, server.adminToken, { name: 'sibling', scopes: ['realms:read'] });
    // Each is cached on both instances: refusing them afterwards takes the revocations' notifications.
    for (const token of [parent, child, grandchild, sibling]) {
      expect(codes(await server.graphql(realmsQuery, {}, bearer(token.token)))).toEqual([]);
      expect(codes(await other.graphql(realmsQuery, {}, bearer(token.token)))).toEqual([]);
    }

    const result = await server.graphql(revokeMutation, { id: parent.id });
    expect(result.errors).toBeUndefined();
    expect(result.data.revokeApiToken.apiToken).toEqual({ id: parent.id, revokedAt: expect.any(String) });
    expect(result.data.revokeApiToken.revokedDescendants.map((token: { name: string }) => token.name).sort()).toEqual(['child', 'grandchild']);
    expect(result.data.revokeApiToken.revokedDescendants.every((token: { revokedAt: string | null }) => token.revokedAt !== null)).toBe(true);

    for (const token of [parent, child, grandchild]) {
      // At once where it was revoked; elsewhere as soon as each revocation's NOTIFY arrives.
      expect((await server.graphql(realmsQuery, {}, bearer(token.token))).status).toBe(401);
      const refused = await eventually(() => other.graphql(realmsQuery, {}, bearer(token.token)), (answer) => answer.status === 401);
      expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    }
    expect(codes(await server.graphql(realmsQuery, {}, bearer(sibling.token)))).toEqual([]);
    expect(codes(await other.graphql(realmsQuery, {}, bearer(sibling.token)))).toEqual([]);
  });

  test('closes the WebSocket connections of each token it revokes with 4403: at once here, by the sweep elsewhere', async () => {
    const realm = await createRealm(server);
    const parent = await made(server, server.adminToken, { scopes: ['tokens:write', 'events:read'] });
    const child = await made(server, parent.token, { scopes: ['tokens:write', 'events:read'] });
    const grandchild = await made(server, child.token, { scopes: ['events:read'] });
    const here = [await openConnection(server, child.token, realm.id), await openConnection(server, grandchild.token, realm.id)];
    const elsewhere = await openConnection(other, grandchild.token, realm.id);
    const closes = [...here, elsewhere].map(nextClose);

    expect(codes(await server.graphql(revokeMutation, { id: parent.id }))).toEqual([]);
    expect(await Promise.all(closes)).toEqual([4403, 4403, 4403]);
  });

  test('again, when it is revoked already: the descendants it left working are revoked now', async () => {
    // The state of a tree revoked before revocations reached descendants (the TokenTree migration
    // mends such rows on upgrade; this is what revoking the root again does to any it missed).
    const parent = await made(server, server.adminToken, { scopes: ['tokens:write', 'realms:read'] });
    const child = await made(server, parent.token, { name: 'left working', scopes: ['realms:read'] });
    await server.db.dataSource.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [uuidOf(parent.id)]);

    const result = await server.graphql(revokeMutation, { id: parent.id });
    expect(result.errors).toBeUndefined();
    expect(result.data.revokeApiToken.revokedDescendants.map((token: { id: string }) => token.id)).toEqual([child.id]);
    expect((await server.graphql(realmsQuery, {}, bearer(child.token))).status).toBe(401);
  });
});

test('creating a child while its creator is revoked on another instance, many times: no usable token is left under a revoked one', async () => {
  const madeInTheRace: Made[] = [];
  /** Creates a token with `creator`; a creator revoked meanwhile gets UNAUTHENTICATED, the only other outcome. */
  const raceToCreate = async (creator: string, name: string, scopes: string[]): Promise<Made | undefined> => {
    const result = await createWith(server, creator, { name, scopes });
    if (result.errors) {
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
      return undefined;
    }
    const child = { ...result.data.createApiToken.apiToken, token: result.data.createApiToken.token };
    madeInTheRace.push(child);
    return child;
  };
  for (let round = 0; round < 30; round++) {
    const parent = await made(server, server.adminToken, { name: `racer ${round}`, scopes: ['tokens:write', 'realms:read'] });
    // `server` caches the parent: until the revocation's NOTIFY reaches it, only the creation's own
    // check, in its transaction, can see a revocation committing on `other`.
    expect(codes(await server.graphql(realmsQuery, {}, bearer(parent.token)))).toEqual([]);
    // Three chains grow under the parent (a child, then the child's child) while it is revoked;
    // the revocation is sent after 0, 1, 2 or 3 of their steps have been answered, so that it
    // meets the tree at different stages of its growth.
    let stepsAnswered = 0;
    let startRevocation: () => void = () => {};
    const revocationStarts = new Promise<void>((resolve) => (startRevocation = resolve));
    const step = async (creator: string, name: string, scopes: string[]) => {
      const child = await raceToCreate(creator, name, scopes);
      if (++stepsAnswered === round % 4) startRevocation();
      return child;
    };
    const chains = [0, 1, 2].map(async (n) => {
      const child = await step(parent.token, `child ${round}.${n}`, ['tokens:write', 'realms:read']);
      if (child) await step(child.token, `grandchild ${round}.${n}`, ['realms:read']);
    });
    if (round % 4 === 0) startRevocation();
    const revocation = revocationStarts.then(() => other.graphql(revokeMutation, { id: parent.id }));
    await Promise.all(chains);
    // Chains that all ended before the revocation's turn came leave it to start now.
    startRevocation();
    expect(codes(await revocation)).toEqual([]);
  }

  expect(await usableWithRevokedAncestor(server)).toEqual([]);
  // Whatever was made in the race stopped working with its parent, on both instances.
  for (const token of madeInTheRace) {
    for (const instance of [server, other]) {
      const answer = await eventually(() => instance.graphql(realmsQuery, {}, bearer(token.token)), (result) => result.status === 401);
      expect(codes(answer)).toEqual(['UNAUTHENTICATED']);
    }
  }
}, 120_000);

describe('a changed ADMIN_TOKEN', () => {
  let first: TestServer;
  beforeAll(async () => {
    first = await startTestServer({ env: { ADMIN_TOKEN: 'rg_rotation_old_admin_token_0123456789', AUTH_FAILURES_PER_MINUTE: '0' } });
  });
  afterAll(() => first.close());

  test('revokes the previous one and the tokens it created, on every instance', async () => {
    const realm = await createRealm(first);
    const child = await made(first, first.adminToken, { name: 'made by the old ADMIN_TOKEN', scopes: ['tokens:write', 'events:read', 'realms:read'] });
    const grandchild = await made(first, child.token, { scopes: ['events:read', 'realms:read'] });
    // The token command's tokens have no creator: nothing revokes them but their own revocation.
    const independent = await createToken(first.db.dataSource, { name: 'made with npm run token', scopes: ['realms:read'] });
    const connection = await openConnection(first, grandchild.token, realm.id);
    const closed = nextClose(connection);

    // Another instance starts with a new ADMIN_TOKEN: its start-up revokes the old one's tree.
    const rotated = await startTestServer({ db: first.db, env: { ADMIN_TOKEN: 'rg_rotation_new_admin_token_0123456789', AUTH_FAILURES_PER_MINUTE: '0' } });
    try {
      for (const token of [first.adminToken, child.token, grandchild.token]) {
        expect((await rotated.graphql(realmsQuery, {}, bearer(token))).status).toBe(401);
        expect((await eventually(() => first.graphql(realmsQuery, {}, bearer(token)), (answer) => answer.status === 401)).status).toBe(401);
      }
      expect(await closed).toBe(4403);
      expect(codes(await rotated.graphql(realmsQuery, {}, bearer(independent.secret)))).toEqual([]);
      expect(codes(await rotated.graphql(realmsQuery))).toEqual([]);
    } finally {
      await rotated.close();
    }
  });
});
