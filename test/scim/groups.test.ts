/**
 * Groups (RFC 7643 §4.2): create (RFC 7644 §3.3), retrieve and query (§3.4), replace (§3.5.1),
 * PATCH of members and attributes (§3.5.2), delete (§3.6) — and the realm's Group in GraphQL.
 */
import { uuidOf } from '../factories/graph';
import { closureDifferences } from '../helpers/closure';
import type { TestServer } from '../helpers/server';
import {
  createScimGroup,
  createUser,
  expectScimError,
  graphGroup,
  idsOf,
  memberIdsOf,
  query,
  scimRealm,
  startScimServer,
  unique,
  urn,
  type ScimClient,
} from '../helpers/scim';

let server: TestServer;
let scim: ScimClient;
let realmId: string;
beforeAll(async () => {
  server = await startScimServer();
  let realm: { id: string };
  ({ scim, realm } = await scimRealm(server));
  realmId = realm.id;
});
afterAll(() => server.close());

const read = async (id: string) => (await scim.get(`/Groups/${id}`)).body;
const sorted = (...ids: string[]) => [...ids].sort();

describe('§3.3 creating a group', () => {
  test('POST /Groups answers 201 with the group and a Location header that is its meta.location', async () => {
    const displayName = unique('Engineers ');
    const created = await scim.post('/Groups', { schemas: [urn.group], displayName, members: [] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ schemas: [urn.group], id: expect.any(String), displayName, meta: { resourceType: 'Group' } });
    expect(created.headers.get('location')).toBe(created.body.meta.location);
    expect(created.body.meta.location).toBe(`${scim.baseUrl}/Groups/${created.body.id}`);
  });

  test('a group created without members has none', async () => {
    const created = await createScimGroup(scim);
    expect(created.members ?? []).toEqual([]);
  });

  test('members sent are members: value and type "User"', async () => {
    const ann = await createUser(scim);
    const created = await createScimGroup(scim, unique('with-members-'), [ann.id]);
    expect(created.members).toEqual([expect.objectContaining({ value: ann.id, type: 'User' })]);
  });

  test('externalId is stored and answered', async () => {
    const created = await createScimGroup(scim, unique('ext-'), [], { externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159' });
    expect((await read(created.id)).externalId).toBe('8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
  });

  test('the group is a Group of the realm in GraphQL, named by displayName, with its members', async () => {
    const ann = await createUser(scim);
    const created = await createScimGroup(scim, unique('Graph '), [ann.id]);
    expect(await graphGroup(server, created.id)).toEqual({ id: created.id, name: created.displayName, memberIds: [ann.id] });
  });

  test('a displayName of 64 characters is accepted', async () => {
    const displayName = `${unique('g')}${'x'.repeat(64)}`.slice(0, 64);
    expect((await scim.post('/Groups', { schemas: [urn.group], displayName })).status).toBe(201);
  });
});

describe('§3.4 retrieving and querying groups', () => {
  test('GET /Groups/<id> answers the group as POST answered it', async () => {
    const ann = await createUser(scim);
    const created = await createScimGroup(scim, unique('read-'), [ann.id]);
    const got = await scim.get(`/Groups/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created);
  });

  test('filter=displayName eq finds the group', async () => {
    const created = await createScimGroup(scim, unique('Find me '));
    const list = await scim.get(`/Groups${query({ filter: `displayName eq "${created.displayName}"` })}`);
    expect(idsOf(list.body)).toEqual([created.id]);
  });

  test('excludedAttributes=members leaves members out of a list', async () => {
    const ann = await createUser(scim);
    const created = await createScimGroup(scim, unique('excluded-'), [ann.id]);
    const list = await scim.get(`/Groups${query({ excludedAttributes: 'members', filter: `displayName eq "${created.displayName}"` })}`);
    expect(list.body.Resources).toEqual([expect.objectContaining({ id: created.id, displayName: created.displayName })]);
    expect(list.body.Resources[0]).not.toHaveProperty('members');
  });

  test('excludedAttributes=members leaves members out of one group', async () => {
    const ann = await createUser(scim);
    const created = await createScimGroup(scim, unique('excluded-one-'), [ann.id]);
    const got = await scim.get(`/Groups/${created.id}${query({ excludedAttributes: 'members' })}`);
    expect(got.body).toMatchObject({ id: created.id, displayName: created.displayName });
    expect(got.body).not.toHaveProperty('members');
  });

  test('filter=members[value eq "<user id>"] finds the groups the user is in', async () => {
    const ann = await createUser(scim);
    const hers = await createScimGroup(scim, unique('hers-'), [ann.id]);
    await createScimGroup(scim, unique('not-hers-'));
    const list = await scim.get(`/Groups${query({ filter: `members[value eq "${ann.id}"]` })}`);
    expect(idsOf(list.body)).toEqual([hers.id]);
  });

  test('an id no group has is 404', async () => {
    const created = await createScimGroup(scim);
    await scim.delete(`/Groups/${created.id}`);
    expectScimError(await scim.get(`/Groups/${created.id}`), 404);
  });
});

describe('§3.5.2 PATCH of members', () => {
  test('add members adds them', async () => {
    const [ann, ben] = [await createUser(scim), await createUser(scim)];
    const group = await createScimGroup(scim);
    const patched = await scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ann.id }, { value: ben.id }] }]);
    expect([200, 204]).toContain(patched.status);
    expect(memberIdsOf(await read(group.id))).toEqual(sorted(ann.id, ben.id));
  });

  test('adding a member again keeps one membership', async () => {
    const ann = await createUser(scim);
    const group = await createScimGroup(scim, unique('again-'), [ann.id]);
    const patched = await scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ann.id }] }]);
    expect([200, 204]).toContain(patched.status);
    expect(memberIdsOf(await read(group.id))).toEqual([ann.id]);
  });

  test('remove with members[value eq "<id>"] removes that member', async () => {
    const [ann, ben] = [await createUser(scim), await createUser(scim)];
    const group = await createScimGroup(scim, unique('remove-one-'), [ann.id, ben.id]);
    const patched = await scim.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${ann.id}"]` }]);
    expect([200, 204]).toContain(patched.status);
    expect(memberIdsOf(await read(group.id))).toEqual([ben.id]);
  });

  test('remove of path members with a value list removes those members', async () => {
    const [ann, ben, cid] = [await createUser(scim), await createUser(scim), await createUser(scim)];
    const group = await createScimGroup(scim, unique('remove-list-'), [ann.id, ben.id, cid.id]);
    await scim.patch(`/Groups/${group.id}`, [{ op: 'remove', path: 'members', value: [{ value: ann.id }, { value: cid.id }] }]);
    expect(memberIdsOf(await read(group.id))).toEqual([ben.id]);
  });

  test('remove of path members without a value removes every member', async () => {
    const [ann, ben] = [await createUser(scim), await createUser(scim)];
    const group = await createScimGroup(scim, unique('remove-all-'), [ann.id, ben.id]);
    await scim.patch(`/Groups/${group.id}`, [{ op: 'remove', path: 'members' }]);
    expect(memberIdsOf(await read(group.id))).toEqual([]);
  });

  test('replace of members makes the group exactly those members', async () => {
    const [ann, ben, cid] = [await createUser(scim), await createUser(scim), await createUser(scim)];
    const group = await createScimGroup(scim, unique('replace-'), [ann.id, ben.id]);
    await scim.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'members', value: [{ value: ben.id }, { value: cid.id }] }]);
    expect(memberIdsOf(await read(group.id))).toEqual(sorted(ben.id, cid.id));
  });

  test('a removal and an addition in one PATCH both apply, in order', async () => {
    const [ann, ben] = [await createUser(scim), await createUser(scim)];
    const group = await createScimGroup(scim, unique('both-'), [ann.id]);
    await scim.patch(`/Groups/${group.id}`, [
      { op: 'remove', path: `members[value eq "${ann.id}"]` },
      { op: 'add', path: 'members', value: [{ value: ben.id }] },
    ]);
    expect(memberIdsOf(await read(group.id))).toEqual([ben.id]);
  });

  test('the members PATCHed are the Group’s members in GraphQL', async () => {
    const [ann, ben] = [await createUser(scim), await createUser(scim)];
    const group = await createScimGroup(scim, unique('graph-members-'), [ann.id]);
    await scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ben.id }] }]);
    expect((await graphGroup(server, group.id))!.memberIds).toEqual(sorted(ann.id, ben.id));
  });

  test('adding a member no user has is 4xx and adds none of the others', async () => {
    const ann = await createUser(scim);
    const gone = await createUser(scim);
    await scim.delete(`/Users/${gone.id}`);
    const group = await createScimGroup(scim);
    const answer = await scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ann.id }, { value: gone.id }] }]);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(memberIdsOf(await read(group.id))).toEqual([]);
  });

  test('a PATCH to an id no group has is 404', async () => {
    const group = await createScimGroup(scim);
    await scim.delete(`/Groups/${group.id}`);
    expectScimError(await scim.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'displayName', value: 'x' }]), 404);
  });
});

