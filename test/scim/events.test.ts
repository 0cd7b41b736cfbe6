/**
 * What an IdP changes over SCIM is a change of the realm like any other: on the GraphQL event log
 * and the subscriptions (realmEvents, membershipChanged), with the SCIM token as the actor, and
 * nothing logged for a request that fails.
 */
import type { TestServer } from '../helpers/server';
import { subscribe } from '../helpers/subscription';
import { createScimGroup, createUser, expectScimError, lastEventCursor, latestEvents, scimRealm, startScimServer, unique, type ScimRealm } from '../helpers/scim';

let server: TestServer;
beforeAll(async () => {
  server = await startScimServer();
});
afterAll(() => server.close());

/** The events logged after `cursor`, oldest first. */
async function eventsAfter(realmId: string, cursor: string | null): Promise<any[]> {
  const data = await server.ok(`query($id: ID!, $after: String) { realm(id: $id) { events(first: 100, after: $after) { edges { node { type identityId groupId actor { id name } data } } } } }`, {
    id: realmId,
    after: cursor,
  });
  return data.realm.events.edges.map((edge: any) => edge.node);
}

const actorOf = (idp: ScimRealm) => ({ id: idp.token.id, name: expect.any(String) });

describe('the event log', () => {
  test('POST /Users is an IDENTITY_CREATED whose actor is the SCIM token', async () => {
    const idp = await scimRealm(server);
    const user = await createUser(idp.scim);
    expect(await latestEvents(server, idp.realm.id)).toEqual([expect.objectContaining({ type: 'IDENTITY_CREATED', identityId: user.id, actor: actorOf(idp) })]);
  });

  test('a PATCH of attributes is an IDENTITY_UPDATED by the SCIM token, saying what changed', async () => {
    const idp = await scimRealm(server);
    const user = await createUser(idp.scim, { displayName: 'Before' });
    const cursor = await lastEventCursor(server, idp.realm.id);
    await idp.scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'After' }]);
    expect(await eventsAfter(idp.realm.id, cursor)).toEqual([
      expect.objectContaining({ type: 'IDENTITY_UPDATED', identityId: user.id, actor: actorOf(idp), data: { changes: { displayName: { before: 'Before', after: 'After' } } } }),
    ]);
  });

  test('a deactivation is an IDENTITY_STATUS_CHANGED from ACTIVE to SUSPENDED by the SCIM token', async () => {
    const idp = await scimRealm(server);
    const user = await createUser(idp.scim);
    const cursor = await lastEventCursor(server, idp.realm.id);
    await idp.scim.patch(`/Users/${user.id}`, [{ op: 'replace', value: { active: false } }]);
    expect(await eventsAfter(idp.realm.id, cursor)).toEqual([
      expect.objectContaining({ type: 'IDENTITY_STATUS_CHANGED', identityId: user.id, actor: actorOf(idp), data: { changes: { status: { before: 'ACTIVE', after: 'SUSPENDED' } } } }),
    ]);
  });

  test('DELETE /Users is an IDENTITY_DELETED by the SCIM token', async () => {
    const idp = await scimRealm(server);
    const user = await createUser(idp.scim);
    const cursor = await lastEventCursor(server, idp.realm.id);
    await idp.scim.delete(`/Users/${user.id}`);
    expect(await eventsAfter(idp.realm.id, cursor)).toEqual([expect.objectContaining({ type: 'IDENTITY_DELETED', identityId: user.id, actor: actorOf(idp) })]);
  });

  test('a group pushed with members is a GROUP_CREATED and a MEMBERSHIP_ADDED a member, all by the SCIM token', async () => {
    const idp = await scimRealm(server);
    const [ann, ben] = [await createUser(idp.scim), await createUser(idp.scim)];
    const cursor = await lastEventCursor(server, idp.realm.id);
    const group = await createScimGroup(idp.scim, unique('pushed-'), [ann.id, ben.id]);
    const events = await eventsAfter(idp.realm.id, cursor);
    expect(events[0]).toEqual(expect.objectContaining({ type: 'GROUP_CREATED', groupId: group.id, actor: actorOf(idp) }));
    expect(events.slice(1).map((event) => [event.type, event.groupId, event.identityId, event.actor?.id]).sort()).toEqual(
      [
        ['MEMBERSHIP_ADDED', group.id, ann.id, idp.token.id],
        ['MEMBERSHIP_ADDED', group.id, ben.id, idp.token.id],
      ].sort(),
    );
  });

  test('members removed with PATCH are a MEMBERSHIP_REMOVED each, by the SCIM token', async () => {
    const idp = await scimRealm(server);
    const ann = await createUser(idp.scim);
    const group = await createScimGroup(idp.scim, unique('removed-'), [ann.id]);
    const cursor = await lastEventCursor(server, idp.realm.id);
    await idp.scim.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${ann.id}"]` }]);
    expect(await eventsAfter(idp.realm.id, cursor)).toEqual([expect.objectContaining({ type: 'MEMBERSHIP_REMOVED', groupId: group.id, identityId: ann.id, actor: actorOf(idp) })]);
  });

  test('a PATCH that fails logs nothing, not even for its operations that would have applied', async () => {
    const idp = await scimRealm(server);
    const user = await createUser(idp.scim);
    const cursor = await lastEventCursor(server, idp.realm.id);
    const answer = await idp.scim.patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'displayName', value: 'Changed' },
      { op: 'replace', value: { active: false } },
      { op: 'replace', path: 'favouriteColour', value: 'green' },
    ]);
    expectScimError(answer, 400, 'invalidPath');
    expect(await lastEventCursor(server, idp.realm.id)).toBe(cursor);
  });

  test('a group PATCH adding an unknown member logs nothing', async () => {
    const idp = await scimRealm(server);
    const ann = await createUser(idp.scim);
    const gone = await createUser(idp.scim);
    await idp.scim.delete(`/Users/${gone.id}`);
    const group = await createScimGroup(idp.scim);
    const cursor = await lastEventCursor(server, idp.realm.id);
    const answer = await idp.scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ann.id }, { value: gone.id }] }]);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(await lastEventCursor(server, idp.realm.id)).toBe(cursor);
  });
});

