/**
 * Users: RFC 7644 §3.3 (create), §3.4.1 (retrieve a known resource), §3.5.1 (replace with PUT),
 * §3.6 (delete), over the User schema of RFC 7643 §4.1 and the enterprise extension of §4.3 — and
 * what each does to the realm's Identity, as GraphQL shows it.
 */
import type { TestServer } from '../helpers/server';
import {
  createScimGroup,
  createUser,
  expectScimError,
  graphIdentity,
  memberIdsOf,
  scimRealm,
  startScimServer,
  unique,
  urn,
  userBody,
  type ScimClient,
} from '../helpers/scim';

let server: TestServer;
let scim: ScimClient;
beforeAll(async () => {
  server = await startScimServer();
  ({ scim } = await scimRealm(server));
});
afterAll(() => server.close());

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Every attribute the contract stores, core and enterprise, with values an IdP would send. */
const fullUser = (userName = `${unique('full')}@example.com`) =>
  userBody({
    schemas: [urn.user, urn.enterpriseUser],
    userName,
    externalId: unique('ext-'),
    name: { formatted: 'Ms. Barbara J Jensen', givenName: 'Barbara', familyName: 'Jensen' },
    displayName: 'Babs Jensen',
    emails: [{ value: userName, type: 'work', primary: true }],
    phoneNumbers: [{ value: '+1 (425) 555-0100', type: 'work', primary: true }],
    title: 'Tour Guide',
    userType: 'Employee',
    preferredLanguage: 'en-US',
    locale: 'en-US',
    timezone: 'America/Los_Angeles',
    [urn.enterpriseUser]: {
      employeeNumber: '701984',
      costCenter: '4130',
      organization: 'Universal Studios',
      division: 'Theme Park',
      department: 'Tour Operations',
    },
  });

