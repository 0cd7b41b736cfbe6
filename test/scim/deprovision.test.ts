/**
 * What a DELETE /Users/<id> does, per realm (Realm.provisionedDeletion): DELETE removes the identity
 * (the default; users-crud.test.ts), DEPROVISION keeps it DEPROVISIONED for the audit trail — gone
 * for SCIM, there in GraphQL — and a later POST of its userName brings the same identity back.
 */
import type { TestServer } from '../helpers/server';
import { createScimGroup, createUser, expectScimError, graphIdentity, idsOf, latestEvents, memberIdsOf, scimRealm, startScimServer, type ScimRealm } from '../helpers/scim';

let server: TestServer;
let realm: ScimRealm;
beforeAll(async () => {
  server = await startScimServer();
  realm = await scimRealm(server);
  const data = await server.ok(
    `mutation($input: UpdateRealmInput!) { updateRealm(input: $input) { realm { provisionedDeletion } } }`,
    { input: { id: realm.realm.id, provisionedDeletion: 'DEPROVISION' } },
  );
  expect(data.updateRealm.realm.provisionedDeletion).toBe('DEPROVISION');
});
afterAll(() => server.close());

const groupsInGraph = async (id: string): Promise<string[]> => {
  const data = await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { status groups { edges { node { id } } } } } }`, { id });
  return data.node.groups.edges.map((edge: any) => edge.node.id);
};

test('a realm is DELETE unless set otherwise', async () => {
  const other = await scimRealm(server);
  const data = await server.ok(`query($id: ID!) { realm(id: $id) { provisionedDeletion } }`, { id: other.realm.id });
  expect(data.realm.provisionedDeletion).toBe('DELETE');
});

test('DELETE keeps the identity DEPROVISIONED with its groups, and SCIM no longer shows it', async () => {
  const { scim } = realm;
  const user = await createUser(scim);
  const group = await createScimGroup(scim, undefined, [user.id]);
  expect((await scim.delete(`/Users/${user.id}`)).status).toBe(204);

  expectScimError(await scim.get(`/Users/${user.id}`), 404);
  expect(idsOf((await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`)).body)).toEqual([]);
  expect(memberIdsOf((await scim.get(`/Groups/${group.id}`)).body)).toEqual([]);
  expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'title', value: 'x' }]), 404);
  expectScimError(await scim.delete(`/Users/${user.id}`), 404);

  expect(await graphIdentity(server, user.id)).toMatchObject({ status: 'DEPROVISIONED' });
  expect(await groupsInGraph(user.id)).toEqual([group.id]);
  const [event] = (await latestEvents(server, realm.realm.id, 1)).slice(-1);
  expect(event).toMatchObject({ type: 'IDENTITY_STATUS_CHANGED', identityId: user.id, actor: { id: realm.token.id } });
});

test('a POST of a deprovisioned userName brings the same identity back, ACTIVE, with what was sent', async () => {
  const { scim } = realm;
  const user = await createUser(scim, { title: 'Engineer' });
  await scim.delete(`/Users/${user.id}`);
  const back = await scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: user.userName.toUpperCase(), emails: [{ value: user.emails[0].value }], title: 'Lead', active: true });
  expect(back.status).toBe(201);
  expect(back.body).toMatchObject({ id: user.id, active: true, title: 'Lead' });
  expect(await graphIdentity(server, user.id)).toMatchObject({ status: 'ACTIVE' });
});

test('in a Bulk run of creates, a deprovisioned userName brings the same identity back in its place, and the new users are created', async () => {
  const { scim } = realm;
  const user = await createUser(scim);
  await scim.delete(`/Users/${user.id}`);
  const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
  const fresh = (name: string) => ({ schemas: [userSchema], userName: `${name}-${user.userName}`, emails: [{ value: `${name}-${user.emails[0].value}` }], active: true });
  const answer = await scim.post('/Bulk', {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    Operations: [
      { method: 'POST', path: '/Users', bulkId: 'before', data: fresh('before') },
      { method: 'POST', path: '/Users', bulkId: 'back', data: { schemas: [userSchema], userName: user.userName, emails: [{ value: user.emails[0].value }], active: true } },
      { method: 'POST', path: '/Users', bulkId: 'after', data: fresh('after') },
    ],
  });
  expect(answer.body.Operations.map((operation: any) => [operation.bulkId, operation.status])).toEqual([
    ['before', '201'],
    ['back', '201'],
    ['after', '201'],
  ]);
  expect(answer.body.Operations[1].location).toMatch(new RegExp(`/Users/${user.id}$`));
  expect(await graphIdentity(server, user.id)).toMatchObject({ status: 'ACTIVE' });
});
