/**
 * RFC 7644 §3.12 (HTTP status and error response handling): the error schema, the status codes
 * and the scimType of Table 9, and details a person can act on that reveal nothing internal (the
 * client in test/helpers/scim.ts checks the shape and the leaks on every error of the suite; here
 * each error is provoked on purpose).
 */
import type { TestServer } from '../helpers/server';
import { createScimGroup, createUser, expectScimError, query, scimRealm, startScimServer, unique, urn, userBody, type ScimClient } from '../helpers/scim';

let server: TestServer;
let scim: ScimClient;
beforeAll(async () => {
  server = await startScimServer();
  ({ scim } = await scimRealm(server));
});
afterAll(() => server.close());

describe('§3.12 the error response', () => {
  test('an error is the Error schema with status as a string and a detail, in application/scim+json', async () => {
    const answer = await scim.get('/Users/no-such-user');
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(answer.body).toEqual({ schemas: [urn.error], status: '404', detail: expect.any(String) });
  });

  test('an endpoint that does not exist is 404 in the same shape', async () => {
    expectScimError(await scim.get('/Widgets'), 404);
  });
});

describe('§3.12 400 invalidFilter', () => {
  test.each([
    ['an operator without a value', 'userName eq'],
    ['an unknown operator', 'userName xx "a"'],
    ['an unclosed parenthesis', '(userName eq "a"'],
    ['a dangling and', 'userName eq "a" and'],
    ['an unclosed value path', 'emails[type eq "work"'],
    ['an unquoted string', 'userName eq alice'],
    ['an attribute the schema does not have', 'favouriteColour eq "green"'],
  ])('%s: %s', async (_why, filter) => {
    expectScimError(await scim.get(`/Users${query({ filter })}`), 400, 'invalidFilter');
  });

  test('on /Groups too', async () => {
    expectScimError(await scim.get(`/Groups${query({ filter: 'displayName eq' })}`), 400, 'invalidFilter');
  });
});

describe('§3.12 400 invalidSyntax', () => {
  test('a body that is not JSON', async () => {
    expectScimError(await scim.request('POST', '/Users', { rawBody: '{"userName": "half' }), 400, 'invalidSyntax');
  });

  test('a body that is JSON but not an object', async () => {
    expectScimError(await scim.request('POST', '/Users', { rawBody: '["userName"]' }), 400, 'invalidSyntax');
  });

  test('a PATCH body that is not JSON', async () => {
    const user = await createUser(scim);
    expectScimError(await scim.request('PATCH', `/Users/${user.id}`, { rawBody: '{"Operations": [' }), 400, 'invalidSyntax');
  });
});

describe('§3.12 400 invalidValue', () => {
  test('a user without a userName', async () => {
    expectScimError(await scim.post('/Users', userBody({ userName: undefined })), 400, 'invalidValue');
  });

  test('a user without any email', async () => {
    expectScimError(await scim.post('/Users', userBody({ emails: undefined })), 400, 'invalidValue');
  });

  test('an email that is not an address', async () => {
    expectScimError(await scim.post('/Users', userBody({ emails: [{ value: 'not an address', primary: true }] })), 400, 'invalidValue');
  });

  test('a phone number that cannot be made E.164: "555-1234", without a country code', async () => {
    expectScimError(await scim.post('/Users', userBody({ phoneNumbers: [{ value: '555-1234', type: 'work' }] })), 400, 'invalidValue');
  });

  test('active that is neither a boolean nor "true"/"false": "maybe"', async () => {
    expectScimError(await scim.post('/Users', userBody({ active: 'maybe' })), 400, 'invalidValue');
  });

  test('a role other than ADMIN and GRANTEE', async () => {
    expectScimError(await scim.post('/Users', userBody({ roles: [{ value: 'OWNER' }] })), 400, 'invalidValue');
  });

  test('a group without a displayName', async () => {
    expectScimError(await scim.post('/Groups', { schemas: [urn.group], members: [] }), 400, 'invalidValue');
  });

  test('a group displayName of 65 characters', async () => {
    expectScimError(await scim.post('/Groups', { schemas: [urn.group], displayName: 'x'.repeat(65) }), 400, 'invalidValue');
  });

  test('a detail names the attribute at fault', async () => {
    const answer = await scim.post('/Users', userBody({ phoneNumbers: [{ value: '555-1234', type: 'work' }] }));
    expect(answer.body.detail).toMatch(/phone/i);
  });
});

