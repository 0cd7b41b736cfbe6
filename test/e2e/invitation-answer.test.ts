import { Client } from 'pg';
import { createGroup, createIdentity, createRealm, inviteIdentity, queuedInvitationToken, uuidOf } from '../factories/graph';
import { eventually } from '../helpers/eventually';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';

/**
 * Issue #12, "a committed mutation never says it failed": the invitee, who has no API token, reads
 * in the accept's own answer the identity it activated, its realm and its groups (the invitation's
 * token is the credential for that one response, and no more: the rest of the realm stays
 * refused, field by field); and an answer to a request that committed something is HTTP 200.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ runJobs: false, env: { TOKEN_CACHE_TTL_MS: '0' } });
});
afterAll(() => server.close());

let sequence = 0;
const username = () => `invitee${++sequence}`;

const acceptAnswer = `mutation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) {
    identity { id username status realm { name displayName } groups { totalCount edges { node { id name memberCount } } } }
  }
}`;

/** A realm with two groups, and an invitation into both; its link's token. */
async function invitation() {
  const realm = await createRealm(server);
  const [first, second] = await Promise.all([createGroup(server, realm.id), createGroup(server, realm.id)]);
  const invited = await inviteIdentity(server, realm.id, { groupIds: [first.id, second.id] });
  return { realm, groups: [first, second], invited, token: await queuedInvitationToken(server, invited.id) };
}

const accept = (token: string, query = acceptAnswer, authorization = '') =>
  server.graphql(query, { input: { token, displayName: 'New Person', username: username() } }, { authorization });

