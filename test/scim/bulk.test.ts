/**
 * Bulk (RFC 7644 §3.7): the operations of one request in order, each its own write, bulkId
 * references to what an earlier operation created, failOnErrors, the advertised limits.
 */
import type { TestServer } from '../helpers/server';
import { createUser, expectScimError, latestEvents, memberIdsOf, scimRealm, startScimServer, unique, urn, userBody, type ScimClient, type ScimRealm } from '../helpers/scim';

const bulkRequest = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const bulkResponse = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

let server: TestServer;
let realm: ScimRealm;
let scim: ScimClient;
beforeAll(async () => {
  server = await startScimServer();
  realm = await scimRealm(server);
  scim = realm.scim;
});
afterAll(() => server.close());

const bulk = (Operations: unknown[], more: Record<string, unknown> = {}) => scim.post('/Bulk', { schemas: [bulkRequest], Operations, ...more });
const idOfLocation = (location: string) => location.slice(location.lastIndexOf('/') + 1);

test('creates users and a group whose members are those users, named by bulkId', async () => {
  const [ada, bob] = [userBody(), userBody()];
  const answer = await bulk([
    { method: 'POST', path: '/Users', bulkId: 'ada', data: ada },
    { method: 'POST', path: '/Users', bulkId: 'bob', data: bob },
    { method: 'POST', path: '/Groups', bulkId: 'team', data: { schemas: [urn.group], displayName: unique('team-'), members: [{ value: 'bulkId:ada' }, { value: 'bulkId:bob' }] } },
  ]);
  expect(answer.status).toBe(200);
  expect(answer.body.schemas).toEqual([bulkResponse]);
  const [adaResult, bobResult, teamResult] = answer.body.Operations;
  expect(answer.body.Operations.map((operation: any) => [operation.method, operation.bulkId, operation.status])).toEqual([
    ['POST', 'ada', '201'],
    ['POST', 'bob', '201'],
    ['POST', 'team', '201'],
  ]);
  expect(adaResult.location).toMatch(/\/scim\/v2\/Users\/[\w-]+$/);
  expect(adaResult.version).toMatch(/^W\/"\d+"$/);
  const team = (await scim.get(`/Groups/${idOfLocation(teamResult.location)}`)).body;
  expect(memberIdsOf(team)).toEqual([idOfLocation(adaResult.location), idOfLocation(bobResult.location)].sort());
  expect((await scim.get(`/Users/${idOfLocation(bobResult.location)}`)).body.userName).toBe(bob.userName);
});

test('is not atomic: a failed operation is answered in its place, and the others stand', async () => {
  const taken = await createUser(scim);
  const fresh = userBody();
  const answer = await bulk([
    { method: 'POST', path: '/Users', bulkId: 'dup', data: userBody({ userName: taken.userName.toUpperCase() }) },
    { method: 'POST', path: '/Users', bulkId: 'fresh', data: fresh },
  ]);
  const [dup, created] = answer.body.Operations;
  expect(dup).toMatchObject({ method: 'POST', bulkId: 'dup', status: '409', response: { schemas: [urn.error], status: '409', scimType: 'uniqueness' } });
  expect(created.status).toBe('201');
  expect((await scim.get(`/Users${`?filter=${encodeURIComponent(`userName eq "${fresh.userName}"`)}`}`)).body.totalResults).toBe(1);
});

