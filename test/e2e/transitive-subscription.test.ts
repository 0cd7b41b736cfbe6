import { createGroup, createIdentities, createRealm, uuidOf } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';
import { subscribe, type Subscription } from '../helpers/subscription';

/*
 * membershipChanged(membership: TRANSITIVE) (issue #14, docs/decisions.md 107): a watcher of a group
 * hears of every identity entering or leaving the membership of its whole tree, each at the event
 * that made it so, in commit order; resumed with `after`, it hears the same.
 */

let first: TestServer;
let second: TestServer;
const quiet = { runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } };
beforeAll(async () => {
  first = await startTestServer(quiet);
  second = await startTestServer({ ...quiet, db: first.db });
}, 60_000);
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const transitiveSubscription = `subscription($realmId: ID!, $groupId: ID, $identityId: ID, $after: String, $membership: MembershipKind) {
  membershipChanged(realmId: $realmId, groupId: $groupId, identityId: $identityId, after: $after, membership: $membership) {
    cursor id type groupId identityId cause viaGroupId viaGroup { name }
  }
}`;

type Change = { cursor: string; id: string; type: 'ADDED' | 'REMOVED'; groupId: string; identityId: string; cause: string; viaGroupId: string };

const watch = (realmId: string, groupId: string | undefined, extra: Record<string, unknown> = {}, server = first): Subscription<Change> =>
  subscribe<Change>(server.wsClient(), transitiveSubscription, { realmId, groupId, membership: 'TRANSITIVE', ...extra }, 'membershipChanged');

