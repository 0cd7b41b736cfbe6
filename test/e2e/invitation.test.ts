import { createHash, randomBytes } from 'node:crypto';
import {
  createGroup,
  createIdentity,
  createRealm,
  inviteIdentity,
  queuedInvitationToken,
  uuidOf,
} from '../factories/graph';
import { subscribe } from '../helpers/subscription';
import { eventually } from '../helpers/eventually';
import { refusedData } from '../helpers/refusal';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';
import { createServices } from '../../src/app/services';

/**
 * `server` runs no background jobs, so what a test sees does not depend on when they run: emails
 * stay QUEUED (their tokens are read from the outbox) and nothing expires unless a test says so.
 * Nor does it cache tokens: every request looks its token up, so that statement counts do not
 * depend on when the token was last seen. `jobServer`, on a database of its own, runs the jobs
 * every 100 ms, as a deployment does.
 */
let server: TestServer;
let jobServer: TestServer;
beforeAll(async () => {
  [server, jobServer] = await Promise.all([startTestServer({ runJobs: false, env: { TOKEN_CACHE_TTL_MS: '0' } }), startTestServer()]);
});
afterAll(() => Promise.all([server.close(), jobServer.close()]));

const invitationFields = `id email role fullName phoneNumber status expiresAt acceptedAt createdAt
  identity { id status username displayName primaryEmail fullName phoneNumber role source }
  deliveryStatus { state attempts lastError sentAt nextAttemptAt }`;

const inviteMutation = `mutation($input: InviteIdentityInput!) { inviteIdentity(input: $input) { invitation { ${invitationFields} } } }`;
const acceptMutation = `mutation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { identity { id status displayName username primaryEmail role groups { totalCount edges { node { id } } } } }
}`;
const revokeMutation = `mutation($id: ID!) { revokeInvitation(input: { id: $id }) { invitation { ${invitationFields} } } }`;
const resendMutation = `mutation($input: ResendInvitationInput!) { resendInvitation(input: $input) { invitation { ${invitationFields} } } }`;

let sequence = 0;
const newAddress = () => `invitee${++sequence}.${randomBytes(3).toString('hex')}@example.com`;

/** The one error of a refused operation; a refused mutation's field is null, and nothing else is answered. */
function refusal(result: GraphQLResponse) {
  expect(result.errors).toHaveLength(1);
  expect(result.data ?? null).toEqual(refusedData(result.errors));
  return { ...result.errors![0].extensions, message: result.errors![0].message };
}

async function invite(srv: TestServer, input: Record<string, unknown>) {
  return (await srv.ok(inviteMutation, { input: { email: newAddress(), ...input } })).inviteIdentity.invitation;
}

const accept = (srv: TestServer, token: string, fields: Partial<{ displayName: string; username: string }> = {}) =>
  srv.graphql(acceptMutation, { input: { token, displayName: fields.displayName ?? 'New Person', username: fields.username ?? `user${++sequence}` } });

async function readInvitation(srv: TestServer, id: string) {
  return (await srv.ok(`query($id: ID!) { node(id: $id) { ... on Invitation { ${invitationFields} } } }`, { id })).node;
}

async function events(srv: TestServer, realmId: string, types: string[]) {
  const data = await srv.ok(
    `query($realmId: ID!, $types: [RealmEventType!]) {
      realm(id: $realmId) { events(first: 100, types: $types) { edges { node { type identityId groupId invitationId data } } } }
    }`,
    { realmId, types },
  );
  return data.realm.events.edges.map((edge: { node: unknown }) => edge.node) as Array<{
    type: string;
    identityId: string | null;
    groupId: string | null;
    invitationId: string | null;
    data: Record<string, any>;
  }>;
}

/** Makes an invitation past its expiry, as time would. */
async function backdate(srv: TestServer, invitationId: string) {
  await srv.db.dataSource.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, [uuidOf(invitationId)]);
}

const hours = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;

