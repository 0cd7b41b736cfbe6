/**
 * RFC 7644 §3.14 (versioning resources): meta.version as a weak ETag (RFC 7232), If-Match on
 * writes (412 when stale, and nothing changed), If-None-Match on reads (304 when current). Then the
 * bursts IdPs send: concurrent requests keep the rules the GraphQL writes keep (issue #7).
 */
import type { TestServer } from '../helpers/server';
import {
  createScimGroup,
  createUser,
  expectScimError,
  memberIdsOf,
  scimRealm,
  startScimServer,
  unique,
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

const retitle = (title: string) => [{ op: 'replace', path: 'title', value: title }];

describe('§3.14 ETags', () => {
  test('GET answers an ETag header equal to meta.version, a weak validator W/"<n>"', async () => {
    const user = await createUser(scim);
    const got = await scim.get(`/Users/${user.id}`);
    expect(got.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(got.headers.get('etag')).toBe(got.body.meta.version);
  });

  test('POST answers the ETag of the version it made', async () => {
    const created = await scim.post('/Users', userBody());
    expect(created.headers.get('etag')).toBe(created.body.meta.version);
  });

  test('a change makes a new version, which GET then answers', async () => {
    const user = await createUser(scim);
    const changed = await scim.patch(`/Users/${user.id}`, retitle('Changed'));
    expect(changed.body.meta.version).not.toBe(user.meta.version);
    expect((await scim.get(`/Users/${user.id}`)).body.meta.version).toBe(changed.body.meta.version);
  });

  test('groups have versions too: GET answers the ETag of meta.version', async () => {
    const group = await createScimGroup(scim);
    const got = await scim.get(`/Groups/${group.id}`);
    expect(got.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(got.headers.get('etag')).toBe(got.body.meta.version);
  });

  test('a member added makes a new version of the group: the members are part of it', async () => {
    const ann = await createUser(scim);
    const group = await createScimGroup(scim);
    await scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ann.id }] }]);
    const got = await scim.get(`/Groups/${group.id}`, { 'if-none-match': group.meta.version });
    expect(got.status).toBe(200);
    expect(got.body.meta.version).not.toBe(group.meta.version);
  });

  test('a member group nested, taken out, or deleted makes a new version of the parent: its member groups are part of it too', async () => {
    const parent = await createScimGroup(scim);
    const child = await createScimGroup(scim);
    const versionOf = async (id: string) => (await scim.get(`/Groups/${id}`)).body.meta.version;
    const versions = [parent.meta.version];
    expect((await scim.patch(`/Groups/${parent.id}`, [{ op: 'add', path: 'members', value: [{ value: child.id }] }])).status).toBeLessThan(300);
    versions.push(await versionOf(parent.id));
    await scim.patch(`/Groups/${parent.id}`, [{ op: 'remove', path: `members[value eq "${child.id}"]` }]);
    versions.push(await versionOf(parent.id));
    await scim.patch(`/Groups/${parent.id}`, [{ op: 'add', path: 'members', value: [{ value: child.id }] }]);
    versions.push(await versionOf(parent.id));
    // The child deleted: the parent no longer lists it, and says so with a new version.
    expect((await scim.delete(`/Groups/${child.id}`)).status).toBe(204);
    const after = await scim.get(`/Groups/${parent.id}`, { 'if-none-match': versions[versions.length - 1] });
    expect(after.status).toBe(200);
    expect(after.body.members ?? []).toEqual([]);
    versions.push(after.body.meta.version);
    expect(new Set(versions).size).toBe(versions.length);
  });
});