const lastCursor = async (realmId: string): Promise<string> =>
  (await first.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor;

const add = (server: TestServer, groupId: string, input: { identityIds?: string[]; groupIds?: string[] }) =>
  server.ok(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, { input: { groupId, ...input } });
const remove = (server: TestServer, groupId: string, input: { identityIds?: string[]; groupIds?: string[] }) =>
  server.ok(`mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { id } } }`, { input: { groupId, ...input } });
const deleteGroup = (server: TestServer, id: string) => server.ok(`mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id });

/** The group's transitive members now, from the tables (a recursive walk, independent of the code under test). */
async function transitiveMembers(groupId: string): Promise<Set<string>> {
  const rows: Array<{ id: string }> = await first.db.dataSource.query(
    `WITH RECURSIVE tree(id) AS (SELECT $1::uuid UNION SELECT n.child_id FROM group_nestings n JOIN tree t ON n.parent_id = t.id)
     SELECT DISTINCT global_id('Identity', m.identity_id) AS id FROM group_memberships m JOIN tree t ON m.group_id = t.id`,
    [uuidOf(groupId)],
  );
  return new Set(rows.map((row) => row.id));
}

const brief = (change: Change) => `${change.type} ${change.identityId} ${change.cause} ${change.viaGroupId}`;

/** Applies changes to a set, failing on an entry of one already in or an exit of one not in: the stream must never say either. */
function applyTo(members: Set<string>, changes: readonly Change[]): Set<string> {
  for (const change of changes) {
    if (change.type === 'ADDED') {
      if (members.has(change.identityId)) throw new Error(`told twice that ${change.identityId} entered`);
      members.add(change.identityId);
    } else {
      if (!members.has(change.identityId)) throw new Error(`told that ${change.identityId} left, but it was not in`);
      members.delete(change.identityId);
    }
  }
  return members;
}

describe('a transitive watcher', () => {
  test('hears of a join two levels down, not of one already in through another path, and of a departure only when the last path goes', async () => {
    const realm = await createRealm(first);
    const [top, middle, leaf] = [await createGroup(first, realm.id, 'top'), await createGroup(first, realm.id, 'middle'), await createGroup(first, realm.id, 'leaf')];
    const [ann, bob] = await createIdentities(first, realm.id, 2);
    await add(first, top.id, { groupIds: [middle.id] });
    await add(first, middle.id, { groupIds: [leaf.id], identityIds: [bob.id] });
    // Gap-free from here, however long the subscription takes to start (the README's pattern).
    const stream = watch(realm.id, top.id, { after: await lastCursor(realm.id) });

    await add(first, leaf.id, { identityIds: [ann.id] });
    const joined = await stream.next();
    expect(joined).toMatchObject({ type: 'ADDED', groupId: top.id, identityId: ann.id, cause: 'MEMBERSHIP_ADDED', viaGroupId: leaf.id, viaGroup: { name: 'leaf' } });

    // Bob is in through middle already: joining leaf too changes nothing of top's membership…
    await add(first, leaf.id, { identityIds: [bob.id] });
    // …nor does leaving middle while still in leaf; leaving leaf then is his exit.
    await remove(first, middle.id, { identityIds: [bob.id] });
    await remove(first, leaf.id, { identityIds: [bob.id] });
    expect(await stream.next()).toMatchObject({ type: 'REMOVED', identityId: bob.id, cause: 'MEMBERSHIP_REMOVED', viaGroupId: leaf.id });
    stream.close();
  });

  test('hears of a nesting as the identities it brings in (those not in already), and of un-nesting as those it takes out', async () => {
    const realm = await createRealm(first);
    const top = await createGroup(first, realm.id, 'top');
    const middle = await createGroup(first, realm.id, 'middle');
    const team = await createGroup(first, realm.id, 'team');
    const people = await createIdentities(first, realm.id, 5);
    await add(first, top.id, { groupIds: [middle.id], identityIds: [people[0].id] });
    await add(first, team.id, { identityIds: people.map((person) => person.id) });
    // Gap-free from here, however long the subscription takes to start (the README's pattern).
    const stream = watch(realm.id, top.id, { after: await lastCursor(realm.id) });

    await add(first, middle.id, { groupIds: [team.id] });
    const entered = await stream.take(4);
    const expected = people.slice(1).map((person) => person.id).sort((a, b) => uuidOf(a).localeCompare(uuidOf(b)));
    expect(entered.map((change) => change.identityId)).toEqual(expected);
    for (const change of entered) expect(change).toMatchObject({ type: 'ADDED', groupId: top.id, cause: 'GROUP_NESTED', viaGroupId: team.id });
    expect(new Set(entered.map((change) => change.id)).size).toBe(4);

    await remove(first, middle.id, { groupIds: [team.id] });
    const left = await stream.take(4);
    expect(left.map((change) => change.identityId)).toEqual(expected);
    for (const change of left) expect(change).toMatchObject({ type: 'REMOVED', cause: 'GROUP_UNNESTED', viaGroupId: team.id });
    stream.close();
  });

  test('a diamond: a group reached by two paths brings no one in the second time, and takes no one out while one path remains', async () => {
    const realm = await createRealm(first);
    const top = await createGroup(first, realm.id, 'top');
    const left = await createGroup(first, realm.id, 'left');
    const right = await createGroup(first, realm.id, 'right');
    const shared = await createGroup(first, realm.id, 'shared');
    const [ann] = await createIdentities(first, realm.id, 1);
    const [marker] = await createIdentities(first, realm.id, 1);
    await add(first, shared.id, { identityIds: [ann.id] });
    await add(first, top.id, { groupIds: [left.id, right.id] });
    // Gap-free from here, however long the subscription takes to start (the README's pattern).
    const stream = watch(realm.id, top.id, { after: await lastCursor(realm.id) });

    await add(first, left.id, { groupIds: [shared.id] });
    expect(await stream.next()).toMatchObject({ type: 'ADDED', identityId: ann.id, cause: 'GROUP_NESTED' });
    await add(first, right.id, { groupIds: [shared.id] });
    await remove(first, left.id, { groupIds: [shared.id] });
    // Nothing was said of those two; the next thing heard is the marker's join.
    await add(first, top.id, { identityIds: [marker.id] });
    expect(await stream.next()).toMatchObject({ type: 'ADDED', identityId: marker.id, cause: 'MEMBERSHIP_ADDED', viaGroupId: top.id });
    stream.close();
  });

  test('deleting a group of the tree: its members leave (a MEMBERSHIP_REMOVED each is logged); deleting the watched group ends the stream', async () => {
    const realm = await createRealm(first);
    const top = await createGroup(first, realm.id, 'top');
    const sub = await createGroup(first, realm.id, 'sub');
    const people = await createIdentities(first, realm.id, 3);
    await add(first, sub.id, { identityIds: people.map((person) => person.id) });
    await add(first, top.id, { groupIds: [sub.id], identityIds: [people[0].id] });
    // Gap-free from here, however long the subscription takes to start (the README's pattern).
    const stream = watch(realm.id, top.id, { after: await lastCursor(realm.id) });

    await deleteGroup(first, sub.id);
    const left = await stream.take(2);
    expect(left.map((change) => change.identityId).sort()).toEqual([people[1].id, people[2].id].sort());
    for (const change of left) expect(change).toMatchObject({ type: 'REMOVED', cause: 'MEMBERSHIP_REMOVED', viaGroupId: sub.id });
    const log = (await first.ok(`query($id: ID!) { realm(id: $id) { events(last: 5) { edges { node { type data } } } } }`, { id: realm.id })).realm.events.edges.map(
      (edge: any) => edge.node,
    );
    expect(log.map((event: any) => event.type)).toEqual(['MEMBERSHIP_REMOVED', 'MEMBERSHIP_REMOVED', 'MEMBERSHIP_REMOVED', 'GROUP_UNNESTED', 'GROUP_DELETED']);
    expect(log[4].data.memberCount).toBe(0);

    // top held a group until just now (the log keeps that GROUP_UNNESTED): its own member leaves one by one too, then the stream ends.
    await deleteGroup(first, top.id);
    expect(await stream.next()).toMatchObject({ type: 'REMOVED', identityId: people[0].id, cause: 'MEMBERSHIP_REMOVED', viaGroupId: top.id });
    await expect(stream.next()).rejects.toThrow('the subscription ended');
  });

  test('refusals: TRANSITIVE without groupId is INVALID_INPUT, an unknown group NOT_FOUND', async () => {
    const realm = await createRealm(first);
    await expect(watch(realm.id, undefined).next()).rejects.toMatchObject({ extensions: { code: 'INVALID_INPUT', inputPath: ['groupId'] } });
    const gone = await createGroup(first, realm.id);
    await deleteGroup(first, gone.id);
    await expect(watch(realm.id, gone.id).next()).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });
});

describe('resuming with after', () => {
  test('a watcher resumed from an old cursor hears exactly what a live one heard, though the tree changed since; inside an expansion too', async () => {
    const realm = await createRealm(first);
    const top = await createGroup(first, realm.id, 'top');
    const middle = await createGroup(first, realm.id, 'middle');
    const team = await createGroup(first, realm.id, 'team');
    const people = await createIdentities(first, realm.id, 6);
    const ids = people.map((person) => person.id);
    await add(first, top.id, { groupIds: [middle.id], identityIds: [ids[0]] });
    await add(first, team.id, { identityIds: ids.slice(0, 3) });
    const start = await lastCursor(realm.id);
    const live = watch(realm.id, top.id, { after: start });

    await add(first, middle.id, { groupIds: [team.id] }); // 1, 2 enter (0 is in already)
    await add(first, team.id, { identityIds: [ids[3]] }); // 3 enters
    await remove(first, team.id, { identityIds: [ids[1]] }); // 1 leaves
    await remove(first, top.id, { identityIds: [ids[0]] }); // 0 stays: still in through team
    await add(first, team.id, { identityIds: [ids[4]] }); // 4 enters
    await remove(first, middle.id, { groupIds: [team.id] }); // 0, 2, 3, 4 leave
    const heard = await live.take(2 + 1 + 1 + 1 + 4);
    live.close();
    expect(heard.map(brief)).toHaveLength(9);
    expect(applyTo(new Set([ids[0]]), heard).size).toBe(0);

    // Now, with all of it committed, the tree long changed: the same from the same cursor.
    const resumed = watch(realm.id, top.id, { after: start });
    expect((await resumed.take(9)).map(brief)).toEqual(heard.map(brief));
    resumed.close();
    // From inside the first nesting's expansion: the rest of it, then the rest.
    const inside = watch(realm.id, top.id, { after: heard[0].cursor });
    expect((await inside.take(8)).map((change) => change.id)).toEqual(heard.slice(1).map((change) => change.id));
    inside.close();
  });

  test('a group nested then, un-nested and deleted since: deleted member by member, so a watcher resumed from before hears its members leave', async () => {
    const realm = await createRealm(first);
    const top = await createGroup(first, realm.id, 'top');
    const team = await createGroup(first, realm.id, 'team');
    const people = await createIdentities(first, realm.id, 2);
    await add(first, team.id, { identityIds: people.map((person) => person.id) });
    const start = await lastCursor(realm.id);
    await add(first, top.id, { groupIds: [team.id] });
    await remove(first, top.id, { groupIds: [team.id] });
    await deleteGroup(first, team.id); // in no tree now, but the log keeps its GROUP_UNNESTED
    const stream = watch(realm.id, top.id, { after: start });
    const heard = await stream.take(4);
    stream.close();
    expect(heard.map((change) => `${change.type} ${change.cause}`)).toEqual(['ADDED GROUP_NESTED', 'ADDED GROUP_NESTED', 'REMOVED GROUP_UNNESTED', 'REMOVED GROUP_UNNESTED']);
  });

  test('EVENT_HISTORY_INCOMPLETE where the log cannot say: a group of the tree whose members a deletion ended at once (a log written before decision 107)', async () => {
    const realm = await createRealm(first);
    const top = await createGroup(first, realm.id, 'top');
    const team = await createGroup(first, realm.id, 'team');
    const people = await createIdentities(first, realm.id, 2);
    await add(first, team.id, { identityIds: people.map((person) => person.id) });
    const start = await lastCursor(realm.id);
    await add(first, top.id, { groupIds: [team.id] });
    await remove(first, top.id, { groupIds: [team.id] });
    // The deletion as the version before decision 107 made it: one GROUP_DELETED for both memberships.
    await first.db.dataSource.transaction(async (manager) => {
      const [{ seq }] = await manager.query(`WITH next AS (UPDATE realms SET last_event_seq = last_event_seq + 1 WHERE id = $1 RETURNING last_event_seq) SELECT last_event_seq AS seq FROM next`, [
        uuidOf(realm.id),
      ]);
      await manager.query(`INSERT INTO events (realm_id, seq, occurred_at, type, group_id, data) VALUES ($1, $2, now(), 'group.deleted', $3, $4)`, [
        uuidOf(realm.id),
        seq,
        uuidOf(team.id),
        JSON.stringify({ group: { name: 'team' }, memberCount: 2 }),
      ]);
      await manager.query(`DELETE FROM group_memberships WHERE group_id = $1`, [uuidOf(team.id)]);
      await manager.query(`DELETE FROM groups WHERE id = $1`, [uuidOf(team.id)]);
    });
    const stream = watch(realm.id, top.id, { after: start });
    await expect(stream.next()).rejects.toMatchObject({ extensions: { code: 'EVENT_HISTORY_INCOMPLETE' } });
    // From after those events, all is well.
    const fresh = watch(realm.id, top.id, { after: await lastCursor(realm.id) });
    const [ann] = await createIdentities(first, realm.id, 1);
    await add(first, top.id, { identityIds: [ann.id] });
    expect(await fresh.next()).toMatchObject({ type: 'ADDED', identityId: ann.id });
    fresh.close();
  });
});

describe('under concurrent writers on two instances', () => {
  test('the changes heard, applied in order, always give the tree’s membership: no entry twice, no exit of one not in, and a resumed watcher hears the same', async () => {
    const realm = await createRealm(first);
    const groups: Array<{ id: string; name: string }> = [];
    for (let i = 0; i < 6; i++) groups.push(await createGroup(first, realm.id, `g${i}`));
    const people = (await createIdentities(first, realm.id, 12)).map((person) => person.id);
    const [root] = groups;
    const start = await lastCursor(realm.id);
    const live = watch(realm.id, root.id, { after: start }, second);

    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const ops: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < 60; i++) {
      const server = i % 2 === 0 ? first : second;
      const group = groups[random(groups.length)];
      const kind = random(5);
      const person = people[random(people.length)];
      // Nestings only downward (lower index into higher): no cycles to refuse, only diamonds.
      const a = random(groups.length - 1);
      const b = a + 1 + random(groups.length - 1 - a);
      ops.push(() =>
        kind === 0
          ? add(server, group.id, { identityIds: [person] })
          : kind === 1
            ? remove(server, group.id, { identityIds: [person] })
            : kind === 2
              ? add(server, groups[a].id, { groupIds: [groups[b].id] })
              : kind === 3
                ? remove(server, groups[a].id, { groupIds: [groups[b].id] })
                : add(server, group.id, { identityIds: [people[random(people.length)], person] }),
      );
    }
    // Four writers at a time, across both instances.
    for (let i = 0; i < ops.length; i += 4) await Promise.all(ops.slice(i, i + 4).map((op) => op()));
    const [marker] = await createIdentities(first, realm.id, 1);
    await add(first, root.id, { identityIds: [marker.id] });

    const heard: Change[] = [];
    for (;;) {
      const change = await live.next();
      heard.push(change);
      if (change.identityId === marker.id) break;
    }
    live.close();
    expect(applyTo(new Set(), heard)).toEqual(await transitiveMembers(root.id));

    const resumed = watch(realm.id, root.id, { after: start });
    expect((await resumed.take(heard.length)).map(brief)).toEqual(heard.map(brief));
    resumed.close();
  }, 60_000);
});
