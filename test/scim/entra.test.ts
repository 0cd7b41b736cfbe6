/**
 * Microsoft Entra ID's provisioning service, request by request, in the order it sends them, with
 * the bodies of Microsoft's "Develop a SCIM endpoint" reference
 * (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
 * and its "Known issues ... SCIM 2.0 protocol compliance" page (the default behaviour and the one
 * the aadOptscim062020 flag turns on): capitalised ops ("Add", "Replace", "Remove"), value-filter
 * paths (emails[type eq "work"].value, members[value eq "…"]), enterprise-extension paths, active
 * as the string "False", member removal by a value list, pathless replaces keyed by paths, and
 * GET /Groups?excludedAttributes=members&filter=displayName eq "…".
 *
 * The steps share state and run in order, like Entra's; each is one request and what it must do.
 */
import type { TestServer } from '../helpers/server';
import { graphGroup, graphIdentity, idsOf, memberIdsOf, query, scimRealm, startScimServer, urn, type ScimClient } from '../helpers/scim';

let server: TestServer;
let entra: ScimClient;
beforeAll(async () => {
  server = await startScimServer();
  ({ scim: entra } = await scimRealm(server));
});
afterAll(() => server.close());

const userName = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.example';
const workEmail = 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@contoso.example';
const groupName = 'Entra Group 8aa1a0c0';
/** Entra writes filters with + for spaces and the quotes as they are. */
const entraFilter = (filter: string) => `filter=${filter.replace(/ /g, '+')}`;