describe('the subscriptions', () => {
  test('realmEvents delivers a SCIM create as it commits, with the SCIM token as actor', async () => {
    const idp = await scimRealm(server);
    await createUser(idp.scim);
    const stream = subscribe(
      server.wsClient(),
      `subscription($realmId: ID!, $after: String) { realmEvents(realmId: $realmId, after: $after) { type identityId actor { id name } identity { username source } } }`,
      { realmId: idp.realm.id, after: await lastEventCursor(server, idp.realm.id) },
      'realmEvents',
    );
    const user = await createUser(idp.scim);
    const event = await stream.next();
    stream.close();
    expect(event).toEqual({ type: 'IDENTITY_CREATED', identityId: user.id, actor: actorOf(idp), identity: { username: user.userName, source: 'IDP' } });
  });

  test('membershipChanged delivers SCIM member additions, with the SCIM token as actor', async () => {
    const idp = await scimRealm(server);
    const ann = await createUser(idp.scim);
    const group = await createScimGroup(idp.scim);
    const stream = subscribe(
      server.wsClient(),
      `subscription($realmId: ID!, $groupId: ID, $after: String) { membershipChanged(realmId: $realmId, groupId: $groupId, after: $after) { type groupId identityId actor { id name } } }`,
      { realmId: idp.realm.id, groupId: group.id, after: await lastEventCursor(server, idp.realm.id) },
      'membershipChanged',
    );
    await idp.scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ann.id }] }]);
    const event = await stream.next();
    stream.close();
    expect(event).toEqual({ type: 'ADDED', groupId: group.id, identityId: ann.id, actor: actorOf(idp) });
  });
});