describe('§3.3 creating a user', () => {
  test('POST /Users answers 201 with the user, and a Location header that is its meta.location', async () => {
    const created = await scim.post('/Users', userBody());
    expect(created.status).toBe(201);
    expect(created.body.id).toEqual(expect.any(String));
    expect(created.headers.get('location')).toBe(created.body.meta.location);
  });

  test('meta.location is the absolute URL of the user: <base>/Users/<id>', async () => {
    const created = await createUser(scim);
    expect(created.meta.location).toBe(`${scim.baseUrl}/Users/${created.id}`);
  });

  test('the answer is application/scim+json; charset=utf-8', async () => {
    const created = await scim.post('/Users', userBody());
    expect(created.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
  });

  test('a request sent as application/json is accepted too', async () => {
    const created = await scim.post('/Users', userBody(), { 'content-type': 'application/json' });
    expect(created.status).toBe(201);
  });

  test('meta says User, when it was created and last modified, and its version; the ETag header is that version', async () => {
    const created = await scim.post('/Users', userBody());
    expect(created.body.meta).toEqual({
      resourceType: 'User',
      created: expect.stringMatching(isoTimestamp),
      lastModified: expect.stringMatching(isoTimestamp),
      location: expect.any(String),
      version: expect.stringMatching(/^W\/"\d+"$/),
    });
    expect(created.headers.get('etag')).toBe(created.body.meta.version);
  });

  test('the answer carries what was sent: schemas, userName, name, emails, active', async () => {
    const sent = userBody();
    const created = await createUser(scim, sent);
    expect(created).toMatchObject({
      schemas: expect.arrayContaining([urn.user]),
      userName: sent.userName,
      name: { givenName: 'Test', familyName: 'User' },
      emails: [expect.objectContaining({ value: sent.userName, primary: true })],
      active: true,
    });
  });

  test('the core and enterprise attributes are stored and answered', async () => {
    const sent = fullUser();
    const created = await createUser(scim, sent);
    expect(created).toMatchObject({
      externalId: sent.externalId,
      displayName: 'Babs Jensen',
      name: { formatted: 'Ms. Barbara J Jensen', givenName: 'Barbara', familyName: 'Jensen' },
      title: 'Tour Guide',
      userType: 'Employee',
      preferredLanguage: 'en-US',
      locale: 'en-US',
      timezone: 'America/Los_Angeles',
      [urn.enterpriseUser]: sent[urn.enterpriseUser],
    });
    expect(created.schemas).toEqual(expect.arrayContaining([urn.user, urn.enterpriseUser]));
  });

  test('the user is an Identity of the realm in GraphQL: source IDP, its externalId, ACTIVE, the typed fields', async () => {
    const sent = fullUser();
    const created = await createUser(scim, sent);
    expect(await graphIdentity(server, created.id)).toMatchObject({
      id: created.id,
      username: sent.userName,
      displayName: 'Babs Jensen',
      givenName: 'Barbara',
      familyName: 'Jensen',
      fullName: 'Ms. Barbara J Jensen',
      primaryEmail: sent.userName,
      phoneNumber: '+14255550100',
      status: 'ACTIVE',
      role: 'GRANTEE',
      source: 'IDP',
      externalId: sent.externalId,
      title: 'Tour Guide',
      userType: 'Employee',
      preferredLanguage: 'en-US',
      locale: 'en-US',
      timezone: 'America/Los_Angeles',
      department: 'Tour Operations',
      employeeNumber: '701984',
      costCenter: '4130',
      organization: 'Universal Studios',
      division: 'Theme Park',
    });
  });

  test("the id is opaque and is the Identity's global ID: GraphQL node(id) finds the user in the token's realm", async () => {
    const { realm, scim: own } = await scimRealm(server);
    const created = await createUser(own);
    expect(await graphIdentity(server, created.id)).toMatchObject({ id: created.id, username: created.userName, realm: { id: realm.id } });
  });

  test('without name.formatted, fullName is "given family"', async () => {
    const created = await createUser(scim, { name: { givenName: 'Ada', familyName: 'Lovelace' } });
    expect(await graphIdentity(server, created.id)).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace', fullName: 'Ada Lovelace' });
  });

  test('without displayName, the display name is name.formatted', async () => {
    const created = await createUser(scim, { displayName: undefined, name: { formatted: 'Dr. Grace Hopper', givenName: 'Grace', familyName: 'Hopper' } });
    expect(created.displayName).toBe('Dr. Grace Hopper');
  });

  test('without displayName or name.formatted, the display name is given name and family name', async () => {
    const created = await createUser(scim, { displayName: undefined, name: { givenName: 'Grace', familyName: 'Hopper' } });
    expect(created.displayName).toBe('Grace Hopper');
  });

  test('without displayName or any name, the display name is the userName', async () => {
    const created = await createUser(scim, { displayName: undefined, name: undefined });
    expect(created.displayName).toBe(created.userName);
  });

  test("the primary email is the identity's email, whichever its place", async () => {
    const userName = `${unique('primary')}@example.com`;
    const created = await createUser(scim, {
      userName,
      emails: [
        { value: `home-${userName}`, type: 'home' },
        { value: `work-${userName}`, type: 'work', primary: true },
      ],
    });
    expect((await graphIdentity(server, created.id))!.primaryEmail).toBe(`work-${userName}`);
  });

  test("without a primary, the first email is the identity's email", async () => {
    const userName = `${unique('first')}@example.com`;
    const created = await createUser(scim, { userName, emails: [{ value: `one-${userName}`, type: 'work' }, { value: `two-${userName}`, type: 'home' }] });
    expect((await graphIdentity(server, created.id))!.primaryEmail).toBe(`one-${userName}`);
  });

  test('a phone number is normalised to E.164: "+1 (425) 555-0100" is "+14255550100"', async () => {
    const created = await createUser(scim, { phoneNumbers: [{ value: '+1 (425) 555-0100', type: 'work' }] });
    expect(created.phoneNumbers).toEqual([expect.objectContaining({ value: '+14255550100' })]);
  });

  test('active: false creates a SUSPENDED identity, answered as active: false', async () => {
    const created = await createUser(scim, { active: false });
    expect(created.active).toBe(false);
    expect((await graphIdentity(server, created.id))!.status).toBe('SUSPENDED');
  });

  test('roles [{ value: "ADMIN" }] makes an ADMIN', async () => {
    const created = await createUser(scim, { roles: [{ value: 'ADMIN' }] });
    expect(created.roles).toEqual([expect.objectContaining({ value: 'ADMIN' })]);
    expect((await graphIdentity(server, created.id))!.role).toBe('ADMIN');
  });

  test('an empty roles list (as Entra sends it) makes a GRANTEE', async () => {
    const created = await createUser(scim, { roles: [] });
    expect((await graphIdentity(server, created.id))!.role).toBe('GRANTEE');
  });

  test('the enterprise manager is a reference to another user of the realm', async () => {
    const manager = await createUser(scim);
    const created = await createUser(scim, { schemas: [urn.user, urn.enterpriseUser], [urn.enterpriseUser]: { manager: { value: manager.id } } });
    expect(created[urn.enterpriseUser].manager).toMatchObject({ value: manager.id });
  });

  test('read-only attributes sent are ignored: the id and meta are the server’s, groups are not joined', async () => {
    const group = await createScimGroup(scim);
    const created = await createUser(scim, {
      id: 'chosen-by-the-client',
      meta: { resourceType: 'User', version: 'W/"99"', created: '2000-01-01T00:00:00Z' },
      groups: [{ value: group.id }],
    });
    expect(created.id).not.toBe('chosen-by-the-client');
    expect(created.meta.created).not.toBe('2000-01-01T00:00:00Z');
    expect(memberIdsOf((await scim.get(`/Groups/${group.id}`)).body)).toEqual([]);
  });

  test('a password (Okta sends one) is accepted and never answered', async () => {
    const created = await scim.post('/Users', userBody({ password: '1mz050nq' }));
    expect(created.status).toBe(201);
    expect(created.text).not.toContain('1mz050nq');
    expect((await scim.get(`/Users/${created.body.id}`)).text).not.toContain('1mz050nq');
  });
});

describe('§3.4.1 retrieving a user', () => {
  test('GET /Users/<id> answers the user as POST answered it', async () => {
    const created = await createUser(scim, fullUser());
    const read = await scim.get(`/Users/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created);
  });

  test('the answer carries the ETag of its version', async () => {
    const created = await createUser(scim);
    const read = await scim.get(`/Users/${created.id}`);
    expect(read.headers.get('etag')).toBe(read.body.meta.version);
  });

  test('groups lists the groups the user is in: value, display and $ref', async () => {
    const user = await createUser(scim);
    const group = await createScimGroup(scim, unique('readers-'), [user.id]);
    const read = await scim.get(`/Users/${user.id}`);
    expect(read.body.groups).toEqual([expect.objectContaining({ value: group.id, display: group.displayName, $ref: expect.any(String) })]);
    expect(read.body.groups[0].$ref.endsWith(`/scim/v2/Groups/${group.id}`)).toBe(true);
  });

  test('an id no user has is 404', async () => {
    const created = await createUser(scim);
    await scim.delete(`/Users/${created.id}`);
    expectScimError(await scim.get(`/Users/${created.id}`), 404);
  });
});

describe('§3.5.1 replacing a user with PUT', () => {
  test('PUT answers 200 with the user as it now is', async () => {
    const created = await createUser(scim, fullUser());
    const replaced = await scim.put(`/Users/${created.id}`, { ...fullUser(created.userName), displayName: 'Barbara J.', title: 'Head Guide' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: created.id, displayName: 'Barbara J.', title: 'Head Guide' });
  });

  test('the replacement is what later GETs answer', async () => {
    const created = await createUser(scim, fullUser());
    const replaced = await scim.put(`/Users/${created.id}`, { ...fullUser(created.userName), title: 'Head Guide' });
    expect((await scim.get(`/Users/${created.id}`)).body).toEqual(replaced.body);
  });

  test('attributes the PUT leaves out are cleared', async () => {
    const created = await createUser(scim, fullUser());
    const replaced = await scim.put(`/Users/${created.id}`, userBody({ userName: created.userName }));
    expect(replaced.status).toBe(200);
    expect(replaced.body.title).toBeUndefined();
    expect(replaced.body[urn.enterpriseUser]?.department).toBeUndefined();
    expect(await graphIdentity(server, created.id)).toMatchObject({ title: null, department: null });
  });

  test('PUT can change the userName', async () => {
    const created = await createUser(scim);
    const renamed = `${unique('renamed')}@example.com`;
    const replaced = await scim.put(`/Users/${created.id}`, userBody({ userName: renamed }));
    expect(replaced.body.userName).toBe(renamed);
    expect((await graphIdentity(server, created.id))!.username).toBe(renamed);
  });

  test('PUT with active: false suspends the identity', async () => {
    const created = await createUser(scim);
    await scim.put(`/Users/${created.id}`, userBody({ userName: created.userName, active: false }));
    expect((await graphIdentity(server, created.id))!.status).toBe('SUSPENDED');
  });

  test('PUT with active: true reactivates a suspended identity', async () => {
    const created = await createUser(scim, { active: false });
    await scim.put(`/Users/${created.id}`, userBody({ userName: created.userName, active: true }));
    expect((await graphIdentity(server, created.id))!.status).toBe('ACTIVE');
  });

  test('read-only attributes in a PUT are ignored: "groups": [] (as Okta sends it) leaves the memberships alone', async () => {
    const created = await createUser(scim);
    const group = await createScimGroup(scim, unique('kept-'), [created.id]);
    const replaced = await scim.put(`/Users/${created.id}`, { ...userBody({ userName: created.userName }), id: created.id, groups: [], meta: { resourceType: 'User' } });
    expect(replaced.status).toBe(200);
    expect(memberIdsOf((await scim.get(`/Groups/${group.id}`)).body)).toEqual([created.id]);
  });

  test('PUT answers a new version, in meta and in the ETag header', async () => {
    const created = await createUser(scim);
    const replaced = await scim.put(`/Users/${created.id}`, userBody({ userName: created.userName, title: 'Changed' }));
    expect(replaced.body.meta.version).not.toBe(created.meta.version);
    expect(replaced.headers.get('etag')).toBe(replaced.body.meta.version);
  });

  test('PUT to an id no user has is 404', async () => {
    const created = await createUser(scim);
    await scim.delete(`/Users/${created.id}`);
    expectScimError(await scim.put(`/Users/${created.id}`, userBody()), 404);
  });
});

describe('§3.6 deleting a user', () => {
  test('DELETE answers 204 with no body', async () => {
    const created = await createUser(scim);
    const deleted = await scim.delete(`/Users/${created.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
  });

  test('after DELETE, GET is 404', async () => {
    const created = await createUser(scim);
    await scim.delete(`/Users/${created.id}`);
    expectScimError(await scim.get(`/Users/${created.id}`), 404);
  });

  test('a second DELETE is 404', async () => {
    const created = await createUser(scim);
    await scim.delete(`/Users/${created.id}`);
    expectScimError(await scim.delete(`/Users/${created.id}`), 404);
  });

  test('the deleted user leaves its groups', async () => {
    const created = await createUser(scim);
    const stays = await createUser(scim);
    const group = await createScimGroup(scim, unique('left-'), [created.id, stays.id]);
    await scim.delete(`/Users/${created.id}`);
    expect(memberIdsOf((await scim.get(`/Groups/${group.id}`)).body)).toEqual([stays.id]);
  });

  test('the identity is gone from GraphQL too', async () => {
    const created = await createUser(scim);
    await scim.delete(`/Users/${created.id}`);
    expect(await graphIdentity(server, created.id)).toBeNull();
  });

  test('the deleted userName is free again', async () => {
    const created = await createUser(scim);
    await scim.delete(`/Users/${created.id}`);
    expect((await scim.post('/Users', userBody({ userName: created.userName }))).status).toBe(201);
  });
});