describe('§3.5.2 PATCH of attributes', () => {
  test('replace of displayName renames the group, in GraphQL too', async () => {
    const group = await createScimGroup(scim);
    const renamed = unique('Renamed ');
    const patched = await scim.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'displayName', value: renamed }]);
    expect([200, 204]).toContain(patched.status);
    expect((await read(group.id)).displayName).toBe(renamed);
    expect((await graphGroup(server, group.id))!.name).toBe(renamed);
  });

  test('replace of externalId', async () => {
    const group = await createScimGroup(scim, unique('ext-replace-'), [], { externalId: 'old' });
    await scim.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'externalId', value: 'new' }]);
    expect((await read(group.id)).externalId).toBe('new');
  });

  test('a renaming leaves the members alone', async () => {
    const ann = await createUser(scim);
    const group = await createScimGroup(scim, unique('keep-'), [ann.id]);
    await scim.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'displayName', value: unique('Kept ') }]);
    expect(memberIdsOf(await read(group.id))).toEqual([ann.id]);
  });
});

describe('§3.5.1 replacing a group with PUT', () => {
  test('PUT replaces the displayName and the member list', async () => {
    const [ann, ben] = [await createUser(scim), await createUser(scim)];
    const group = await createScimGroup(scim, unique('put-'), [ann.id]);
    const renamed = unique('Put ');
    const replaced = await scim.put(`/Groups/${group.id}`, { schemas: [urn.group], displayName: renamed, members: [{ value: ben.id }] });
    expect(replaced.status).toBe(200);
    expect(replaced.body.displayName).toBe(renamed);
    expect(memberIdsOf(await read(group.id))).toEqual([ben.id]);
  });

  test('PUT to an id no group has is 404', async () => {
    const group = await createScimGroup(scim);
    await scim.delete(`/Groups/${group.id}`);
    expectScimError(await scim.put(`/Groups/${group.id}`, { schemas: [urn.group], displayName: unique('late-') }), 404);
  });
});

