import { createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

/** The profile attributes identity providers send (issue #13), through GraphQL: set, read, filtered, changed, logged. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const profile = 'givenName familyName title userType preferredLanguage locale timezone employeeNumber costCenter organization division department managerId';

test('are set on create, read back, filtered by ignoring case, cleared on update, and the change is logged', async () => {
  const realm = await createRealm(server);
  const created = await server.ok(
    `mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id version ${profile} } } }`,
    {
      input: {
        realmId: realm.id,
        displayName: 'Ada',
        username: 'ada',
        primaryEmail: 'ada@example.com',
        givenName: 'Ada',
        familyName: 'Lovelace',
        title: 'Analyst',
        department: 'Engines',
        costCenter: ' 4130 ',
      },
    },
  );
  const identity = created.createIdentity.identity;
  expect(identity).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace', title: 'Analyst', department: 'Engines', costCenter: '4130', division: null });
  await server.ok(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id } } }`, {
    input: { realmId: realm.id, displayName: 'Bob', username: 'bob', primaryEmail: 'bob@example.com', department: 'Looms' },
  });

  const list = await server.ok(`query($id: ID!) { realm(id: $id) { identities(filter: { department: "ENGINES" }) { edges { node { username } } } } }`, { id: realm.id });
  expect(list.realm.identities.edges.map((edge: any) => edge.node.username)).toEqual(['ada']);

  const updated = await server.ok(`mutation($input: UpdateIdentityInput!) { updateIdentity(input: $input) { identity { department title version } } }`, {
    input: { id: identity.id, department: null, title: 'Lead Analyst' },
  });
  expect(updated.updateIdentity.identity).toEqual({ department: null, title: 'Lead Analyst', version: identity.version + 1 });

  const events = await server.ok(`query($id: ID!) { realm(id: $id) { events(last: 1) { edges { node { type data } } } } }`, { id: realm.id });
  expect(events.realm.events.edges[0].node).toMatchObject({
    type: 'IDENTITY_UPDATED',
    data: { changes: { department: { before: 'Engines', after: null }, title: { before: 'Analyst', after: 'Lead Analyst' } } },
  });
});

test('a value over 256 characters is refused, naming the field', async () => {
  const realm = await createRealm(server);
  const result = await server.graphql(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id } } }`, {
    input: { realmId: realm.id, displayName: 'Ada', username: 'ada', primaryEmail: 'ada@example.com', division: 'x'.repeat(257) },
  });
  expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'division'] });
  expect(result.errors?.[0].message).toContain('The division must be at most 256 characters');
});
