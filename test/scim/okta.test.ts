/**
 * Okta's provisioning, request by request, in the order Okta sends them, with the bodies of
 * Okta's SCIM 2.0 reference (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20):
 * the connection test, "does this user exist" (filter=userName eq … &startIndex=1&count=100),
 * create (with the placeholder password and "groups": [] Okta always sends), read, PUT profile
 * updates (the whole user back, id, meta and middleName included), deactivation as a pathless
 * replace, then Group Push: create, rename (a pathless replace carrying the id), add and remove
 * members, a full member push, delete.
 *
 * The steps share state and run in order, like Okta's; each is one request and what it must do.
 */
import type { TestServer } from '../helpers/server';
import { graphGroup, graphIdentity, memberIdsOf, scimRealm, startScimServer, urn, type ScimClient } from '../helpers/scim';

let server: TestServer;
let okta: ScimClient;
beforeAll(async () => {
  server = await startScimServer();
  // The headers of Okta's requests (its reference and its Runscope suite).
  ({ scim: okta } = await scimRealm(server, {
    'user-agent': 'Okta SCIM Client 1.0.0',
    accept: 'application/scim+json',
    'accept-charset': 'utf-8',
  }));
});
afterAll(() => server.close());

const userName = 'test.user@okta.local';
const okta2 = 'second.user@okta.local';

describe('Okta: users', () => {
  let userId: string;

  test('connection test: GET /Users?startIndex=1&count=2 answers a ListResponse with integer paging', async () => {
    const list = await okta.get('/Users?startIndex=1&count=2');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ schemas: [urn.listResponse], totalResults: 0, startIndex: 1, itemsPerPage: 0 });
  });

  test('does the user exist: an empty ListResponse for an unknown userName', async () => {
    const list = await okta.get(`/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ schemas: [urn.listResponse], totalResults: 0, startIndex: 1, itemsPerPage: 0 });
    expect(list.body.Resources ?? []).toEqual([]);
  });

  test('create: POST /Users with Okta’s body answers 201 with the user', async () => {
    const created = await okta.post('/Users', {
      schemas: [urn.user],
      userName,
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: userName, type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      schemas: expect.arrayContaining([urn.user]),
      id: expect.any(String),
      userName,
      name: { givenName: 'Test', familyName: 'User' },
      emails: [expect.objectContaining({ primary: true, value: userName })],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      active: true,
      meta: { resourceType: 'User' },
    });
    expect(created.text).not.toContain('1mz050nq');
    userId = created.body.id;
  });

  test('the user exists now: the same filter finds it', async () => {
    const list = await okta.get(`/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100`);
    expect(list.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(list.body.Resources[0]).toMatchObject({ id: userId, userName });
  });

  test('the IdP’s user is an identity of the realm with source IDP and Okta’s externalId', async () => {
    expect(await graphIdentity(server, userId)).toMatchObject({ username: userName, source: 'IDP', externalId: '00ujl29u0le5T6Aj10h7', status: 'ACTIVE', locale: 'en-US' });
  });

  test('read: GET /Users/<id>', async () => {
    const read = await okta.get(`/Users/${userId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: userId, userName, active: true });
  });

  test('profile update: PUT /Users/<id> with the whole user, as Okta sends it back', async () => {
    const replaced = await okta.put(`/Users/${userId}`, {
      schemas: [urn.user],
      id: userId,
      userName,
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      emails: [{ primary: true, value: userName, type: 'work', display: userName }],
      active: true,
      groups: [],
      meta: { resourceType: 'User' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: userId, userName, name: { givenName: 'Another', familyName: 'User' }, active: true });
  });

  test('the profile update shows in GraphQL', async () => {
    expect(await graphIdentity(server, userId)).toMatchObject({ givenName: 'Another', familyName: 'User' });
  });

  test('deactivation: PATCH {"op":"replace","value":{"active":false}} with no path answers the user inactive', async () => {
    const patched = await okta.patch(`/Users/${userId}`, [{ op: 'replace', value: { active: false } }]);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: userId, userName, active: false });
  });

  test('the deactivated user is SUSPENDED, and still found by userName (Okta reads it back)', async () => {
    expect((await graphIdentity(server, userId))!.status).toBe('SUSPENDED');
    const list = await okta.get(`/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100`);
    expect(list.body.Resources).toEqual([expect.objectContaining({ id: userId, active: false })]);
  });

  test('reactivation: PATCH {"op":"replace","value":{"active":true}} makes it ACTIVE again', async () => {
    const patched = await okta.patch(`/Users/${userId}`, [{ op: 'replace', value: { active: true } }]);
    expect(patched.body.active).toBe(true);
    expect((await graphIdentity(server, userId))!.status).toBe('ACTIVE');
  });

  test('creating a user that exists is 409 uniqueness, which stops Okta’s job', async () => {
    const again = await okta.post('/Users', {
      schemas: [urn.user],
      userName,
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'someone.else@okta.local', type: 'work' }],
      active: true,
    });
    expect(again.status).toBe(409);
    expect(again.body.scimType).toBe('uniqueness');
  });

  test('import: GET /Users?startIndex=1&count=100 lists the users', async () => {
    const list = await okta.get('/Users?startIndex=1&count=100');
    expect(list.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(list.body.Resources[0].id).toBe(userId);
  });
});