describe('Entra: users', () => {
  let userId: string;
  let managerId: string;

  test('connection test: a user that cannot exist is looked up by userName and not found', async () => {
    const list = await entra.get(`/Users?${entraFilter('userName eq "0b9f0e25-4f0a-4f3a-9fcb-8c1b4c0a6b77"')}`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ schemas: [urn.listResponse], totalResults: 0 });
    expect(list.body.Resources ?? []).toEqual([]);
  });

  test('does the user exist: GET /Users?filter=userName eq "…" answers an empty ListResponse', async () => {
    const list = await entra.get(`/Users?${entraFilter(`userName eq "${userName}"`)}`);
    expect(list.status).toBe(200);
    expect(list.body.totalResults).toBe(0);
  });

  test('create the manager first, as Entra does for a user whose manager is in scope', async () => {
    const created = await entra.post('/Users', {
      schemas: [urn.user, urn.enterpriseUser],
      externalId: 'manager-7f2c',
      userName: 'manager@contoso.example',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'manager@contoso.example' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Megan Bowen', familyName: 'Bowen', givenName: 'Megan' },
      roles: [],
    });
    expect(created.status).toBe(201);
    managerId = created.body.id;
  });

  test('create: POST /Users with the enterprise extension, meta, roles [] and addresses answers 201', async () => {
    const created = await entra.post('/Users', {
      schemas: [urn.user, urn.enterpriseUser],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      displayName: 'Adele Vance',
      title: 'Retail Manager',
      preferredLanguage: 'en-US',
      emails: [{ primary: true, type: 'work', value: workEmail }],
      phoneNumbers: [
        { type: 'work', value: '+1 (425) 555-0100' },
        { type: 'mobile', value: '+1 425 555 0109' },
      ],
      addresses: [{ type: 'work', formatted: '18 Wright St, Redmond', streetAddress: '18 Wright St', locality: 'Redmond', region: 'WA', postalCode: '98052', country: 'US', primary: true }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Adele Vance', familyName: 'Vance', givenName: 'Adele' },
      roles: [],
      [urn.enterpriseUser]: { employeeNumber: '1001', department: 'Retail', costCenter: 'CC-42', manager: { value: managerId } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      emails: [expect.objectContaining({ value: workEmail, primary: true })],
      [urn.enterpriseUser]: { employeeNumber: '1001', department: 'Retail', costCenter: 'CC-42', manager: expect.objectContaining({ value: managerId }) },
    });
    userId = created.body.id;
  });

  test('the user is an identity: the work email, the work phone in E.164, the enterprise fields', async () => {
    expect(await graphIdentity(server, userId)).toMatchObject({
      username: userName,
      primaryEmail: workEmail,
      phoneNumber: '+14255550100',
      source: 'IDP',
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      title: 'Retail Manager',
      preferredLanguage: 'en-US',
      department: 'Retail',
      employeeNumber: '1001',
      costCenter: 'CC-42',
      role: 'GRANTEE',
    });
  });

  test('read: GET /Users/<id>', async () => {
    const read = await entra.get(`/Users/${userId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: userId, userName, active: true });
  });

  test('"Replace" of emails[type eq "work"].value and name.familyName in one PATCH', async () => {
    const patched = await entra.patch(`/Users/${userId}`, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'adele.updated@contoso.example' },
      { op: 'Replace', path: 'name.familyName', value: 'Vance-Updated' },
    ]);
    expect(patched.status).toBe(200);
    expect(await graphIdentity(server, userId)).toMatchObject({ primaryEmail: 'adele.updated@contoso.example', familyName: 'Vance-Updated' });
  });

  test('"Replace" of urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', async () => {
    const patched = await entra.patch(`/Users/${userId}`, [{ op: 'Replace', path: `${urn.enterpriseUser}:department`, value: 'Marketing' }]);
    expect(patched.status).toBe(200);
    expect(patched.body[urn.enterpriseUser].department).toBe('Marketing');
    expect((await graphIdentity(server, userId))!.department).toBe('Marketing');
  });

  test('"Add" of a single-valued attribute, as Entra sends a value that was empty', async () => {
    const patched = await entra.patch(`/Users/${userId}`, [{ op: 'Add', path: `${urn.enterpriseUser}:division`, value: 'Commercial' }]);
    expect(patched.status).toBe(200);
    expect((await graphIdentity(server, userId))!.division).toBe('Commercial');
  });

  test('the legacy replace of several attributes: one "Replace" each, externalId and employeeNumber included', async () => {
    const patched = await entra.patch(`/Users/${userId}`, [
      { op: 'Replace', path: 'displayName', value: 'Pvlo' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@contoso.example' },
      { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
      { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
      { op: 'Replace', path: 'externalId', value: 'Eqpj' },
      { op: 'Replace', path: `${urn.enterpriseUser}:employeeNumber`, value: 'Eqpj' },
    ]);
    expect(patched.status).toBe(200);
    expect(await graphIdentity(server, userId)).toMatchObject({
      displayName: 'Pvlo',
      primaryEmail: 'TestBcwqnm@contoso.example',
      givenName: 'Gtfd',
      familyName: 'Pkqf',
      externalId: 'Eqpj',
      employeeNumber: 'Eqpj',
    });
  });

  test('the aadOptscim062020 replace of several attributes: a pathless replace keyed by paths', async () => {
    const patched = await entra.patch(`/Users/${userId}`, [
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@contoso.example' },
      {
        op: 'replace',
        value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${urn.enterpriseUser}:employeeNumber`]: 'Aklq' },
      },
    ]);
    expect(patched.status).toBe(200);
    expect(await graphIdentity(server, userId)).toMatchObject({
      displayName: 'Bjfe',
      primaryEmail: 'TestMhvaes@contoso.example',
      givenName: 'Kkom',
      familyName: 'Unua',
      employeeNumber: 'Aklq',
    });
  });

  test('disable: "Replace" of active with the string "False" suspends the identity', async () => {
    const patched = await entra.patch(`/Users/${userId}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(patched.status).toBe(200);
    expect(patched.body.active).toBe(false);
    expect((await graphIdentity(server, userId))!.status).toBe('SUSPENDED');
  });

  test('a disabled user is still found by the userName filter, with active false', async () => {
    const list = await entra.get(`/Users?${entraFilter(`userName eq "${userName}"`)}`);
    expect(list.body.Resources).toEqual([expect.objectContaining({ id: userId, active: false })]);
  });

  test('enable: "Replace" of active with the string "True" reactivates it', async () => {
    const patched = await entra.patch(`/Users/${userId}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
    expect(patched.body.active).toBe(true);
    expect((await graphIdentity(server, userId))!.status).toBe('ACTIVE');
  });

  test('disable as the aadOptscim062020 flag sends it: "replace" of active with false', async () => {
    const patched = await entra.patch(`/Users/${userId}`, [{ op: 'replace', path: 'active', value: false }]);
    expect(patched.body.active).toBe(false);
  });

  test('"Replace" of userName', async () => {
    const renamed = '5b50642d-79fc-4410-9e90-4c077cdd1a59@contoso.example';
    const patched = await entra.patch(`/Users/${userId}`, [{ op: 'Replace', path: 'userName', value: renamed }]);
    expect(patched.body.userName).toBe(renamed);
    expect((await entra.get(`/Users?${entraFilter(`userName eq "${renamed}"`)}`)).body.totalResults).toBe(1);
  });

  describe('Entra: groups', () => {
    let groupId: string;

    test('does the group exist: GET /Groups?excludedAttributes=members&filter=displayName eq "…" finds none', async () => {
      const list = await entra.get(`/Groups?excludedAttributes=members&${entraFilter(`displayName eq "${groupName}"`)}`);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ schemas: [urn.listResponse], totalResults: 0 });
    });

    test('create: POST /Groups with Entra’s schemas, externalId and meta answers 201 with no members', async () => {
      const created = await entra.post('/Groups', {
        schemas: [urn.group, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: groupName,
        meta: { resourceType: 'Group' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.any(String), externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: groupName });
      expect(created.body.members ?? []).toEqual([]);
      groupId = created.body.id;
    });

    test('the group is found now, without its members', async () => {
      const list = await entra.get(`/Groups?excludedAttributes=members&${entraFilter(`displayName eq "${groupName}"`)}`);
      expect(idsOf(list.body)).toEqual([groupId]);
      expect(list.body.Resources[0]).not.toHaveProperty('members');
    });

    test('read: GET /Groups/<id>?excludedAttributes=members', async () => {
      const read = await entra.get(`/Groups/${groupId}?excludedAttributes=members`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: groupId, displayName: groupName, externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159' });
      expect(read.body).not.toHaveProperty('members');
    });

    test('"Add" members: [{ "$ref": null, "value": "<id>" }]', async () => {
      const patched = await entra.patch(`/Groups/${groupId}`, [
        {
          op: 'Add',
          path: 'members',
          value: [
            { $ref: null, value: userId },
            { $ref: null, value: managerId },
          ],
        },
      ]);
      expect([200, 204]).toContain(patched.status);
      expect(memberIdsOf((await entra.get(`/Groups/${groupId}`)).body)).toEqual([userId, managerId].sort());
    });

    test('is the user a member: filter=id eq "<group>" and members[value eq "<user>"] with excludedAttributes=members', async () => {
      const list = await entra.get(`/Groups?excludedAttributes=members&${query({ filter: `id eq "${groupId}" and members[value eq "${userId}"]` }).slice(1)}`);
      expect(idsOf(list.body)).toEqual([groupId]);
      expect(list.body.Resources[0]).not.toHaveProperty('members');
    });

    test('"Replace" of displayName', async () => {
      const patched = await entra.patch(`/Groups/${groupId}`, [{ op: 'Replace', path: 'displayName', value: `${groupName} updatedDisplayName` }]);
      expect([200, 204]).toContain(patched.status);
      expect((await graphGroup(server, groupId))!.name).toBe(`${groupName} updatedDisplayName`);
    });

    test('remove a member as the aadOptscim062020 flag sends it: "remove" with members[value eq "…"]', async () => {
      const patched = await entra.patch(`/Groups/${groupId}`, [{ op: 'remove', path: `members[value eq "${managerId}"]` }]);
      expect([200, 204]).toContain(patched.status);
      expect(memberIdsOf((await entra.get(`/Groups/${groupId}`)).body)).toEqual([userId]);
    });

    test('remove a member as Entra sends it by default: "Remove" of members with a value list', async () => {
      const patched = await entra.patch(`/Groups/${groupId}`, [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }]);
      expect([200, 204]).toContain(patched.status);
      expect(memberIdsOf((await entra.get(`/Groups/${groupId}`)).body)).toEqual([]);
    });

    test('"Remove" of members[value eq "…"] capitalised, after an "Add"', async () => {
      await entra.patch(`/Groups/${groupId}`, [{ op: 'Add', path: 'members', value: [{ value: userId }] }]);
      const patched = await entra.patch(`/Groups/${groupId}`, [{ op: 'Remove', path: `members[value eq "${userId}"]` }]);
      expect([200, 204]).toContain(patched.status);
      expect(memberIdsOf((await entra.get(`/Groups/${groupId}`)).body)).toEqual([]);
    });

    test('delete: DELETE /Groups/<id> answers 204', async () => {
      expect((await entra.delete(`/Groups/${groupId}`)).status).toBe(204);
      expect((await entra.get(`/Groups/${groupId}`)).status).toBe(404);
    });
  });

  describe('Entra: deprovisioning', () => {
    test('delete: DELETE /Users/<id> answers 204', async () => {
      const deleted = await entra.delete(`/Users/${userId}`);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
    });

    test('the deleted user is 404, and no longer found by its userName', async () => {
      expect((await entra.get(`/Users/${userId}`)).status).toBe(404);
      expect((await entra.get(`/Users?${entraFilter('userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@contoso.example"')}`)).body.totalResults).toBe(0);
    });
  });
});
