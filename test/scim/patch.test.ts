/**
 * RFC 7644 §3.5.2 (modifying with PATCH) on users: §3.5.2.1 add, §3.5.2.2 remove, §3.5.2.3
 * replace; paths (§3.10 attribute notation, value filters, the enterprise extension's URN) and
 * "all operations or none". Group membership PATCHes are in groups.test.ts.
 */
import type { TestServer } from '../helpers/server';
import { createUser, expectScimError, graphIdentity, scimRealm, startScimServer, unique, urn, type ScimClient } from '../helpers/scim';

let server: TestServer;
let scim: ScimClient;
beforeAll(async () => {
  server = await startScimServer();
  ({ scim } = await scimRealm(server));
});
afterAll(() => server.close());

const department = `${urn.enterpriseUser}:department`;

/** A user with a work email and phone, a title and a department, to change. */
const newUser = (fields: Record<string, unknown> = {}) => {
  const userName = `${unique('patch')}@example.com`;
  return createUser(scim, {
    userName,
    schemas: [urn.user, urn.enterpriseUser],
    displayName: 'Before',
    title: 'Engineer',
    emails: [{ value: userName, type: 'work', primary: true }],
    phoneNumbers: [{ value: '+14255550100', type: 'work' }],
    [urn.enterpriseUser]: { department: 'Engineering' },
    ...fields,
  });
};

const read = async (id: string) => (await scim.get(`/Users/${id}`)).body;

describe('§3.5.2 the answer', () => {
  test('a PATCH answers 200 with the whole user as it now is', async () => {
    const user = await newUser();
    const patched = await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'After' }]);
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual(await read(user.id));
    expect(patched.body.displayName).toBe('After');
  });

  test('a PATCH answers a new version, in meta and in the ETag header', async () => {
    const user = await newUser();
    const patched = await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'After' }]);
    expect(patched.body.meta.version).not.toBe(user.meta.version);
    expect(patched.headers.get('etag')).toBe(patched.body.meta.version);
  });

  test('a PATCH to an id no user has is 404', async () => {
    const user = await newUser();
    await scim.delete(`/Users/${user.id}`);
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'After' }]), 404);
  });
});

describe('§3.5.2.1 add', () => {
  test('add with a path sets a single-valued attribute', async () => {
    const user = await newUser({ title: undefined });
    await scim.patch(`/Users/${user.id}`, [{ op: 'add', path: 'title', value: 'Architect' }]);
    expect((await read(user.id)).title).toBe('Architect');
  });

  test('add without a path sets each attribute of the value', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'add', value: { userType: 'Contractor', locale: 'fr-FR' } }]);
    expect(await read(user.id)).toMatchObject({ userType: 'Contractor', locale: 'fr-FR', title: 'Engineer' });
  });

  test('add of an enterprise attribute by its full path', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'add', path: `${urn.enterpriseUser}:costCenter`, value: '4130' }]);
    expect((await read(user.id))[urn.enterpriseUser]).toMatchObject({ costCenter: '4130', department: 'Engineering' });
  });
});

describe('§3.5.2.3 replace', () => {
  test('replace with a path changes that attribute only', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'title', value: 'Principal' }]);
    expect(await read(user.id)).toMatchObject({ title: 'Principal', displayName: 'Before', [urn.enterpriseUser]: { department: 'Engineering' } });
  });

  test('replace of a sub-attribute: name.givenName, shown in GraphQL', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'name.givenName', value: 'Ada' }]);
    expect((await read(user.id)).name).toMatchObject({ givenName: 'Ada', familyName: 'User' });
    expect((await graphIdentity(server, user.id))!.givenName).toBe('Ada');
  });

  test('replace without a path: the attributes of the value replace theirs (Okta’s deactivation)', async () => {
    const user = await newUser();
    const patched = await scim.patch(`/Users/${user.id}`, [{ op: 'replace', value: { active: false } }]);
    expect(patched.body.active).toBe(false);
    expect((await graphIdentity(server, user.id))!.status).toBe('SUSPENDED');
  });

  test('replace of emails[type eq "work"].value changes the identity’s email', async () => {
    const user = await newUser();
    const changed = `${unique('moved')}@example.com`;
    await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'emails[type eq "work"].value', value: changed }]);
    expect((await read(user.id)).emails).toEqual([expect.objectContaining({ value: changed, type: 'work' })]);
    expect((await graphIdentity(server, user.id))!.primaryEmail).toBe(changed);
  });

  test('replace of phoneNumbers[type eq "work"].value is normalised to E.164', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '+44 20 7946 0958' }]);
    expect((await graphIdentity(server, user.id))!.phoneNumber).toBe('+442079460958');
  });

  test('replace of an enterprise attribute by its full path', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: department, value: 'Research' }]);
    expect((await read(user.id))[urn.enterpriseUser].department).toBe('Research');
    expect((await graphIdentity(server, user.id))!.department).toBe('Research');
  });

  test('replace without a path of the enterprise extension as an object', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'replace', value: { [urn.enterpriseUser]: { department: 'Sales', division: 'EMEA' } } }]);
    expect((await read(user.id))[urn.enterpriseUser]).toMatchObject({ department: 'Sales', division: 'EMEA' });
  });

  test('replace of userName', async () => {
    const user = await newUser();
    const renamed = `${unique('renamed')}@example.com`;
    await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'userName', value: renamed }]);
    expect((await graphIdentity(server, user.id))!.username).toBe(renamed);
  });

  test('replace of roles with ADMIN makes the identity an ADMIN', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'roles', value: [{ value: 'ADMIN' }] }]);
    expect((await graphIdentity(server, user.id))!.role).toBe('ADMIN');
  });

  test.each(['False', 'false', 'FALSE'])('active as the string "%s" (as Entra sends it) suspends', async (value) => {
    const user = await newUser();
    const patched = await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'active', value }]);
    expect(patched.body.active).toBe(false);
    expect((await graphIdentity(server, user.id))!.status).toBe('SUSPENDED');
  });

  test.each(['True', 'true'])('active as the string "%s" reactivates', async (value) => {
    const user = await newUser({ active: false });
    const patched = await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'active', value }]);
    expect(patched.body.active).toBe(true);
    expect((await graphIdentity(server, user.id))!.status).toBe('ACTIVE');
  });

  test('operations apply in order: of two replaces of one attribute, the later wins', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'title', value: 'First' },
      { op: 'replace', path: 'title', value: 'Second' },
    ]);
    expect((await read(user.id)).title).toBe('Second');
  });
});