describe('§3.14 If-Match on writes', () => {
  test('PATCH with the current version applies', async () => {
    const user = await createUser(scim);
    const patched = await scim.patch(`/Users/${user.id}`, retitle('Current'), { 'if-match': user.meta.version });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe('Current');
  });

  test('PATCH with a stale version is 412 and changes nothing', async () => {
    const user = await createUser(scim);
    const newer = await scim.patch(`/Users/${user.id}`, retitle('Newer'));
    const stale = await scim.patch(`/Users/${user.id}`, retitle('Stale'), { 'if-match': user.meta.version });
    expectScimError(stale, 412);
    expect((await scim.get(`/Users/${user.id}`)).body).toEqual(newer.body);
  });

  test('PUT with a stale version is 412 and changes nothing', async () => {
    const user = await createUser(scim);
    const newer = await scim.patch(`/Users/${user.id}`, retitle('Newer'));
    const stale = await scim.put(`/Users/${user.id}`, userBody({ userName: user.userName, title: 'Stale' }), { 'if-match': user.meta.version });
    expectScimError(stale, 412);
    expect((await scim.get(`/Users/${user.id}`)).body).toEqual(newer.body);
  });

  test('DELETE with a stale version is 412 and the user remains', async () => {
    const user = await createUser(scim);
    await scim.patch(`/Users/${user.id}`, retitle('Newer'));
    expectScimError(await scim.delete(`/Users/${user.id}`, { 'if-match': user.meta.version }), 412);
    expect((await scim.get(`/Users/${user.id}`)).status).toBe(200);
  });

  test('DELETE with the current version deletes', async () => {
    const user = await createUser(scim);
    expect((await scim.delete(`/Users/${user.id}`, { 'if-match': user.meta.version })).status).toBe(204);
  });

  test('a group PATCH with a stale version is 412 and the group keeps its name', async () => {
    const group = await createScimGroup(scim);
    const renamed = unique('Renamed ');
    await scim.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'displayName', value: renamed }]);
    expectScimError(await scim.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'displayName', value: unique('Stale ') }], { 'if-match': group.meta.version }), 412);
    expect((await scim.get(`/Groups/${group.id}`)).body.displayName).toBe(renamed);
  });
});

describe('§3.14 If-None-Match on reads', () => {
  test('GET with the current version is 304 with no body', async () => {
    const user = await createUser(scim);
    const got = await scim.get(`/Users/${user.id}`, { 'if-none-match': user.meta.version });
    expect(got.status).toBe(304);
    expect(got.text).toBe('');
  });

  test('GET with an older version is 200 with the user', async () => {
    const user = await createUser(scim);
    const newer = await scim.patch(`/Users/${user.id}`, retitle('Newer'));
    const got = await scim.get(`/Users/${user.id}`, { 'if-none-match': user.meta.version });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(newer.body);
  });
});

describe('concurrent requests, as IdPs send them', () => {
  test('POSTs of one userName at once, in different cases: one 201, the others 409 uniqueness', async () => {
    const userName = `${unique('race')}@example.com`;
    const spellings = [userName, userName.toUpperCase(), userName, `${userName[0].toUpperCase()}${userName.slice(1)}`, userName, userName.toUpperCase()];
    const answers = await Promise.all(spellings.map((spelling) => scim.post('/Users', userBody({ userName: spelling, emails: [{ value: `${unique('e')}@example.com`, primary: true }] }))));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const answer of answers.filter((answer) => answer.status === 409)) expect(answer.body.scimType).toBe('uniqueness');
  });

  test('PATCHes adding different members to one group at once: every one is added', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => createUser(scim)));
    const group = await createScimGroup(scim);
    const answers = await Promise.all(users.map((user) => scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: user.id }] }])));
    expect(answers.every((answer) => answer.status === 200 || answer.status === 204)).toBe(true);
    expect(memberIdsOf((await scim.get(`/Groups/${group.id}`)).body)).toEqual(users.map((user) => user.id).sort());
  });

  test('PATCHes with the same If-Match at once: exactly one applies, the others are 412', async () => {
    const user = await createUser(scim);
    const titles = ['one', 'two', 'three', 'four', 'five'];
    const answers = await Promise.all(titles.map((title) => scim.patch(`/Users/${user.id}`, retitle(title), { 'if-match': user.meta.version })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412, 412, 412, 412]);
    const winner = answers.find((answer) => answer.status === 200)!;
    expect((await scim.get(`/Users/${user.id}`)).body.title).toBe(winner.body.title);
  });

  test('a user deleted while it is added to a group: the group never keeps a member that is gone', async () => {
    const ann = await createUser(scim);
    const group = await createScimGroup(scim);
    await Promise.all([scim.delete(`/Users/${ann.id}`), scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ann.id }] }])]);
    expect(memberIdsOf((await scim.get(`/Groups/${group.id}`)).body)).toEqual([]);
  });
});