describe('§3.12 400 invalidPath', () => {
  test('a PATCH path to an attribute the schema does not have', async () => {
    const user = await createUser(scim);
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'favouriteColour', value: 'green' }]), 400, 'invalidPath');
  });

  test('a PATCH path under an extension the server does not know', async () => {
    const user = await createUser(scim);
    expectScimError(await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'urn:example:params:scim:schemas:extension:unknown:2.0:User:shoeSize', value: '44' }]), 400, 'invalidPath');
  });
});

describe('§3.12 409 uniqueness', () => {
  test('a userName another user of the realm has, in another case', async () => {
    const taken = await createUser(scim);
    const answer = await scim.post('/Users', userBody({ userName: taken.userName.toUpperCase(), emails: [{ value: `${unique('other')}@example.com`, primary: true }] }));
    expectScimError(answer, 409, 'uniqueness');
  });

  test('a PUT to a userName another user has', async () => {
    const taken = await createUser(scim);
    const user = await createUser(scim);
    expectScimError(await scim.put(`/Users/${user.id}`, userBody({ userName: taken.userName, emails: user.emails })), 409, 'uniqueness');
  });

  test('a group displayName another group of the realm has, in another case', async () => {
    const taken = await createScimGroup(scim, unique('Taken '));
    expectScimError(await scim.post('/Groups', { schemas: [urn.group], displayName: taken.displayName.toUpperCase() }), 409, 'uniqueness');
  });

  test('a group renamed to a displayName another group has', async () => {
    const taken = await createScimGroup(scim, unique('Taken '));
    const group = await createScimGroup(scim);
    expectScimError(await scim.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'displayName', value: taken.displayName }]), 409, 'uniqueness');
  });
});

describe('§3.12 404', () => {
  test.each(['GET', 'PUT', 'PATCH', 'DELETE'])('%s of a user id that is no id at all', async (method) => {
    const body = method === 'PUT' ? userBody() : method === 'PATCH' ? { schemas: [urn.patchOp], Operations: [{ op: 'replace', path: 'title', value: 'x' }] } : undefined;
    expectScimError(await scim.request(method, '/Users/not-an-id', { body }), 404);
  });

  test.each(['GET', 'PATCH', 'DELETE'])('%s of a group id that is no id at all', async (method) => {
    const body = method === 'PATCH' ? { schemas: [urn.patchOp], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] } : undefined;
    expectScimError(await scim.request(method, '/Groups/not-an-id', { body }), 404);
  });

  test('a user id given as a group id', async () => {
    const user = await createUser(scim);
    expectScimError(await scim.get(`/Groups/${user.id}`), 404);
  });

  test('a group id given as a user id', async () => {
    const group = await createScimGroup(scim);
    expectScimError(await scim.get(`/Users/${group.id}`), 404);
  });
});

describe('odd input is a 4xx that reveals nothing, never a 500', () => {
  test.each([
    ['an id with SQL in it', `/Users/${encodeURIComponent("x' OR '1'='1")}`],
    ['an id of 2 000 characters', `/Users/${'a'.repeat(2000)}`],
    ['a startIndex that is no number', `/Users${query({ startIndex: 'abc' })}`],
    ['a startIndex past any integer', `/Users${query({ startIndex: '99999999999999999999999' })}`],
    ['a count that is no number', `/Users${query({ count: 'ten' })}`],
    ['a sortBy the schema does not have', `/Users${query({ sortBy: 'favouriteColour' })}`],
    ['a filter with a NUL character', `/Users${query({ filter: 'userName eq "a\u0000b"' })}`],
    ['a filter nested 500 levels deep', `/Users${query({ filter: `${'('.repeat(500)}userName eq "a"${')'.repeat(500)}` })}`],
    ['a filter with a quote inside', `/Users${query({ filter: 'userName eq "a\\"b"' })}`],
  ])('%s', async (_what, path) => {
    const answer = await scim.get(path);
    expect(answer.status).toBeLessThan(500);
  });

  test('a user whose attributes have the wrong JSON types: 400', async () => {
    const answer = await scim.post('/Users', userBody({ name: 'Barbara Jensen', emails: 'b@example.com', title: { nested: true } }));
    expectScimError(answer, 400);
  });
});