describe('§3.5.2.2 remove', () => {
  test('remove with a path unassigns the attribute', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'remove', path: 'title' }]);
    expect((await read(user.id)).title).toBeUndefined();
    expect((await graphIdentity(server, user.id))!.title).toBeNull();
  });

  test('remove of an enterprise attribute by its full path', async () => {
    const user = await newUser();
    await scim.patch(`/Users/${user.id}`, [{ op: 'remove', path: department }]);
    expect((await read(user.id))[urn.enterpriseUser]?.department).toBeUndefined();
    expect((await graphIdentity(server, user.id))!.department).toBeNull();
  });

  test('remove without a path is 400 noTarget', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'remove' }]), 400, 'noTarget');
  });
});

describe('§3.5.2 operation names', () => {
  test.each([
    ['Add', 'title', 'Added'],
    ['Replace', 'title', 'Replaced'],
  ])('"%s", capitalised as Entra sends it, is that operation', async (op, path, value) => {
    const user = await newUser();
    const patched = await scim.patch(`/Users/${user.id}`, [{ op, path, value }]);
    expect(patched.status).toBe(200);
    expect((await read(user.id)).title).toBe(value);
  });

  test('"Remove", capitalised, is remove', async () => {
    const user = await newUser();
    expect((await scim.patch(`/Users/${user.id}`, [{ op: 'Remove', path: 'title' }])).status).toBe(200);
    expect((await read(user.id)).title).toBeUndefined();
  });

  test('an operation that is none of add, remove, replace is 400', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'move', path: 'title', value: 'x' }]), 400);
  });

  test('a PatchOp without Operations is 400', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, { schemas: [urn.patchOp] }), 400);
  });
});

describe('§3.5.2 paths and values that cannot be applied', () => {
  test('an attribute the schema does not have is 400 invalidPath', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'favouriteColour', value: 'green' }]), 400, 'invalidPath');
  });

  test('a path that does not parse is 400 invalidPath', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'emails[type eq "work"', value: 'x@example.com' }]), 400, 'invalidPath');
  });

  test('replacing the read-only id is 400 mutability', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'id', value: 'another' }]), 400, 'mutability');
  });

  test('replacing the read-only groups is 400 mutability', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'groups', value: [] }]), 400, 'mutability');
  });

  test('removing the required userName is 400', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'remove', path: 'userName' }]), 400);
  });

  test('an email that is not an address is 400 invalidValue', async () => {
    const user = await newUser();
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'not an address' }]), 400, 'invalidValue');
  });
});

describe('§3.5.2 all operations or none', () => {
  test('a later operation on an unknown path fails the PATCH with invalidPath and leaves the user as it was', async () => {
    const user = await newUser();
    const before = await read(user.id);
    const answer = await scim.patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'title', value: 'Changed' },
      { op: 'replace', path: 'favouriteColour', value: 'green' },
    ]);
    expectScimError(answer, 400, 'invalidPath');
    expect(await read(user.id)).toEqual(before);
  });

  test('a later operation with a bad value fails the PATCH with invalidValue and leaves the user as it was', async () => {
    const user = await newUser();
    const before = await read(user.id);
    const answer = await scim.patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'displayName', value: 'Changed' },
      { op: 'replace', path: 'active', value: 'maybe' },
    ]);
    expectScimError(answer, 400, 'invalidValue');
    expect(await read(user.id)).toEqual(before);
  });

  test('a deactivation followed by a failing operation leaves the identity ACTIVE', async () => {
    const user = await newUser();
    const answer = await scim.patch(`/Users/${user.id}`, [
      { op: 'replace', value: { active: false } },
      { op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '555-1234' },
    ]);
    expectScimError(answer, 400, 'invalidValue');
    expect((await graphIdentity(server, user.id))!.status).toBe('ACTIVE');
  });

  test('a later operation taking another user’s userName fails the PATCH with 409 uniqueness and changes nothing', async () => {
    const other = await newUser();
    const user = await newUser();
    const before = await read(user.id);
    const answer = await scim.patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'title', value: 'Changed' },
      { op: 'replace', path: 'userName', value: other.userName.toUpperCase() },
    ]);
    expectScimError(answer, 409, 'uniqueness');
    expect(await read(user.id)).toEqual(before);
  });
});