describe('Okta: Group Push', () => {
  let first: string;
  let second: string;
  let groupId: string;

  beforeAll(async () => {
    // Group Push pushes users that are assigned to the app: provisioned first.
    const post = async (name: string) =>
      (
        await okta.post('/Users', {
          schemas: [urn.user],
          userName: name,
          name: { givenName: 'Group', familyName: 'Member' },
          emails: [{ primary: true, value: name, type: 'work' }],
          displayName: 'Group Member',
          groups: [],
          password: '1mz050nq',
          active: true,
        })
      ).body.id as string;
    first = await post('first.member@okta.local');
    second = await post(okta2);
  });

  test('does the group exist: filter=displayName eq "Test SCIMv2" finds none', async () => {
    const list = await okta.get('/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ schemas: [urn.listResponse], totalResults: 0 });
  });

  test('push: POST /Groups {"displayName":"Test SCIMv2","members":[]} answers 201', async () => {
    const created = await okta.post('/Groups', { schemas: [urn.group], displayName: 'Test SCIMv2', members: [] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ schemas: [urn.group], id: expect.any(String), displayName: 'Test SCIMv2', meta: { resourceType: 'Group' } });
    groupId = created.body.id;
  });

  test('the group exists now: the same filter finds it', async () => {
    const list = await okta.get('/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100');
    expect(list.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(list.body.Resources[0].id).toBe(groupId);
  });

  test('rename: PATCH with a pathless replace carrying the id and the new displayName', async () => {
    const patched = await okta.patch(`/Groups/${groupId}`, [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv20' } }]);
    expect([200, 204]).toContain(patched.status);
    expect((await okta.get(`/Groups/${groupId}`)).body).toMatchObject({ id: groupId, displayName: 'Test SCIMv20' });
  });

  test('the same rename sent again (Okta sends it with every membership update) is accepted', async () => {
    const patched = await okta.patch(`/Groups/${groupId}`, [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv20' } }]);
    expect([200, 204]).toContain(patched.status);
  });

  test('add members: PATCH {"op":"add","path":"members","value":[{value, display}]}', async () => {
    const patched = await okta.patch(`/Groups/${groupId}`, [{ op: 'add', path: 'members', value: [{ value: first, display: 'first.member@okta.local' }] }]);
    expect([200, 204]).toContain(patched.status);
    expect(memberIdsOf((await okta.get(`/Groups/${groupId}`)).body)).toEqual([first]);
  });

  test('remove one and add another in one PATCH, as Okta sends a membership change', async () => {
    const patched = await okta.patch(`/Groups/${groupId}`, [
      { op: 'remove', path: `members[value eq "${first}"]` },
      { op: 'add', path: 'members', value: [{ value: second, display: okta2 }] },
    ]);
    expect([200, 204]).toContain(patched.status);
    expect(memberIdsOf((await okta.get(`/Groups/${groupId}`)).body)).toEqual([second]);
  });

  test('remove members: PATCH {"op":"remove","path":"members[value eq \\"…\\"]"}', async () => {
    const patched = await okta.patch(`/Groups/${groupId}`, [{ op: 'remove', path: `members[value eq "${second}"]` }]);
    expect([200, 204]).toContain(patched.status);
    expect(memberIdsOf((await okta.get(`/Groups/${groupId}`)).body)).toEqual([]);
  });

  test('full push: PATCH {"op":"replace","path":"members"} with every member', async () => {
    const patched = await okta.patch(`/Groups/${groupId}`, [
      {
        op: 'replace',
        path: 'members',
        value: [
          { value: first, display: 'first.member@okta.local' },
          { value: second, display: okta2 },
        ],
      },
    ]);
    expect([200, 204]).toContain(patched.status);
    expect(memberIdsOf((await okta.get(`/Groups/${groupId}`)).body)).toEqual([first, second].sort());
  });

  test('the pushed group is a Group of the realm in GraphQL, with its members', async () => {
    expect(await graphGroup(server, groupId)).toEqual({ id: groupId, name: 'Test SCIMv20', memberIds: [first, second].sort() });
  });

  test('unlink with "Delete the group in the target app": DELETE /Groups/<id> answers 204', async () => {
    const deleted = await okta.delete(`/Groups/${groupId}`);
    expect(deleted.status).toBe(204);
    expect((await okta.get(`/Groups/${groupId}`)).status).toBe(404);
  });

  test('the members of the deleted group remain users', async () => {
    expect((await okta.get(`/Users/${first}`)).status).toBe(200);
    expect((await okta.get(`/Users/${second}`)).status).toBe(200);
  });
});
