/**
 * A SCIM token reaches its own realm only: another realm's users and groups are not found (404,
 * never 403, which would confirm they exist), not listed, not matched by filters, and cannot be
 * made members of its groups. HOUSE.md: every domain has a cross-realm isolation case.
 */
import { createIdentity } from '../factories/graph';
import type { TestServer } from '../helpers/server';
import {
  createScimGroup,
  createUser,
  expectScimError,
  graphIdentity,
  idsOf,
  memberIdsOf,
  query,
  scimRealm,
  startScimServer,
  unique,
  urn,
  userBody,
  type ScimRealm,
} from '../helpers/scim';

let server: TestServer;
let a: ScimRealm;
let b: ScimRealm;
let bUser: Record<string, any>;
let bGroup: Record<string, any>;
let bHandMade: { id: string; username: string };

beforeAll(async () => {
  server = await startScimServer();
  a = await scimRealm(server);
  b = await scimRealm(server);
  bUser = await createUser(b.scim, { userName: `${unique('b-user')}@example.com`, title: 'B’s own' });
  bGroup = await createScimGroup(b.scim, unique('B group '), [bUser.id]);
  bHandMade = await createIdentity(server, b.realm.id);
});
afterAll(() => server.close());

const bUserAsIs = async () => (await b.scim.get(`/Users/${bUser.id}`)).body;

describe('another realm’s users', () => {
  test('GET of B’s user with A’s token is 404', async () => {
    expectScimError(await a.scim.get(`/Users/${bUser.id}`), 404);
  });

  test('GET of an identity made by hand in B, with A’s token, is 404', async () => {
    expectScimError(await a.scim.get(`/Users/${bHandMade.id}`), 404);
  });

  test('A’s list holds none of B’s users', async () => {
    await createUser(a.scim);
    const listed = idsOf((await a.scim.get('/Users?count=1000')).body);
    expect(listed).not.toContain(bUser.id);
    expect(listed).not.toContain(bHandMade.id);
  });

  test('a filter on B’s userName finds nothing in A', async () => {
    const list = await a.scim.get(`/Users${query({ filter: `userName eq "${bUser.userName}"` })}`);
    expect(list.body.totalResults).toBe(0);
  });

  test('a filter on B’s user id finds nothing in A', async () => {
    const list = await a.scim.get(`/Users${query({ filter: `id eq "${bUser.id}"` })}`);
    expect(list.body.totalResults).toBe(0);
  });

  test('A’s search at the root finds nothing of B', async () => {
    const searched = await a.scim.post('/.search', { schemas: [urn.searchRequest], filter: `userName eq "${bUser.userName}" or displayName eq "${bGroup.displayName}"` });
    expect(searched.body.totalResults).toBe(0);
  });

  test('PUT of B’s user with A’s token is 404, and B’s user is unchanged', async () => {
    const before = await bUserAsIs();
    expectScimError(await a.scim.put(`/Users/${bUser.id}`, userBody({ userName: bUser.userName, title: 'Taken over' })), 404);
    expect(await bUserAsIs()).toEqual(before);
  });

  test('PATCH of B’s user with A’s token is 404, and B’s user is unchanged', async () => {
    const before = await bUserAsIs();
    expectScimError(await a.scim.patch(`/Users/${bUser.id}`, [{ op: 'replace', value: { active: false } }]), 404);
    expect(await bUserAsIs()).toEqual(before);
  });

  test('DELETE of B’s user with A’s token is 404, and B’s user remains', async () => {
    expectScimError(await a.scim.delete(`/Users/${bUser.id}`), 404);
    expect((await b.scim.get(`/Users/${bUser.id}`)).status).toBe(200);
    expect(await graphIdentity(server, bUser.id)).not.toBeNull();
  });

  test('B’s userName is free in A: the same userName may exist in both realms', async () => {
    const created = await a.scim.post('/Users', userBody({ userName: bUser.userName }));
    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe(bUser.id);
  });
});

describe('another realm’s groups', () => {
  test('GET of B’s group with A’s token is 404', async () => {
    expectScimError(await a.scim.get(`/Groups/${bGroup.id}`), 404);
  });

  test('A’s group list holds none of B’s groups, and a members filter on B’s user finds nothing', async () => {
    await createScimGroup(a.scim);
    expect(idsOf((await a.scim.get('/Groups')).body)).not.toContain(bGroup.id);
    expect((await a.scim.get(`/Groups${query({ filter: `members[value eq "${bUser.id}"]` })}`)).body.totalResults).toBe(0);
  });

  test('PATCH of B’s group with A’s token is 404, and its members are unchanged', async () => {
    expectScimError(await a.scim.patch(`/Groups/${bGroup.id}`, [{ op: 'remove', path: 'members' }]), 404);
    expect(memberIdsOf((await b.scim.get(`/Groups/${bGroup.id}`)).body)).toEqual([bUser.id]);
  });

  test('DELETE of B’s group with A’s token is 404, and the group remains', async () => {
    expectScimError(await a.scim.delete(`/Groups/${bGroup.id}`), 404);
    expect((await b.scim.get(`/Groups/${bGroup.id}`)).status).toBe(200);
  });

  test('A cannot add B’s user to A’s group with PATCH: 4xx, and the group is unchanged', async () => {
    const mine = await createUser(a.scim);
    const group = await createScimGroup(a.scim, unique('A group '), [mine.id]);
    const answer = await a.scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: bUser.id }] }]);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(memberIdsOf((await a.scim.get(`/Groups/${group.id}`)).body)).toEqual([mine.id]);
  });

  test('A cannot create a group with B’s user as a member: 4xx, and no group is made', async () => {
    const displayName = unique('A with B ');
    const answer = await a.scim.post('/Groups', { schemas: [urn.group], displayName, members: [{ value: bUser.id }] });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect((await a.scim.get(`/Groups${query({ filter: `displayName eq "${displayName}"` })}`)).body.totalResults).toBe(0);
  });

  test('B’s user stays in B’s group only: its groups name none of A’s', async () => {
    expect((await bUserAsIs()).groups.map((group: { value: string }) => group.value)).toEqual([bGroup.id]);
  });
});