async function identityState(identityId: string) {
  const data = await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { status username groups { totalCount } } } }`, { id: identityId });
  return data.node;
}

const errorsAt = (result: GraphQLResponse) =>
  Object.fromEntries((result.errors ?? []).map((error) => [(error.path ?? []).join('.'), error.extensions.code]));

describe('the accept’s answer, with no API token', () => {
  test('shows the identity it activated, its realm’s name and its groups: HTTP 200, no errors', async () => {
    const { realm, groups, invited, token } = await invitation();
    const result = await accept(token);
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    const identity = result.data.acceptInvitation.identity;
    expect(identity).toMatchObject({ id: invited.identity!.id, status: 'ACTIVE', realm: { name: realm.name, displayName: expect.any(String) } });
    expect(identity.groups.totalCount).toBe(2);
    expect(identity.groups.edges.map((edge: any) => edge.node.id).sort()).toEqual(groups.map((group) => group.id).sort());
    expect(identity.groups.edges.map((edge: any) => edge.node.memberCount)).toEqual([1, 1]);
  });

  test('refuses the rest of the realm field by field (FORBIDDEN, null), the rest of the answer present, HTTP 200', async () => {
    const { realm, invited, token } = await invitation();
    // Someone else of the realm, whom the invitee must not see.
    await createIdentity(server, realm.id);
    const result = await accept(
      token,
      `mutation($input: AcceptInvitationInput!) {
        acceptInvitation(input: $input) {
          identity {
            id status
            realm { name identities { totalCount } groups { totalCount } invitations { totalCount } events { edges { node { type } } } lastEventCursor }
            groups { edges { node { name realm { name } members { totalCount edges { node { id } } } } } }
          }
        }
      }`,
    );
    expect(result.status).toBe(200);
    const identity = result.data.acceptInvitation.identity;
    expect(identity).toMatchObject({
      id: invited.identity!.id,
      status: 'ACTIVE',
      realm: { name: realm.name, identities: null, groups: null, invitations: null, events: null, lastEventCursor: null },
    });
    expect(identity.groups.edges).toHaveLength(2);
    for (const edge of identity.groups.edges) expect(edge.node).toMatchObject({ name: expect.any(String), realm: { name: realm.name }, members: null });
    expect(errorsAt(result)).toEqual({
      'acceptInvitation.identity.realm.identities': 'FORBIDDEN',
      'acceptInvitation.identity.realm.groups': 'FORBIDDEN',
      'acceptInvitation.identity.realm.invitations': 'FORBIDDEN',
      'acceptInvitation.identity.realm.events': 'FORBIDDEN',
      'acceptInvitation.identity.realm.lastEventCursor': 'FORBIDDEN',
      'acceptInvitation.identity.groups.edges.0.node.members': 'FORBIDDEN',
      'acceptInvitation.identity.groups.edges.1.node.members': 'FORBIDDEN',
    });
    expect(result.errors![0].message).toMatch(/needs an API token/);
    // The accept committed, as the answer says.
    expect(await identityState(invited.identity!.id)).toMatchObject({ status: 'ACTIVE', groups: { totalCount: 2 } });
  });

  test('a made-up token: INVALID_TOKEN, the payload null, nothing changed', async () => {
    const { invited } = await invitation();
    const result = await accept('x'.repeat(43));
    expect(result.data).toEqual({ acceptInvitation: null });
    expect(result.errors!.map((error) => error.extensions.code)).toEqual(['INVALID_TOKEN']);
    expect(await identityState(invited.identity!.id)).toMatchObject({ status: 'INVITED', groups: { totalCount: 0 } });
  });

  test('a used token: INVITATION_ALREADY_ACCEPTED, the payload null, the first acceptance stands', async () => {
    const { invited, token } = await invitation();
    const first = await accept(token);
    expect(first.errors).toBeUndefined();
    const second = await accept(token);
    expect(second.data).toEqual({ acceptInvitation: null });
    expect(second.errors!.map((error) => error.extensions.code)).toEqual(['INVITATION_ALREADY_ACCEPTED']);
    expect(await identityState(invited.identity!.id)).toMatchObject({ status: 'ACTIVE', username: first.data.acceptInvitation.identity.username });
  });

  test('the grant is that response’s only: the next request without a token reads nothing', async () => {
    const { invited, token } = await invitation();
    expect((await accept(token)).errors).toBeUndefined();
    const after = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: invited.identity!.id }, { authorization: '' });
    expect(after.status).toBe(401);
    expect(after.errors!.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
  });
});

test('the accept page’s own mutation, sent as the page sends it (no token), names the realm and the groups it shows', async () => {
  const { realm, groups, token } = await invitation();
  const html = await (await fetch(server.url.replace(/\/graphql$/, `/invitations/accept?token=${token}`))).text();
  const query = html.match(/query:\s*'([^']+)'/)?.[1];
  expect(query).toBeDefined();
  const result = await accept(token, query!);
  expect(result.status).toBe(200);
  expect(result.errors).toBeUndefined();
  const displayName = (await server.ok(`query($id: ID!) { node(id: $id) { ... on Realm { displayName } } }`, { id: realm.id })).node.displayName;
  expect(result.data.acceptInvitation.identity.realm).toEqual({ displayName });
  expect(result.data.acceptInvitation.identity.groups.edges.map((edge: any) => edge.node.name).sort()).toEqual(groups.map((group) => group.name).sort());
});

describe('the accept’s answer, with an API token', () => {
  const withMembers = `mutation($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) { identity { id realm { name } groups { edges { node { id members { totalCount } } } } } }
  }`;

  test('a token of the realm keeps its own rights: it reads the members its scopes allow', async () => {
    const { realm, invited, token } = await invitation();
    const reader = await server.createToken(['identities:read'], realm.id);
    const result = await accept(token, withMembers, `Bearer ${reader.token}`);
    expect(result.errors).toBeUndefined();
    // identities:read alone: the realm and the groups are the invitation's to show.
    expect(result.data.acceptInvitation.identity).toMatchObject({ id: invited.identity!.id, realm: { name: realm.name } });
    expect(result.data.acceptInvitation.identity.groups.edges.map((edge: any) => edge.node.members.totalCount)).toEqual([1, 1]);
  });

  test('a token of another realm reads what the invitation shows, and nothing of the realm by its own scopes', async () => {
    const { realm, invited, token } = await invitation();
    const elsewhere = await createRealm(server);
    const reader = await server.createToken(['realms:read', 'identities:read', 'groups:read', 'events:read'], elsewhere.id);
    const result = await accept(token, withMembers, `Bearer ${reader.token}`);
    expect(result.status).toBe(200);
    expect(result.data.acceptInvitation.identity).toMatchObject({ id: invited.identity!.id, realm: { name: realm.name } });
    expect(result.data.acceptInvitation.identity.groups.edges.map((edge: any) => edge.node.members)).toEqual([null, null]);
    expect(Object.values(errorsAt(result))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});

describe('a request that committed a write', () => {
  test('answers HTTP 200 with its data when a payload field fails after the commit (here, an outage)', async () => {
    const realm = await createRealm(server);
    // A transaction of its own holds the memberships table, which creating an identity does not
    // touch and the payload's `groups` reads: the commit goes through, the read waits, and is then
    // cut off as by a database restart (57P01), which is SERVICE_UNAVAILABLE.
    const holder = new Client({ connectionString: server.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE group_memberships IN ACCESS EXCLUSIVE MODE');
      const name = username();
      const answer = server.graphql(
        `mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id username groups { totalCount } } } }`,
        { input: { realmId: realm.id, displayName: 'Late Reader', username: name, primaryEmail: `${name}@example.com` } },
      );
      const waiting = await eventually(
        async () =>
          (
            await holder.query(
              `SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'group_memberships'::regclass AND pid <> pg_backend_pid()`,
            )
          ).rows as Array<{ pid: number }>,
        (rows) => rows.length > 0,
      );
      await holder.query('SELECT pg_terminate_backend($1)', [waiting[0].pid]);
      const result = await answer;
      expect(result.status).toBe(200);
      expect(result.headers.get('retry-after')).toBeNull();
      expect(result.data.createIdentity.identity).toEqual({ id: expect.any(String), username: name, groups: null });
      expect(errorsAt(result)).toEqual({ 'createIdentity.identity.groups': 'SERVICE_UNAVAILABLE' });
      await holder.query('ROLLBACK');
      const rows = await server.db.dataSource.query('SELECT username FROM identities WHERE id = $1', [uuidOf(result.data.createIdentity.identity.id)]);
      expect(rows).toEqual([{ username: name }]);
    } finally {
      await holder.end();
    }
  });

  test('the same outage before anything committed is still 503 with Retry-After', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const member = await createIdentity(server, realm.id);
    const holder = new Client({ connectionString: server.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE group_memberships IN ACCESS EXCLUSIVE MODE');
      const answer = server.graphql(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, {
        input: { groupId: group.id, identityIds: [member.id] },
      });
      const waiting = await eventually(
        async () =>
          (await holder.query(`SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'group_memberships'::regclass AND pid <> pg_backend_pid()`))
            .rows as Array<{ pid: number }>,
        (rows) => rows.length > 0,
      );
      await holder.query('SELECT pg_terminate_backend($1)', [waiting[0].pid]);
      const result = await answer;
      expect(result.status).toBe(503);
      expect(Number(result.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(result.errors!.map((error) => error.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });
});