describe('inviteIdentity', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  test('makes a PENDING invitation, an INVITED identity with the address as placeholder username, and a QUEUED email', async () => {
    const email = `Ada.Lovelace.${++sequence}@Example.com`;
    const invitation = await invite(server, { realmId, email, role: 'ADMIN', fullName: 'Ada Lovelace', phoneNumber: '+44 20 7946 0000' });
    expect(invitation).toMatchObject({
      email,
      role: 'ADMIN',
      fullName: 'Ada Lovelace',
      phoneNumber: '+442079460000',
      status: 'PENDING',
      acceptedAt: null,
      identity: {
        status: 'INVITED',
        username: email.toLowerCase(),
        displayName: 'Ada Lovelace',
        primaryEmail: email,
        fullName: 'Ada Lovelace',
        phoneNumber: '+442079460000',
        role: 'ADMIN',
        source: 'MANUAL',
      },
      deliveryStatus: { state: 'QUEUED', attempts: 0, lastError: null, sentAt: null, nextAttemptAt: expect.any(String) },
    });
    expect(hours(invitation.createdAt, invitation.expiresAt)).toBe(168);
    expect(await readInvitation(server, invitation.id)).toEqual(invitation);
  });

  test('without a full name the display name is the address’s local part, and the role GRANTEE', async () => {
    const local = `grace.hopper.${++sequence}`;
    const invitation = await invite(server, { realmId, email: `${local}@example.com` });
    expect(invitation.identity.displayName).toBe(local);
    expect(invitation.role).toBe('GRANTEE');
  });

  test('expiresInHours sets how long the link works', async () => {
    const invitation = await invite(server, { realmId, expiresInHours: 2 });
    expect(hours(invitation.createdAt, invitation.expiresAt)).toBe(2);
  });

  test('only the SHA-256 of the token is stored', async () => {
    const invitation = await invite(server, { realmId });
    const token = await queuedInvitationToken(server, invitation.id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await server.db.dataSource.query(`SELECT token_hash FROM invitations WHERE id = $1`, [uuidOf(invitation.id)]);
    expect(Buffer.from(row.token_hash).equals(createHash('sha256').update(token).digest())).toBe(true);
  });

  test('the queued email has a subject, a text and an HTML part with the accept link, and escapes what people typed', async () => {
    const realm = await server.ok(`mutation { createRealm(input: { name: "escape-${++sequence}", displayName: "<Acme & \\"Co\\">" }) { realm { id } } }`);
    const invitation = await invite(server, { realmId: realm.createRealm.realm.id, fullName: '<script>alert(1)</script>' });
    const token = await queuedInvitationToken(server, invitation.id);
    const [message] = await server.db.dataSource.query(
      `SELECT recipient, subject, text_body AS text, html_body AS html FROM email_outbox WHERE invitation_id = $1`,
      [uuidOf(invitation.id)],
    );
    const link = `${new URL(server.url).origin.replace('127.0.0.1', 'localhost')}/invitations/accept?token=${token}`;
    expect(message.recipient).toBe(invitation.email);
    expect(message.subject).toBe('You are invited to <Acme & "Co">');
    expect(message.text).toContain(link);
    expect(message.text).toContain('Hello <script>alert(1)</script>,');
    expect(message.html).toContain(`<a href="${link}">`);
    expect(message.html).toContain('&lt;Acme &amp; &quot;Co&quot;&gt;');
    expect(message.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(message.html).not.toContain('<script>');
  });

  test('appends identity.created and invitation.created', async () => {
    const realm = await createRealm(server);
    const invitation = await invite(server, { realmId: realm.id });
    const log = await events(server, realm.id, ['IDENTITY_CREATED', 'INVITATION_CREATED']);
    expect(log).toEqual([
      expect.objectContaining({ type: 'IDENTITY_CREATED', identityId: invitation.identity.id, data: { identity: expect.objectContaining({ status: 'INVITED' }) } }),
      expect.objectContaining({
        type: 'INVITATION_CREATED',
        invitationId: invitation.id,
        identityId: invitation.identity.id,
        data: { email: invitation.email, role: 'GRANTEE', expiresAt: invitation.expiresAt },
      }),
    ]);
  });

  test.each([
    ['email', { email: 'not-an-email' }],
    ['phoneNumber', { phoneNumber: '555-1234' }],
    ['fullName', { fullName: 'f'.repeat(257) }],
    ['expiresInHours', { expiresInHours: 0 }],
    ['expiresInHours', { expiresInHours: 8761 }],
    ['groupIds', { groupIds: Array.from({ length: 101 }, () => 'x') }],
  ])('an invalid %s is refused with INVALID_INPUT', async (field, fields) => {
    const result = await server.graphql(inviteMutation, { input: { realmId, email: newAddress(), ...fields } });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', field] });
  });

  test('a realm that does not exist is NOT_FOUND, an ID of another type INVALID_ID', async () => {
    const gone = await createRealm(server);
    await server.ok(`mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: gone.id });
    expect(refusal(await server.graphql(inviteMutation, { input: { realmId: gone.id, email: newAddress() } }))).toMatchObject({
      code: 'NOT_FOUND',
      inputPath: ['input', 'realmId'],
    });
    const group = await createGroup(server, realmId);
    expect(refusal(await server.graphql(inviteMutation, { input: { realmId: group.id, email: newAddress() } }))).toMatchObject({
      code: 'INVALID_ID',
      inputPath: ['input', 'realmId'],
    });
  });

  test('groupIds must name groups of the realm: NOT_FOUND or INVALID_ID at the offending index', async () => {
    const group = await createGroup(server, realmId);
    const gone = await createGroup(server, realmId);
    await server.ok(`mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: gone.id });
    expect(refusal(await server.graphql(inviteMutation, { input: { realmId, email: newAddress(), groupIds: [group.id, gone.id] } }))).toMatchObject({
      code: 'NOT_FOUND',
      inputPath: ['input', 'groupIds', 1],
    });
    expect(refusal(await server.graphql(inviteMutation, { input: { realmId, email: newAddress(), groupIds: [realmId] } }))).toMatchObject({
      code: 'INVALID_ID',
      inputPath: ['input', 'groupIds', 0],
    });
  });

  test('an address that an identity of the realm has (in any case) is refused with IDENTITY_EXISTS', async () => {
    const local = `Taken.${++sequence}`;
    await createIdentity(server, realmId, { primaryEmail: `${local}@Example.com` });
    const result = await server.graphql(inviteMutation, { input: { realmId, email: `${local.toLowerCase()}@EXAMPLE.com` } });
    expect(refusal(result)).toMatchObject({ code: 'IDENTITY_EXISTS', inputPath: ['input', 'email'], identityId: expect.any(String) });
  });

  test('an address with a pending invitation is refused with INVITATION_EXISTS, which says to resend or revoke it', async () => {
    const first = await invite(server, { realmId });
    const result = await server.graphql(inviteMutation, { input: { realmId, email: first.email.toUpperCase() } });
    const error = refusal(result);
    expect(error).toMatchObject({ code: 'INVITATION_EXISTS', inputPath: ['input', 'email'], invitationId: first.id });
    expect(error.message).toMatch(/resend.*revoke/);
  });

  test('an address whose invitation expired is refused with IDENTITY_EXISTS, which says to resend it', async () => {
    const first = await invite(server, { realmId });
    await backdate(server, first.id);
    const error = refusal(await server.graphql(inviteMutation, { input: { realmId, email: first.email } }));
    expect(error).toMatchObject({ code: 'IDENTITY_EXISTS', inputPath: ['input', 'email'], invitationId: first.id });
    expect(error.message).toMatch(/expired.*[Rr]esend/);
  });

  test('the same address can be invited to another realm', async () => {
    const email = newAddress();
    await invite(server, { realmId, email });
    const other = await createRealm(server);
    expect((await invite(server, { realmId: other.id, email })).status).toBe('PENDING');
  });

  test('of two concurrent invitations of one address, exactly one is made; the other is INVITATION_EXISTS', async () => {
    const realm = await createRealm(server);
    const email = newAddress();
    const results = await Promise.all([email, email.toUpperCase()].map((address) => server.graphql(inviteMutation, { input: { realmId: realm.id, email: address } })));
    expect(results.map((result) => result.errors?.[0].extensions.code ?? 'OK').sort()).toEqual(['INVITATION_EXISTS', 'OK']);
    const data = await server.ok(`query($id: ID!) { realm(id: $id) { invitations { totalCount } identities { totalCount } } }`, { id: realm.id });
    expect(data.realm).toEqual({ invitations: { totalCount: 1 }, identities: { totalCount: 1 } });
  });

  test('a refused invitation leaves nothing behind: no identity, no invitation, no email', async () => {
    const realm = await createRealm(server);
    const other = await createGroup(server, (await createRealm(server)).id);
    await server.graphql(inviteMutation, { input: { realmId: realm.id, email: newAddress(), groupIds: [other.id] } });
    const data = await server.ok(`query($id: ID!) { realm(id: $id) { invitations { totalCount } identities { totalCount } } }`, { id: realm.id });
    expect(data.realm).toEqual({ invitations: { totalCount: 0 }, identities: { totalCount: 0 } });
    const [outbox] = await server.db.dataSource.query(`SELECT count(*)::int AS count FROM email_outbox WHERE realm_id = $1`, [uuidOf(realm.id)]);
    expect(outbox.count).toBe(0);
  });

  test('when the address is already someone’s username, the placeholder username is another', async () => {
    const email = newAddress();
    await createIdentity(server, realmId, { username: email, primaryEmail: newAddress() });
    const invitation = await invite(server, { realmId, email });
    expect(invitation.identity.username).toMatch(/^invited-[0-9a-f-]{36}$/);
  });

  test('the identity of a pending invitation cannot be deleted directly: revoke the invitation', async () => {
    const invitation = await invite(server, { realmId });
    const result = await server.graphql(`mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`, { id: invitation.identity.id });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_STATUS_TRANSITION', inputPath: ['input', 'id'] });
    expect((await readInvitation(server, invitation.id)).identity.status).toBe('INVITED');
  });
});