test('failOnErrors stops the rest after that many errors', async () => {
  const taken = await createUser(scim);
  const never = userBody();
  const answer = await bulk(
    [
      { method: 'POST', path: '/Users', bulkId: 'a', data: userBody({ userName: taken.userName }) },
      { method: 'POST', path: '/Users', bulkId: 'b', data: never },
    ],
    { failOnErrors: 1 },
  );
  expect(answer.body.Operations.map((operation: any) => operation.status)).toEqual(['409']);
  expect((await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${never.userName}"`)}`)).body.totalResults).toBe(0);
});

test('a run of creates is answered as one by one: each its own 201, location and version, one IDENTITY_CREATED each in their order', async () => {
  const users = Array.from({ length: 5 }, () => userBody());
  const answer = await bulk(users.map((data, i) => ({ method: 'post', path: '/users', bulkId: `run${i}`, data })));
  expect(answer.body.Operations.map((operation: any) => [operation.method, operation.bulkId, operation.status, operation.version])).toEqual(
    users.map((_, i) => ['POST', `run${i}`, '201', 'W/"1"']),
  );
  const ids = answer.body.Operations.map((operation: any) => idOfLocation(operation.location));
  expect(new Set(ids).size).toBe(5);
  const events = await latestEvents(server, realm.realm.id, 5);
  expect(events.map((event) => [event.type, event.identityId, event.actor?.id])).toEqual(ids.map((id: string) => ['IDENTITY_CREATED', id, realm.token.id]));
  for (const [i, id] of ids.entries()) expect((await scim.get(`/Users/${id}`)).body.userName).toBe(users[i].userName);
});

test('a run of creates where one repeats an earlier one’s userName: that one 409 in its place, the others 201, no event for it', async () => {
  const [first, second, third] = [userBody(), userBody(), userBody()];
  const answer = await bulk([
    { method: 'POST', path: '/Users', bulkId: 'first', data: first },
    { method: 'POST', path: '/Users', bulkId: 'again', data: userBody({ userName: first.userName.toUpperCase() }) },
    { method: 'POST', path: '/Users', bulkId: 'second', data: second },
    { method: 'POST', path: '/Users', bulkId: 'third', data: third },
  ]);
  expect(answer.body.Operations.map((operation: any) => [operation.bulkId, operation.status, operation.response?.scimType])).toEqual([
    ['first', '201', undefined],
    ['again', '409', 'uniqueness'],
    ['second', '201', undefined],
    ['third', '201', undefined],
  ]);
  const created = answer.body.Operations.filter((operation: any) => operation.status === '201').map((operation: any) => idOfLocation(operation.location));
  expect((await latestEvents(server, realm.realm.id, 3)).map((event) => [event.type, event.identityId])).toEqual(created.map((id: string) => ['IDENTITY_CREATED', id]));
});

test('failOnErrors in a run of creates: a taken key after fresh users stops the rest, and the fresh ones stand', async () => {
  const taken = await createUser(scim);
  const [fresh, never] = [userBody(), userBody()];
  const answer = await bulk(
    [
      { method: 'POST', path: '/Users', bulkId: 'fresh', data: fresh },
      { method: 'POST', path: '/Users', bulkId: 'taken', data: userBody({ userName: taken.userName }) },
      { method: 'POST', path: '/Users', bulkId: 'never', data: never },
    ],
    { failOnErrors: 1 },
  );
  expect(answer.body.Operations.map((operation: any) => operation.status)).toEqual(['201', '409']);
  expect((await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${fresh.userName}"`)}`)).body.totalResults).toBe(1);
  expect((await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${never.userName}"`)}`)).body.totalResults).toBe(0);
});

test('a create the checks refuse, inside a run, is answered in its place and the creates around it stand', async () => {
  const [before, after] = [userBody(), userBody()];
  const answer = await bulk([
    { method: 'POST', path: '/Users', bulkId: 'before', data: before },
    { method: 'POST', path: '/Users', bulkId: 'bad', data: userBody({ emails: [] }) },
    { method: 'POST', path: '/Users', bulkId: 'after', data: after },
  ]);
  expect(answer.body.Operations.map((operation: any) => [operation.bulkId, operation.status])).toEqual([
    ['before', '201'],
    ['bad', '400'],
    ['after', '201'],
  ]);
});

test('PATCH, PUT and DELETE by path, with a version: a stale one is 412 in its place', async () => {
  const user = await createUser(scim, { title: 'Engineer' });
  const other = await createUser(scim);
  const answer = await bulk([
    { method: 'PATCH', path: `/Users/${user.id}`, version: user.meta.version, data: { schemas: [urn.patchOp], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] } },
    { method: 'PUT', path: `/Users/${user.id}`, version: user.meta.version, data: userBody({ userName: user.userName }) },
    { method: 'DELETE', path: `/Users/${other.id}` },
  ]);
  expect(answer.body.Operations.map((operation: any) => operation.status)).toEqual(['200', '412', '204']);
  expect((await scim.get(`/Users/${user.id}`)).body.title).toBe('Lead');
  expect((await scim.get(`/Users/${other.id}`)).status).toBe(404);
});

test('a bulkId no earlier operation created is that operation’s invalidValue', async () => {
  const answer = await bulk([{ method: 'POST', path: '/Groups', bulkId: 'g', data: { displayName: unique('g-'), members: [{ value: 'bulkId:nobody' }] } }]);
  expect(answer.body.Operations[0]).toMatchObject({ status: '400', response: { scimType: 'invalidValue' } });
  expect(answer.body.Operations[0].response.detail).toContain('bulkId:nobody');
});

test('malformed operations are answered each in its place', async () => {
  const answer = await bulk([
    { method: 'GET', path: '/Users' },
    { method: 'POST', path: '/Users', data: userBody() },
    { method: 'POST', path: '/Elsewhere', bulkId: 'x', data: {} },
    { method: 'PUT', path: '/Users', data: userBody() },
  ]);
  expect(answer.body.Operations.map((operation: any) => operation.status)).toEqual(['400', '400', '400', '400']);
});

test('more operations than maxOperations is 413, and nothing runs', async () => {
  const config = (await scim.get('/ServiceProviderConfig')).body.bulk;
  expect(config).toMatchObject({ supported: true, maxOperations: 1000 });
  const operations = Array.from({ length: config.maxOperations + 1 }, (_, n) => ({ method: 'POST', path: '/Users', bulkId: `u${n}`, data: userBody() }));
  const answer = await bulk(operations);
  expectScimError(answer, 413);
  expect((await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${operations[0].data.userName}"`)}`)).body.totalResults).toBe(0);
});

test('a body without the BulkRequest schema is invalidSyntax', async () => {
  expectScimError(await scim.post('/Bulk', { Operations: [] }), 400, 'invalidSyntax');
});

test('each operation’s changes are in the event log with the SCIM token as actor', async () => {
  const answer = await bulk([{ method: 'POST', path: '/Users', bulkId: 'logged', data: userBody() }]);
  const id = idOfLocation(answer.body.Operations[0].location);
  const [event] = (await latestEvents(server, realm.realm.id, 1)).slice(-1);
  expect(event).toMatchObject({ type: 'IDENTITY_CREATED', identityId: id, actor: { id: realm.token.id } });
});
