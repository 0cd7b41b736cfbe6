import { pruneEvents } from '../../src/events/event.repository';
import { addMembers, createGroup, createIdentity, createRealm, insertIdentities } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';
import { subscribe } from '../helpers/subscription';

let server: TestServer;
beforeAll(async () => {
  // No background jobs: their statements, every 100 ms on the same data source, would be counted too.
  server = await startTestServer({ runJobs: false });
});
afterAll(() => server.close());

const lastCursor = async (realmId: string): Promise<string> =>
  (await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor;

const eventLog = async (realmId: string, after?: string) =>
  (await server.ok(`query($id: ID!, $after: String) { realm(id: $id) { events(first: 100, after: $after) { edges { node { id cursor type identityId groupId data } } pageInfo { hasNextPage } } } }`, { id: realmId, after }))
    .realm.events.edges.map((edge: any) => edge.node);

const membershipSubscription = `subscription($realmId: ID!, $groupId: ID, $identityId: ID, $after: String) {
  membershipChanged(realmId: $realmId, groupId: $groupId, identityId: $identityId, after: $after) {
    cursor id type groupId identityId occurredAt actor { id name } group { name memberCount } identity { username }
  }
}`;

const realmSubscription = `subscription($realmId: ID!, $types: [RealmEventType!], $after: String) {
  realmEvents(realmId: $realmId, types: $types, after: $after) { cursor id type identityId groupId data }
}`;

describe('the event log', () => {
  test('records every change, in order, with what changed', async () => {
    const realm = await createRealm(server);
    const ann = await createIdentity(server, realm.id, { username: 'ann' });
    const group = await createGroup(server, realm.id, 'admins', [ann.id]);
    await server.ok(`mutation($id: ID!) { updateIdentity(input: { id: $id, displayName: "Ann B." }) { identity { id } } }`, { id: ann.id });
    await server.ok(`mutation($id: ID!) { suspendIdentity(input: { id: $id }) { identity { id } } }`, { id: ann.id });
    await server.ok(`mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: group.id });

    const events = await eventLog(realm.id);
    expect(events.map((event: any) => event.type)).toEqual([
      'IDENTITY_CREATED',
      'GROUP_CREATED',
      'MEMBERSHIP_ADDED',
      'IDENTITY_UPDATED',
      'IDENTITY_STATUS_CHANGED',
      'GROUP_DELETED',
    ]);
    expect(events[0]).toMatchObject({ identityId: ann.id, data: { identity: { username: 'ann', status: 'ACTIVE' } } });
    expect(events[2]).toMatchObject({ identityId: ann.id, groupId: group.id });
    expect(events[3].data).toEqual({ changes: { displayName: { before: 'User ann', after: 'Ann B.' } } });
    expect(events[4].data).toEqual({ changes: { status: { before: 'ACTIVE', after: 'SUSPENDED' } } });
    // One event ends the group and its memberships, whatever its size.
    expect(events[5]).toMatchObject({ groupId: group.id, data: { group: { name: 'admins' }, memberCount: 1 } });
    expect(new Set(events.map((event: any) => event.id)).size).toBe(events.length);
  });

  test('a mutation that fails emits nothing', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const mine = await createIdentity(server, realm.id);
    const foreign = await createIdentity(server, other.id);
    const before = await lastCursor(realm.id);

    const result = await server.graphql(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, {
      input: { groupId: group.id, identityIds: [mine.id, foreign.id] },
    });
    expect(result.errors?.[0].extensions.code).toBe('CROSS_REALM');
    expect(await lastCursor(realm.id)).toBe(before);
    expect(await eventLog(realm.id, before)).toEqual([]);
  });

  test('a bulk add of 1 000 members writes its 1 000 events in one statement', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const ids = await insertIdentities(server, realm.id, 1000);
    const statements = await server.countStatements(() => addMembers(server, group.id, ids));
    // The token (unless cached) and its lastUsedAt (once a minute), BEGIN, the group lock, the identity
    // check, the insert (returning the payload's identities), the events, COMMIT: a fixed number,
    // whatever the batch size.
    expect(statements).toBeLessThanOrEqual(8);
    const [{ count }] = await server.db.dataSource.query(`SELECT count(*)::integer AS count FROM events WHERE type = 'membership.added' AND group_id = $1`, [
      Buffer.from(group.id, 'base64url').toString().split(':')[1],
    ]);
    expect(count).toBe(1000);
  });

  test('concurrent writers give a contiguous log, and a subscriber gets exactly it, in order', async () => {
    const realm = await createRealm(server);
    const ids = await insertIdentities(server, realm.id, 40);
    const groups = await Promise.all(Array.from({ length: 8 }, () => createGroup(server, realm.id)));
    const start = await lastCursor(realm.id);
    const stream = subscribe(server.wsClient(), realmSubscription, { realmId: realm.id, after: start }, 'realmEvents');

    await Promise.all(
      ids.map((id, index) =>
        server.ok(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, {
          input: { groupId: groups[index % groups.length].id, identityIds: [id] },
        }),
      ),
    );
    const received = await stream.take(40);
    stream.close();

    const realmUuid = Buffer.from(realm.id, 'base64url').toString().split(':')[1];
    const seqs: Array<{ seq: string }> = await server.db.dataSource.query(`SELECT e.seq::text AS seq FROM events e WHERE e.realm_id = $1 ORDER BY e.seq`, [realmUuid]);
    expect(seqs.map((row) => Number(row.seq))).toEqual(seqs.map((_, index) => index + 1));
    const logged = await eventLog(realm.id, start);
    expect(received.map((event: any) => event.id)).toEqual(logged.map((event: any) => event.id));
    expect(new Set(received.map((event: any) => event.identityId))).toEqual(new Set(ids));
  });
});

describe('paging the log backward', () => {
  const page = async (realmId: string, args: Record<string, unknown>) =>
    (
      await server.ok(
        `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $types: [RealmEventType!]) {
          realm(id: $id) { events(first: $first, after: $after, last: $last, before: $before, types: $types) {
            totalCount edges { cursor node { type groupId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }
        }`,
        { id: realmId, ...args },
      )
    ).realm.events;

  test('events(last: N) is the newest N, oldest first within the page; `before` walks back to the start, seeing each event once', async () => {
    const realm = await createRealm(server);
    const groups = [];
    for (let n = 0; n < 7; n++) groups.push(await createGroup(server, realm.id, `g${n}`));

    const latest = await page(realm.id, { last: 3 });
    expect(latest.edges.map((edge: any) => edge.node.groupId)).toEqual(groups.slice(4).map((group) => group.id));
    expect(latest.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: latest.edges[0].cursor, endCursor: latest.edges[2].cursor });
    expect(latest.totalCount).toBe(7);

    const seen = [...latest.edges];
    let before = latest.pageInfo.startCursor;
    for (;;) {
      const older = await page(realm.id, { last: 3, before });
      seen.unshift(...older.edges);
      expect(older.pageInfo.hasNextPage).toBe(true);
      if (!older.pageInfo.hasPreviousPage) break;
      before = older.pageInfo.startCursor;
    }
    expect(seen.map((edge: any) => edge.node.groupId)).toEqual(groups.map((group) => group.id));
    // The same cursors as paging forward: a page read backward can be followed forward.
    expect(seen.map((edge: any) => edge.cursor)).toEqual((await page(realm.id, { first: 100 })).edges.map((edge: any) => edge.cursor));
    expect((await page(realm.id, { first: 2, after: seen[4].cursor })).edges.map((edge: any) => edge.node.groupId)).toEqual([groups[5].id, groups[6].id]);
  });

  test('`last` with a type filter takes the newest of that type; an empty log answers an empty page', async () => {
    const realm = await createRealm(server);
    expect(await page(realm.id, { last: 5 })).toMatchObject({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
    const ann = await createIdentity(server, realm.id);
    await createGroup(server, realm.id, 'first');
    const second = await createGroup(server, realm.id, 'second', [ann.id]);
    const created = await page(realm.id, { last: 1, types: ['GROUP_CREATED'] });
    expect(created.edges.map((edge: any) => edge.node)).toEqual([{ type: 'GROUP_CREATED', groupId: second.id }]);
    expect(created.pageInfo.hasPreviousPage).toBe(true);
  });

  test('mixing directions, a cursor past the end, or one whose event was pruned: coded errors at the argument', async () => {
    const realm = await createRealm(server);
    await createGroup(server, realm.id);
    const [first] = (await page(realm.id, { first: 1 })).edges;
    const errorOf = async (args: Record<string, unknown>) => {
      const answer = await server.graphql(`query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { realm(id: $id) { events(first: $first, after: $after, last: $last, before: $before) { edges { cursor } } } }`, { id: realm.id, ...args });
      return answer.errors?.[0].extensions;
    };
    expect(await errorOf({ first: 1, last: 1 })).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['last'] });
    expect(await errorOf({ after: first.cursor, last: 1 })).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['after'] });
    expect(await errorOf({ last: -1 })).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['last'] });
    const realmUuid = Buffer.from(realm.id, 'base64url').toString().split(':')[1];
    expect(await errorOf({ last: 1, before: Buffer.from(`${realmUuid}:500`).toString('base64url') })).toMatchObject({ code: 'EVENT_CURSOR_AHEAD', inputPath: ['before'] });
    expect(await errorOf({ last: 1, before: 'nope' })).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['before'] });

    await createGroup(server, realm.id);
    await server.db.dataSource.query(`UPDATE events SET occurred_at = now() - interval '400 days' WHERE realm_id = $1 AND seq = 1`, [realmUuid]);
    await pruneEvents(server.db.dataSource, new Date(Date.now() - 30 * 24 * 3600 * 1000));
    expect(await errorOf({ last: 1, before: first.cursor })).toMatchObject({ code: 'EVENT_CURSOR_EXPIRED', inputPath: ['before'] });
    // Back from the newest, the page ends where the retained log begins.
    expect((await page(realm.id, { last: 10 })).pageInfo).toMatchObject({ hasPreviousPage: false });
    expect((await page(realm.id, { last: 10 })).edges).toHaveLength(1);
  });
});

describe('narrowing the log: an identity’s history, a group’s, an actor’s', () => {
  const narrowed = async (realmId: string, filter: Record<string, unknown>, headers?: Record<string, string>) => {
    const answer = await server.graphql(
      `query($id: ID!, $identityId: ID, $groupId: ID, $actorId: ID, $types: [RealmEventType!]) {
        realm(id: $id) { events(last: 50, identityId: $identityId, groupId: $groupId, actorId: $actorId, types: $types) {
          totalCount edges { node { type identityId groupId actor { id name } } } } }
      }`,
      { id: realmId, ...filter },
      headers,
    );
    return answer;
  };

  test('identityId, groupId and actorId keep only the events that concern them, and totalCount counts what is kept', async () => {
    const realm = await createRealm(server);
    const ann = await createIdentity(server, realm.id);
    const bob = await createIdentity(server, realm.id);
    const writer = await server.createToken(['identities:write', 'groups:write', 'events:read'], realm.id);
    const asWriter = { authorization: `Bearer ${writer.token}` };
    const group = (await server.graphql(`mutation($realmId: ID!, $ids: [ID!]) { createGroup(input: { realmId: $realmId, name: "ops", memberIds: $ids }) { group { id } } }`, { realmId: realm.id, ids: [ann.id] }, asWriter)).data!.createGroup.group;
    await addMembers(server, group.id, [bob.id]);

    const annsHistory = (await narrowed(realm.id, { identityId: ann.id })).data!.realm.events;
    expect(annsHistory.edges.map((edge: any) => edge.node.type)).toEqual(['IDENTITY_CREATED', 'MEMBERSHIP_ADDED']);
    expect(annsHistory.totalCount).toBe(2);

    const groupsHistory = (await narrowed(realm.id, { groupId: group.id })).data!.realm.events;
    expect(groupsHistory.edges.map((edge: any) => [edge.node.type, edge.node.identityId])).toEqual([
      ['GROUP_CREATED', null],
      ['MEMBERSHIP_ADDED', ann.id],
      ['MEMBERSHIP_ADDED', bob.id],
    ]);

    const writersDoing = (await narrowed(realm.id, { actorId: writer.id })).data!.realm.events;
    expect(writersDoing.edges.map((edge: any) => [edge.node.type, edge.node.actor.id])).toEqual([
      ['GROUP_CREATED', writer.id],
      ['MEMBERSHIP_ADDED', writer.id],
    ]);
    expect(writersDoing.totalCount).toBe(2);
    // Filters combine; a group that is not there (or an actor that never acted) has no events.
    expect((await narrowed(realm.id, { groupId: group.id, identityId: bob.id })).data!.realm.events.totalCount).toBe(1);
    expect((await narrowed(realm.id, { groupId: group.id, types: ['GROUP_CREATED'] })).data!.realm.events.totalCount).toBe(1);
    expect((await narrowed(realm.id, { actorId: 'nobody' })).data!.realm.events).toEqual({ totalCount: 0, edges: [] });
  });

  test('a filtered page can be followed forward, its events not numbered one after the other', async () => {
    const realm = await createRealm(server);
    const ann = await createIdentity(server, realm.id);
    await createIdentity(server, realm.id);
    const group = await createGroup(server, realm.id, 'g', [ann.id]);
    const [first, ...rest] = (
      await server.ok(`query($id: ID!, $identityId: ID) { realm(id: $id) { events(first: 1, identityId: $identityId) { edges { cursor node { type } } } } }`, { id: realm.id, identityId: ann.id })
    ).realm.events.edges;
    expect(rest).toEqual([]);
    const next = await server.ok(`query($id: ID!, $identityId: ID, $after: String) { realm(id: $id) { events(first: 5, after: $after, identityId: $identityId) { edges { node { type groupId } } } } }`, {
      id: realm.id,
      identityId: ann.id,
      after: first.cursor,
    });
    expect(next.realm.events.edges.map((edge: any) => edge.node)).toEqual([{ type: 'MEMBERSHIP_ADDED', groupId: group.id }]);
  });

  test('an ID of the wrong kind is a coded error at its argument', async () => {
    const realm = await createRealm(server);
    const answer = await narrowed(realm.id, { identityId: realm.id });
    expect(answer.errors?.[0].extensions).toMatchObject({ code: 'INVALID_ID', inputPath: ['identityId'] });
    expect((await narrowed(realm.id, { groupId: 'nope' })).errors?.[0].extensions).toMatchObject({ inputPath: ['groupId'] });
  });
});

describe('viewer: the token a request is made with', () => {
  test('its name, scopes as given and as held, and its realm; UNAUTHENTICATED without a token', async () => {
    const realm = await createRealm(server);
    const token = await server.createToken(['groups:write', 'events:read'], realm.id);
    const query = `{ viewer { id name scopes effectiveScopes realmId } }`;
    const viewer = (await server.graphql(query, {}, { authorization: `Bearer ${token.token}` })).data!.viewer;
    expect(viewer).toMatchObject({ id: token.id, scopes: ['groups:write', 'events:read'], effectiveScopes: ['groups:read', 'groups:write', 'events:read'], realmId: realm.id });
    expect(typeof viewer.name).toBe('string');
    const admin = (await server.ok(query)).viewer;
    expect(admin.realmId).toBeNull();
    expect(admin.effectiveScopes).toEqual(expect.arrayContaining(['realms:write', 'identities:write', 'tokens:write']));
    const anonymous = await server.graphql(query, {}, { authorization: '' });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('subscriptions', () => {
  test('membershipChanged delivers additions and removals with the group and identity as they are', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'engineers');
    const ann = await createIdentity(server, realm.id, { username: 'ann-sub' });
    const stream = subscribe(server.wsClient(), membershipSubscription, { realmId: realm.id, after: await lastCursor(realm.id) }, 'membershipChanged');

    await addMembers(server, group.id, [ann.id]);
    await server.ok(`mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { id } } }`, {
      input: { groupId: group.id, identityIds: [ann.id] },
    });
    const [added, removed] = await stream.take(2);
    stream.close();
    expect(added).toMatchObject({ type: 'ADDED', groupId: group.id, identityId: ann.id, identity: { username: 'ann-sub' }, group: { name: 'engineers' } });
    // The test server's ADMIN_TOKEN made the change.
    expect(added.actor).toEqual({ id: expect.any(String), name: 'ADMIN_TOKEN' });
    expect(removed).toMatchObject({ type: 'REMOVED', groupId: group.id, identityId: ann.id });
    expect(removed.group.memberCount).toBe(0);
  });

  test('the group and identity filters keep only what concerns them', async () => {
    const realm = await createRealm(server);
    const [a, b] = [await createGroup(server, realm.id), await createGroup(server, realm.id)];
    const [ann, bob] = [await createIdentity(server, realm.id), await createIdentity(server, realm.id)];
    const after = await lastCursor(realm.id);
    const ofGroupB = subscribe(server.wsClient(), membershipSubscription, { realmId: realm.id, groupId: b.id, after }, 'membershipChanged');
    const ofBob = subscribe(server.wsClient(), membershipSubscription, { realmId: realm.id, identityId: bob.id, after }, 'membershipChanged');

    await addMembers(server, a.id, [ann.id]);
    await addMembers(server, a.id, [bob.id]);
    await addMembers(server, b.id, [ann.id]);

    expect((await ofGroupB.next()).identityId).toBe(ann.id);
    const bobs = await ofBob.next();
    expect([bobs.groupId, bobs.identityId]).toEqual([a.id, bob.id]);
    // Nothing else was for them: the next event each sees is the one made now.
    await addMembers(server, b.id, [bob.id]);
    expect(await ofGroupB.next()).toMatchObject({ groupId: b.id, identityId: bob.id });
    expect(await ofBob.next()).toMatchObject({ groupId: b.id, identityId: bob.id });
    ofGroupB.close();
    ofBob.close();
  });

  test('realmEvents can be limited to some types', async () => {
    const realm = await createRealm(server);
    const stream = subscribe(server.wsClient(), realmSubscription, { realmId: realm.id, types: ['GROUP_CREATED'], after: await lastCursor(realm.id) }, 'realmEvents');
    await createIdentity(server, realm.id);
    const group = await createGroup(server, realm.id);
    expect(await stream.next()).toMatchObject({ type: 'GROUP_CREATED', groupId: group.id });
    stream.close();
  });

  test('a subscriber of one realm sees nothing of another', async () => {
    const mine = await createRealm(server);
    const theirs = await createRealm(server);
    const stream = subscribe(server.wsClient(), realmSubscription, { realmId: mine.id, after: await lastCursor(mine.id) }, 'realmEvents');
    await createIdentity(server, theirs.id);
    await createGroup(server, theirs.id);
    const group = await createGroup(server, mine.id);
    expect(await stream.next()).toMatchObject({ type: 'GROUP_CREATED', groupId: group.id });
    stream.close();
  });

  test('resuming after a cursor replays what was missed, in order, then goes on live without a gap or a duplicate', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const ids = await insertIdentities(server, realm.id, 30);
    const start = await lastCursor(realm.id);
    for (const id of ids.slice(0, 20)) await addMembers(server, group.id, [id]);
    const missed = await eventLog(realm.id, start);
    expect(missed).toHaveLength(20);

    // Resume after the 5th; more changes commit while the replay runs.
    const stream = subscribe(server.wsClient(), membershipSubscription, { realmId: realm.id, after: missed[4].cursor }, 'membershipChanged');
    const writes = Promise.all(ids.slice(20).map((id) => addMembers(server, group.id, [id])));
    const received = await stream.take(25);
    await writes;
    stream.close();

    const logged = await eventLog(realm.id, missed[4].cursor);
    expect(received.map((event: any) => event.id)).toEqual(logged.map((event: any) => event.id));
    expect(new Set(received.map((event: any) => event.identityId)).size).toBe(25);
  });

  test('Realm.lastEventCursor read with the data lets a dashboard subscribe with nothing lost in between', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const loaded = await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor groups { edges { node { memberCount } } } } }`, { id: realm.id });
    const ann = await createIdentity(server, realm.id);
    await addMembers(server, group.id, [ann.id]); // between loading and subscribing
    const stream = subscribe(server.wsClient(), membershipSubscription, { realmId: realm.id, after: loaded.realm.lastEventCursor }, 'membershipChanged');
    expect(await stream.next()).toMatchObject({ type: 'ADDED', identityId: ann.id });
    stream.close();
  });

  test('deleting the realm ends its subscriptions', async () => {
    const realm = await createRealm(server);
    const stream = subscribe(server.wsClient(), realmSubscription, { realmId: realm.id, after: await lastCursor(realm.id) }, 'realmEvents');
    await createGroup(server, realm.id);
    await stream.next();
    await server.ok(`mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: realm.id });
    await expect(stream.next()).rejects.toThrow('the subscription ended');
  });

  test('bad arguments get coded errors', async () => {
    const realm = await createRealm(server);
    const other = await createRealm(server);
    const wrongRealmCursor = subscribe(server.wsClient(), realmSubscription, { realmId: realm.id, after: await lastCursor(other.id) }, 'realmEvents');
    await expect(wrongRealmCursor.next()).rejects.toMatchObject({ extensions: { code: 'INVALID_CURSOR' } });
    const badRealm = subscribe(server.wsClient(), realmSubscription, { realmId: 'nope' }, 'realmEvents');
    await expect(badRealm.next()).rejects.toMatchObject({ extensions: { code: 'INVALID_ID' } });
  });

  test('a cursor older than the retained log gets EVENT_CURSOR_EXPIRED, never a silent gap', async () => {
    const realm = await createRealm(server);
    const start = await lastCursor(realm.id);
    await createGroup(server, realm.id);
    await createGroup(server, realm.id);
    // What the retention job does once these events are older than EVENT_RETENTION_DAYS.
    const realmUuid = Buffer.from(realm.id, 'base64url').toString().split(':')[1];
    await server.db.dataSource.query(`UPDATE events SET occurred_at = now() - interval '400 days' WHERE realm_id = $1 AND seq = 1`, [realmUuid]);
    await pruneEvents(server.db.dataSource, new Date(Date.now() - 30 * 24 * 3600 * 1000));

    const polled = await server.graphql(`query($id: ID!, $after: String) { realm(id: $id) { events(after: $after) { edges { cursor } } } }`, { id: realm.id, after: start });
    expect(polled.errors?.[0].extensions.code).toBe('EVENT_CURSOR_EXPIRED');
    const stream = subscribe(server.wsClient(), realmSubscription, { realmId: realm.id, after: start }, 'realmEvents');
    await expect(stream.next()).rejects.toMatchObject({ extensions: { code: 'EVENT_CURSOR_EXPIRED' } });
    // From the first event still kept, all is well.
    const kept = await eventLog(realm.id, Buffer.from(`${realmUuid}:1`).toString('base64url'));
    expect(kept).toHaveLength(1);
  });

  test('a cursor past the end of the log (a database restored from an older backup) gets EVENT_CURSOR_AHEAD, not silence', async () => {
    const realm = await createRealm(server);
    await createGroup(server, realm.id);
    const realmUuid = Buffer.from(realm.id, 'base64url').toString().split(':')[1];
    const ahead = Buffer.from(`${realmUuid}:500`).toString('base64url');
    const polled = await server.graphql(`query($id: ID!, $after: String) { realm(id: $id) { events(after: $after) { edges { cursor } } } }`, { id: realm.id, after: ahead });
    expect(polled.errors?.[0]).toMatchObject({ path: ['realm', 'events'], extensions: { code: 'EVENT_CURSOR_AHEAD', inputPath: ['after'] } });
    const stream = subscribe(server.wsClient(), realmSubscription, { realmId: realm.id, after: ahead }, 'realmEvents');
    await expect(stream.next()).rejects.toMatchObject({ extensions: { code: 'EVENT_CURSOR_AHEAD' } });
    // The cursor of the log's last event is not ahead: it replays nothing and goes on live.
    const live = subscribe(server.wsClient(), realmSubscription, { realmId: realm.id, after: await lastCursor(realm.id) }, 'realmEvents');
    await createGroup(server, realm.id);
    expect(await live.next()).toMatchObject({ type: 'GROUP_CREATED' });
    live.close();
  });
});

describe('two instances on one database', () => {
  test('an event made through one reaches a subscriber of the other', async () => {
    const other = await startTestServer({ db: server.db });
    try {
      const realm = await createRealm(server);
      const group = await createGroup(server, realm.id);
      const ann = await createIdentity(server, realm.id);
      const stream = subscribe(other.wsClient(), membershipSubscription, { realmId: realm.id, after: await lastCursor(realm.id) }, 'membershipChanged');
      await addMembers(server, group.id, [ann.id]);
      expect(await stream.next()).toMatchObject({ type: 'ADDED', groupId: group.id, identityId: ann.id });
      stream.close();
    } finally {
      await other.close();
    }
  });
});