describe('realm isolation', () => {
  test('a realm lists only its own invitations, and an invitation may not name another realm’s group', async () => {
    const [a, b] = await Promise.all([createRealm(server), createRealm(server)]);
    const mine = await inviteIdentity(server, a.id);
    await inviteIdentity(server, b.id);
    const data = await server.ok(`query($id: ID!) { realm(id: $id) { invitations { totalCount edges { node { id } } } } }`, { id: a.id });
    expect(data.realm.invitations).toEqual({ totalCount: 1, edges: [{ node: { id: mine.id } }] });

    const theirs = await createGroup(server, b.id);
    const ours = await createGroup(server, a.id);
    const result = await server.graphql(inviteMutation, { input: { realmId: a.id, email: newAddress(), groupIds: [ours.id, theirs.id] } });
    expect(refusal(result)).toMatchObject({ code: 'CROSS_REALM', inputPath: ['input', 'groupIds', 1] });
  });
});

describe('acceptInvitation', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  test('the identity becomes ACTIVE with the chosen name and username, in the invitation’s groups', async () => {
    const [engineering, design] = await Promise.all([createGroup(server, realmId), createGroup(server, realmId)]);
    const invitation = await invite(server, { realmId, role: 'ADMIN', groupIds: [engineering.id, design.id, engineering.id] });
    const token = await queuedInvitationToken(server, invitation.id);

    const result = await accept(server, token, { displayName: '  Ada  ', username: 'ada' });
    expect(result.errors).toBeUndefined();
    const identity = result.data.acceptInvitation.identity;
    expect(identity).toMatchObject({ id: invitation.identity.id, status: 'ACTIVE', displayName: 'Ada', username: 'ada', primaryEmail: invitation.email, role: 'ADMIN' });
    expect(identity.groups.totalCount).toBe(2);
    expect(identity.groups.edges.map((edge: { node: { id: string } }) => edge.node.id).sort()).toEqual([engineering.id, design.id].sort());

    const after = await readInvitation(server, invitation.id);
    expect(after).toMatchObject({ status: 'ACCEPTED', acceptedAt: expect.any(String), identity: { id: identity.id, status: 'ACTIVE' } });
    const counts = await server.ok(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Group { memberCount } } }`, { ids: [engineering.id, design.id] });
    expect(counts.nodes).toEqual([{ memberCount: 1 }, { memberCount: 1 }]);
  });

  test('appends the identity’s update and status change, its memberships, and invitation.accepted', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const invitation = await invite(server, { realmId: realm.id, fullName: 'Before Name', groupIds: [group.id] });
    expect((await accept(server, await queuedInvitationToken(server, invitation.id), { displayName: 'After Name', username: 'after' })).errors).toBeUndefined();
    const log = await events(server, realm.id, ['IDENTITY_UPDATED', 'IDENTITY_STATUS_CHANGED', 'MEMBERSHIP_ADDED', 'INVITATION_ACCEPTED']);
    const identityId = invitation.identity.id;
    expect(log).toEqual([
      expect.objectContaining({
        type: 'IDENTITY_UPDATED',
        identityId,
        data: { changes: { displayName: { before: 'Before Name', after: 'After Name' }, username: { before: invitation.email.toLowerCase(), after: 'after' } } },
      }),
      expect.objectContaining({ type: 'IDENTITY_STATUS_CHANGED', identityId, data: { changes: { status: { before: 'INVITED', after: 'ACTIVE' } } } }),
      expect.objectContaining({ type: 'MEMBERSHIP_ADDED', identityId, groupId: group.id }),
      expect.objectContaining({ type: 'INVITATION_ACCEPTED', identityId, invitationId: invitation.id }),
    ]);
  });

  test('a token works once: the second accept is INVITATION_ALREADY_ACCEPTED', async () => {
    const invitation = await invite(server, { realmId });
    const token = await queuedInvitationToken(server, invitation.id);
    expect((await accept(server, token)).errors).toBeUndefined();
    expect(refusal(await accept(server, token))).toMatchObject({ code: 'INVITATION_ALREADY_ACCEPTED', inputPath: ['input', 'token'] });
  });

  test('of two concurrent accepts of one token exactly one succeeds; the identity joins its group once', async () => {
    const group = await createGroup(server, realmId);
    const invitation = await invite(server, { realmId, groupIds: [group.id] });
    const token = await queuedInvitationToken(server, invitation.id);
    const results = await Promise.all(['racer-a', 'racer-b'].map((name) => accept(server, token, { username: `${name}${sequence}` })));
    expect(results.map((result) => result.errors?.[0].extensions.code ?? 'OK').sort()).toEqual(['INVITATION_ALREADY_ACCEPTED', 'OK']);
    const data = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { memberCount } } }`, { id: group.id });
    expect(data.node.memberCount).toBe(1);
  });

  test.each([
    ['unknown', randomBytes(32).toString('base64url')],
    ['malformed', 'not a token'],
    ['empty', ''],
  ])('an %s token is INVALID_TOKEN', async (_kind, token) => {
    expect(refusal(await accept(server, token))).toMatchObject({ code: 'INVALID_TOKEN', inputPath: ['input', 'token'] });
  });

  test('a username taken in the realm is DUPLICATE_USERNAME, and the token still works with another', async () => {
    const taken = `taken${++sequence}`;
    await createIdentity(server, realmId, { username: taken });
    const invitation = await invite(server, { realmId });
    const token = await queuedInvitationToken(server, invitation.id);
    expect(refusal(await accept(server, token, { username: taken.toUpperCase() }))).toMatchObject({ code: 'DUPLICATE_USERNAME', inputPath: ['input', 'username'] });
    expect((await readInvitation(server, invitation.id)).status).toBe('PENDING');
    expect((await accept(server, token, { username: `free-${taken}` })).data.acceptInvitation.identity.status).toBe('ACTIVE');
  });

  test('an invalid display name or username is INVALID_INPUT', async () => {
    const invitation = await invite(server, { realmId });
    const token = await queuedInvitationToken(server, invitation.id);
    expect(refusal(await accept(server, token, { displayName: '  ' }))).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'displayName'] });
    expect(refusal(await accept(server, token, { username: 'has space' }))).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'username'] });
  });

  test('a group deleted since the invitation is skipped', async () => {
    const [kept, deleted] = await Promise.all([createGroup(server, realmId), createGroup(server, realmId)]);
    const invitation = await invite(server, { realmId, groupIds: [kept.id, deleted.id] });
    await server.ok(`mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: deleted.id });
    const result = await accept(server, await queuedInvitationToken(server, invitation.id));
    expect(result.data.acceptInvitation.identity.groups).toMatchObject({ totalCount: 1, edges: [{ node: { id: kept.id } }] });
  });

  test('a revoked invitation’s token is INVITATION_REVOKED', async () => {
    const invitation = await invite(server, { realmId });
    const token = await queuedInvitationToken(server, invitation.id);
    await server.ok(revokeMutation, { id: invitation.id });
    expect(refusal(await accept(server, token))).toMatchObject({ code: 'INVITATION_REVOKED', inputPath: ['input', 'token'] });
  });

  test('an invitation past its expiry reads EXPIRED before the expiry job has run, and its token is INVITATION_EXPIRED', async () => {
    const invitation = await invite(server, { realmId });
    const token = await queuedInvitationToken(server, invitation.id);
    await backdate(server, invitation.id);
    expect((await readInvitation(server, invitation.id)).status).toBe('EXPIRED');
    const [stored] = await server.db.dataSource.query(`SELECT status FROM invitations WHERE id = $1`, [uuidOf(invitation.id)]);
    expect(stored.status).toBe('PENDING');
    expect(refusal(await accept(server, token))).toMatchObject({ code: 'INVITATION_EXPIRED', inputPath: ['input', 'token'] });
  });
});

describe('the expiry job', () => {
  test('marks an invitation EXPIRED and emits invitation.expired without any request touching it', async () => {
    const realm = await createRealm(jobServer);
    const invitation = await invite(jobServer, { realmId: realm.id });
    const { realm: loaded } = await jobServer.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realm.id });
    const expired = subscribe(
      jobServer.wsClient(),
      `subscription($realmId: ID!, $after: String) { realmEvents(realmId: $realmId, types: [INVITATION_EXPIRED], after: $after) { invitationId identityId } }`,
      { realmId: realm.id, after: loaded.lastEventCursor },
      'realmEvents',
    );
    await backdate(jobServer, invitation.id);
    // Nothing asks for the invitation: the job alone notices, and its event arrives.
    expect(await expired.next()).toEqual({ invitationId: invitation.id, identityId: invitation.identity.id });
    expired.close();
    const [stored] = await jobServer.db.dataSource.query(`SELECT status FROM invitations WHERE id = $1`, [uuidOf(invitation.id)]);
    expect(stored.status).toBe('EXPIRED');
    // The invited identity stays until the invitation is revoked or resent and accepted.
    expect((await readInvitation(jobServer, invitation.id)).identity.status).toBe('INVITED');
  });

  test('cancels the email of an invitation that expires before it could be sent', async () => {
    const invitation = await invite(server, { realmId: (await createRealm(server)).id });
    await backdate(server, invitation.id);
    // `server` runs no jobs: the test plays the job's part, as any instance would.
    const service = createServices({
      dataSource: server.db.dataSource,
      relay: undefined as never, // the expiry pass reads no events
      invitations: { invitationTtlHours: 168, publicUrl: () => 'http://localhost' },
      wakeEmailDelivery: () => undefined,
      webhooks: { allowPrivateNetworks: false },
      wakeWebhookDelivery: () => undefined,
      tokenRevoked: () => undefined,
    }).invitations;
    expect(await service.expireDue()).toBeGreaterThanOrEqual(1);
    expect(await service.expireDue()).toBe(0);
    expect((await readInvitation(server, invitation.id)).deliveryStatus).toMatchObject({ state: 'CANCELLED', nextAttemptAt: null });
  });
});

describe('revokeInvitation', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  test('a PENDING invitation becomes REVOKED: its identity is deleted and its email cancelled', async () => {
    const invitation = await invite(server, { realmId });
    const revoked = (await server.ok(revokeMutation, { id: invitation.id })).revokeInvitation.invitation;
    expect(revoked).toMatchObject({ id: invitation.id, status: 'REVOKED', identity: null, deliveryStatus: { state: 'CANCELLED' } });
    expect(await readInvitation(server, invitation.id)).toEqual(revoked);
    expect((await server.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: invitation.identity.id })).node).toBeNull();
    const [message] = await server.db.dataSource.query(`SELECT text_body, html_body FROM email_outbox WHERE invitation_id = $1`, [uuidOf(invitation.id)]);
    expect(message).toEqual({ text_body: null, html_body: null });
  });

  test('appends identity.deleted and invitation.revoked, and the address may be invited again', async () => {
    const realm = await createRealm(server);
    const invitation = await invite(server, { realmId: realm.id });
    await server.ok(revokeMutation, { id: invitation.id });
    expect(await events(server, realm.id, ['IDENTITY_DELETED', 'INVITATION_REVOKED'])).toEqual([
      expect.objectContaining({ type: 'IDENTITY_DELETED', identityId: invitation.identity.id }),
      expect.objectContaining({ type: 'INVITATION_REVOKED', invitationId: invitation.id, identityId: invitation.identity.id }),
    ]);
    expect((await invite(server, { realmId: realm.id, email: invitation.email })).status).toBe('PENDING');
  });

  test('an EXPIRED invitation can be revoked', async () => {
    const invitation = await invite(server, { realmId });
    await backdate(server, invitation.id);
    expect((await server.ok(revokeMutation, { id: invitation.id })).revokeInvitation.invitation).toMatchObject({ status: 'REVOKED', identity: null });
  });

  test('a REVOKED or ACCEPTED invitation is INVITATION_NOT_PENDING', async () => {
    const revoked = await invite(server, { realmId });
    await server.ok(revokeMutation, { id: revoked.id });
    expect(refusal(await server.graphql(revokeMutation, { id: revoked.id }))).toMatchObject({ code: 'INVITATION_NOT_PENDING', inputPath: ['input', 'id'], status: 'REVOKED' });

    const accepted = await invite(server, { realmId });
    await accept(server, await queuedInvitationToken(server, accepted.id));
    expect(refusal(await server.graphql(revokeMutation, { id: accepted.id }))).toMatchObject({ code: 'INVITATION_NOT_PENDING', status: 'ACCEPTED' });
    expect((await readInvitation(server, accepted.id)).identity.status).toBe('ACTIVE');
  });

  test('an unknown invitation is NOT_FOUND, an ID of another type INVALID_ID', async () => {
    const invitation = await invite(server, { realmId });
    await server.db.dataSource.query(`DELETE FROM invitations WHERE id = $1`, [uuidOf(invitation.id)]);
    expect(refusal(await server.graphql(revokeMutation, { id: invitation.id }))).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'id'] });
    expect(refusal(await server.graphql(revokeMutation, { id: realmId }))).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'id'] });
  });
});

describe('resendInvitation', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  test('a new token works and the old one stops working; the expiry starts again; the old email is cancelled', async () => {
    const invitation = await invite(server, { realmId });
    const oldToken = await queuedInvitationToken(server, invitation.id);
    await server.db.dataSource.query(`UPDATE invitations SET expires_at = now() + interval '1 hour' WHERE id = $1`, [uuidOf(invitation.id)]);
    const before = await readInvitation(server, invitation.id);

    const resent = (await server.ok(resendMutation, { input: { id: invitation.id } })).resendInvitation.invitation;
    expect(resent).toMatchObject({ status: 'PENDING', deliveryStatus: { state: 'QUEUED', attempts: 0 } });
    expect(hours(before.expiresAt, resent.expiresAt)).toBeGreaterThan(166);
    const newToken = await queuedInvitationToken(server, invitation.id);
    expect(newToken).not.toBe(oldToken);
    const messages = await server.db.dataSource.query(
      `SELECT status, text_body IS NULL AS erased FROM email_outbox WHERE invitation_id = $1 ORDER BY created_at`,
      [uuidOf(invitation.id)],
    );
    expect(messages).toEqual([
      { status: 'CANCELLED', erased: true },
      { status: 'QUEUED', erased: false },
    ]);

    expect(refusal(await accept(server, oldToken))).toMatchObject({ code: 'INVALID_TOKEN' });
    expect((await accept(server, newToken)).data.acceptInvitation.identity.status).toBe('ACTIVE');
  });

  test('an EXPIRED invitation is PENDING again, with expiresInHours from now, and invitation.resent is appended', async () => {
    const realm = await createRealm(server);
    const invitation = await invite(server, { realmId: realm.id });
    await backdate(server, invitation.id);
    const resent = (await server.ok(resendMutation, { input: { id: invitation.id, expiresInHours: 5 } })).resendInvitation.invitation;
    expect(resent.status).toBe('PENDING');
    const [row] = await server.db.dataSource.query(`SELECT expires_at - updated_at = interval '5 hours' AS restarted FROM invitations WHERE id = $1`, [
      uuidOf(invitation.id),
    ]);
    expect(row.restarted).toBe(true);
    expect(await events(server, realm.id, ['INVITATION_RESENT'])).toEqual([
      expect.objectContaining({ invitationId: invitation.id, identityId: invitation.identity.id, data: { expiresAt: resent.expiresAt } }),
    ]);
    expect((await accept(server, await queuedInvitationToken(server, invitation.id))).errors).toBeUndefined();
  });

  test('an ACCEPTED or REVOKED invitation is INVITATION_NOT_PENDING; expiresInHours out of range is INVALID_INPUT', async () => {
    const accepted = await invite(server, { realmId });
    await accept(server, await queuedInvitationToken(server, accepted.id));
    expect(refusal(await server.graphql(resendMutation, { input: { id: accepted.id } }))).toMatchObject({ code: 'INVITATION_NOT_PENDING', inputPath: ['input', 'id'] });
    const revoked = await invite(server, { realmId });
    await server.ok(revokeMutation, { id: revoked.id });
    expect(refusal(await server.graphql(resendMutation, { input: { id: revoked.id } }))).toMatchObject({ code: 'INVITATION_NOT_PENDING' });
    const pending = await invite(server, { realmId });
    expect(refusal(await server.graphql(resendMutation, { input: { id: pending.id, expiresInHours: 0 } }))).toMatchObject({
      code: 'INVALID_INPUT',
      inputPath: ['input', 'expiresInHours'],
    });
  });
});

describe('Realm.invitations', () => {
  const listQuery = `query($realmId: ID!, $status: InvitationStatus, $first: Int, $after: String, $last: Int, $before: String) {
    realm(id: $realmId) {
      invitations(status: $status, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { id status } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }`;
  const list = async (realmId: string, args: Record<string, unknown> = {}) => (await server.ok(listQuery, { realmId, ...args })).realm.invitations;
  const ids = (page: { edges: Array<{ node: { id: string } }> }) => page.edges.map((edge) => edge.node.id);

  let realmId: string;
  let made: Array<{ id: string }>;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
    made = [];
    for (let n = 0; n < 7; n++) made.push(await inviteIdentity(server, realmId));
    // 0, 1: accepted; 2: revoked; 3: expired; 4, 5, 6: pending.
    for (const index of [0, 1]) await accept(server, await queuedInvitationToken(server, made[index].id));
    await server.ok(revokeMutation, { id: made[2].id });
    await backdate(server, made[3].id);
  });

  test('lists in the order the invitations were made, with the total', async () => {
    const page = await list(realmId);
    expect(page.totalCount).toBe(7);
    expect(ids(page)).toEqual(made.map((invitation) => invitation.id));
    expect(page.edges.map((edge: { node: { status: string } }) => edge.node.status)).toEqual([
      'ACCEPTED', 'ACCEPTED', 'REVOKED', 'EXPIRED', 'PENDING', 'PENDING', 'PENDING',
    ]);
  });

  test.each([
    ['PENDING', [4, 5, 6]],
    ['ACCEPTED', [0, 1]],
    ['REVOKED', [2]],
    ['EXPIRED', [3]],
  ])('status %s keeps only those, as they read', async (status, indexes) => {
    const page = await list(realmId, { status });
    expect(ids(page)).toEqual(indexes.map((index) => made[index].id));
    expect(page.totalCount).toBe(indexes.length);
  });

  test('pages forward and backward with cursors', async () => {
    const first = await list(realmId, { first: 3 });
    expect(ids(first)).toEqual(made.slice(0, 3).map((invitation) => invitation.id));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await list(realmId, { first: 3, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual(made.slice(3, 6).map((invitation) => invitation.id));
    const last = await list(realmId, { last: 2, before: second.pageInfo.endCursor });
    expect(ids(last)).toEqual(made.slice(3, 5).map((invitation) => invitation.id));
    expect(last.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  test('a cursor of another list is INVALID_CURSOR', async () => {
    const identities = await server.ok(`query($id: ID!) { realm(id: $id) { identities(first: 1) { pageInfo { endCursor } } } }`, { id: realmId });
    const result = await server.graphql(listQuery, { realmId, after: identities.realm.identities.pageInfo.endCursor });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['after'] });
  });

  test('the identities and delivery states of a page load in one statement each, however many invitations', async () => {
    const query = `query($id: ID!) { realm(id: $id) { invitations(first: 50) { edges { node { id identity { username } deliveryStatus { state } } } } } }`;
    const statements = await server.countStatements(() => server.ok(query, { id: realmId }));
    // The token's lookup (no cache on this server), the realm, the page, its identities, its deliveries.
    expect(statements).toBe(5);
  });
});

describe('delivery through the log (no SMTP_URL)', () => {
  test('the email is written to the log with its link, and deliveryStatus becomes SENT after one attempt', async () => {
    const realm = await createRealm(jobServer);
    const invitation = await invite(jobServer, { realmId: realm.id });
    const sent = await eventually(
      () => readInvitation(jobServer, invitation.id),
      (read) => read.deliveryStatus.state === 'SENT',
    );
    expect(sent.deliveryStatus).toMatchObject({ state: 'SENT', attempts: 1, lastError: null, sentAt: expect.any(String), nextAttemptAt: null });
    const line = jobServer.logs.map((entry) => JSON.parse(entry)).find((entry) => entry.to === invitation.email);
    expect(line).toMatchObject({ level: 'info', subject: `You are invited to Realm ${realm.name}` });
    const token = line.text.match(/\/invitations\/accept\?token=([A-Za-z0-9_-]{43})/)[1];
    // Sent: the message, and the link in it, are erased from the database.
    const [message] = await jobServer.db.dataSource.query(`SELECT text_body, html_body FROM email_outbox WHERE invitation_id = $1`, [uuidOf(invitation.id)]);
    expect(message).toEqual({ text_body: null, html_body: null });
    expect(await events(jobServer, realm.id, ['INVITATION_SENT'])).toEqual([expect.objectContaining({ invitationId: invitation.id, data: { attempts: 1 } })]);
    expect((await accept(jobServer, token)).data.acceptInvitation.identity.status).toBe('ACTIVE');
  });
});