describe('§3.6 deleting a group', () => {
  test('DELETE answers 204 with no body; afterwards GET is 404', async () => {
    const group = await createScimGroup(scim);
    const deleted = await scim.delete(`/Groups/${group.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectScimError(await scim.get(`/Groups/${group.id}`), 404);
  });

  test('its members stay users, no longer in the group', async () => {
    const ann = await createUser(scim);
    const group = await createScimGroup(scim, unique('deleted-'), [ann.id]);
    await scim.delete(`/Groups/${group.id}`);
    const user = await scim.get(`/Users/${ann.id}`);
    expect(user.status).toBe(200);
    expect(user.body.groups ?? []).toEqual([]);
  });

  test('the group is gone from GraphQL too', async () => {
    const group = await createScimGroup(scim);
    await scim.delete(`/Groups/${group.id}`);
    expect(await graphGroup(server, group.id)).toBeNull();
  });
});

describe('groups as members (nested groups, issue #14)', () => {
  test('a group pushed with a group member nests it: GraphQL’s memberGroups, and GET lists it with type "Group"', async () => {
    const ann = await createUser(scim);
    const child = await createScimGroup(scim);
    const parent = await createScimGroup(scim, unique('parent-'), [ann.id, child.id]);
    const members = (await read(parent.id)).members;
    expect(members).toEqual([
      expect.objectContaining({ value: ann.id, type: 'User' }),
      expect.objectContaining({ value: child.id, type: 'Group', display: child.displayName, $ref: expect.stringMatching(new RegExp(`/Groups/${child.id}$`)) }),
    ]);
    const graph = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { memberCount memberGroups { totalCount edges { node { id } } } } } }`, { id: parent.id });
    expect(graph.node).toEqual({ memberCount: 1, memberGroups: { totalCount: 1, edges: [{ node: { id: child.id } }] } });
  });

  test('PATCH add and remove of a group member nest and unnest it', async () => {
    const parent = await createScimGroup(scim);
    const child = await createScimGroup(scim);
    expect((await scim.patch(`/Groups/${parent.id}`, [{ op: 'add', path: 'members', value: [{ value: child.id, type: 'Group' }] }])).status).toBe(204);
    expect(memberIdsOf(await read(parent.id))).toEqual([child.id]);
    expect((await scim.patch(`/Groups/${parent.id}`, [{ op: 'remove', path: `members[value eq "${child.id}"]` }])).status).toBe(204);
    expect(memberIdsOf(await read(parent.id))).toEqual([]);
  });

  test('PUT with a member list replaces the nested groups too', async () => {
    const first = await createScimGroup(scim);
    const second = await createScimGroup(scim);
    const parent = await createScimGroup(scim, unique('parent-'), [first.id]);
    const put = await scim.put(`/Groups/${parent.id}`, { schemas: [urn.group], displayName: parent.displayName, members: [{ value: second.id }] });
    expect(put.status).toBe(200);
    expect(memberIdsOf(await read(parent.id))).toEqual([second.id]);
  });

  test('a group created with member groups is closed over at once: its closure rows are the ones its nestings give', async () => {
    const grandchild = await createScimGroup(scim);
    const child = await createScimGroup(scim, unique('child-'), [grandchild.id]);
    await createScimGroup(scim, unique('parent-'), [child.id]);
    expect(await closureDifferences(server.db.dataSource, uuidOf(realmId))).toEqual([]);
  });

  test('a user’s groups are those it is in ("direct") and those above them ("indirect"), each once (RFC 7643 §4.1.2)', async () => {
    const ann = await createUser(scim);
    const bob = await createUser(scim);
    const leaf = await createScimGroup(scim, unique('leaf-'), [ann.id, bob.id]);
    const middle = await createScimGroup(scim, unique('middle-'), [leaf.id]);
    const other = await createScimGroup(scim, unique('other-'), [leaf.id]);
    const top = await createScimGroup(scim, unique('top-'), [middle.id, other.id, bob.id]);
    const groupsOf = (user: Record<string, any>) =>
      Object.fromEntries((user.groups ?? []).map((group: { value: string; type: string }) => [group.value, group.type]));
    const annRead = (await scim.get(`/Users/${ann.id}`)).body;
    expect(groupsOf(annRead)).toEqual({ [leaf.id]: 'direct', [middle.id]: 'indirect', [other.id]: 'indirect', [top.id]: 'indirect' });
    // top is reached by two paths: listed once.
    expect(annRead.groups).toHaveLength(4);
    expect(annRead.groups.find((group: { value: string }) => group.value === top.id)).toEqual({
      value: top.id,
      display: top.displayName,
      $ref: `${scim.baseUrl}/Groups/${top.id}`,
      type: 'indirect',
    });
    // A user in the group itself and below it is a direct member.
    expect(groupsOf((await scim.get(`/Users/${bob.id}`)).body)[top.id]).toBe('direct');
    // A list of users reads them in one go, with the same answer.
    const listed = (await scim.get(`/Users${query({ filter: `userName eq "${ann.userName}" or userName eq "${bob.userName}"` })}`)).body;
    expect(listed.Resources.map((user: Record<string, any>) => Object.keys(groupsOf(user)).length).sort()).toEqual([4, 4]);
  });

  test('filtering users by groups.value finds the members of the groups nested in it too, as their groups list it', async () => {
    const ann = await createUser(scim);
    const leaf = await createScimGroup(scim, unique('leaf-'), [ann.id]);
    const top = await createScimGroup(scim, unique('top-'), [leaf.id]);
    expect(idsOf((await scim.get(`/Users${query({ filter: `groups.value eq "${top.id}"` })}`)).body)).toEqual([ann.id]);
    expect(idsOf((await scim.get(`/Users${query({ filter: `groups[value eq "${leaf.id}"]` })}`)).body)).toEqual([ann.id]);
    await scim.patch(`/Groups/${top.id}`, [{ op: 'remove', path: `members[value eq "${leaf.id}"]` }]);
    expect(idsOf((await scim.get(`/Users${query({ filter: `groups.value eq "${top.id}"` })}`)).body)).toEqual([]);
  });

  test('a group member that contains the group is 400 invalidValue, naming the cycle', async () => {
    const child = await createScimGroup(scim);
    const parent = await createScimGroup(scim, unique('parent-'), [child.id]);
    const answer = await scim.patch(`/Groups/${child.id}`, [{ op: 'add', path: 'members', value: [{ value: parent.id }] }]);
    expectScimError(answer, 400, 'invalidValue');
    expect(answer.body.detail).toContain(`"${child.displayName}" → "${parent.displayName}" → "${child.displayName}"`);
  });
});
