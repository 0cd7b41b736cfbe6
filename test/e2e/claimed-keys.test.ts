import { createRealm } from '../factories/graph';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';

/*
 * The keys an identity holds in its realm (username, email) claimed by concurrent writes on two
 * instances of one database: whichever commits first, the other gets the answer the service's own
 * check gives (with its details), never a unique index's — the check is made under the key's lock
 * (src/identity/claimed-keys.ts).
 */

let first: TestServer;
let second: TestServer;
beforeAll(async () => {
  first = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } });
  second = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' }, db: first.db });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const trials = 15;
let serial = 0;
const fresh = () => `claim${Date.now().toString(36)}${(serial++).toString(36)}`;

const create = (server: TestServer, realmId: string, username: string, primaryEmail: string) =>
  server.graphql(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id username } } }`, {
    input: { realmId, displayName: username, username, primaryEmail },
  });

const invite = (server: TestServer, realmId: string, email: string) =>
  server.graphql(`mutation($input: InviteIdentityInput!) { inviteIdentity(input: $input) { invitation { identity { id username } } } }`, {
    input: { realmId, email },
  });

const refusal = (response: GraphQLResponse) => response.errors?.[0] && { message: response.errors[0].message, ...response.errors[0].extensions };

async function identitiesWith(realmId: string, email: string): Promise<number> {
  const [{ count }] = await first.db.dataSource.query(
    `SELECT count(*)::integer AS count FROM identities WHERE realm_id = $1 AND lower(primary_email) = lower($2)`,
    [Buffer.from(realmId, 'base64url').toString().split(':')[1], email],
  );
  return count;
}

test('an invitation and a new identity of one address: one wins, the other is refused as its own check refuses', async () => {
  const realm = await createRealm(first);
  for (let trial = 0; trial < trials; trial++) {
    const name = fresh();
    const email = `${name}@example.com`;
    const [invited, created] = await Promise.all([invite(first, realm.id, email), create(second, realm.id, `other-${name}`, email)]);
    expect([invited.errors, created.errors].filter(Boolean)).toHaveLength(1);
    if (invited.errors) {
      expect(refusal(invited)).toMatchObject({ code: 'IDENTITY_EXISTS', inputPath: ['input', 'email'], identityId: created.data!.createIdentity.identity.id });
    } else {
      expect(refusal(created)).toMatchObject({ code: 'DUPLICATE_EMAIL', inputPath: ['input', 'primaryEmail'], message: `The email "${email}" is taken in this realm.` });
    }
    expect(await identitiesWith(realm.id, email)).toBe(1);
  }
});

test('an invitation and a new identity whose username is the address: both succeed, the invitee’s username steps aside', async () => {
  const realm = await createRealm(first);
  for (let trial = 0; trial < trials; trial++) {
    const name = fresh();
    const address = `${name}@example.com`;
    const [invited, created] = await Promise.all([invite(first, realm.id, address), create(second, realm.id, address, `other-${name}@example.com`)]);
    if (created.errors) {
      // The invitation took the address as its placeholder username first.
      expect(refusal(created)).toMatchObject({ code: 'DUPLICATE_USERNAME', message: `The username "${address}" is taken in this realm.` });
      expect(invited.data!.inviteIdentity.invitation.identity.username).toBe(address);
    } else {
      expect(invited.errors).toBeUndefined();
      expect(created.data!.createIdentity.identity.username).toBe(address);
      expect(invited.data!.inviteIdentity.invitation.identity.username).toMatch(/^invited-/);
    }
  }
});

test('two identities claiming one username and one email: the second is refused by the check, with its message', async () => {
  const realm = await createRealm(first);
  for (let trial = 0; trial < trials; trial++) {
    const name = fresh();
    const results = await Promise.all([first, second].map((server) => create(server, realm.id, name, `${name}@example.com`)));
    const refused = results.filter((result) => result.errors);
    expect(refused).toHaveLength(1);
    // The unique index's answer would say "An identity with this username already exists in the realm."
    expect(refusal(refused[0])).toMatchObject({ code: 'DUPLICATE_USERNAME', message: `The username "${name}" is taken in this realm.` });
  }
});
