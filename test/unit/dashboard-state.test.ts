import { DashboardState, feedLimit, type MembershipEvent } from '../../web/dashboard/state';

const engineering = { id: 'g1', name: 'Engineering', memberCount: 2 };

function added(id: string, cursor: string, group: MembershipEvent['group'] = { ...engineering, memberCount: 3 }): MembershipEvent {
  return { id, cursor, type: 'ADDED', occurredAt: '2025-01-01T00:00:00Z', groupId: 'g1', identityId: 'i1', group, identity: { username: 'ann' }, actor: { name: 'admin' } };
}

describe('the dashboard’s state', () => {
  test('a membership event sets the group’s count to the one it carries, and joins the feed', () => {
    const state = new DashboardState([engineering], 'c0');
    expect(state.applyMembership(added('e1', 'c1'))).toEqual({ groupId: 'g1', row: { ...engineering, memberCount: 3 } });
    expect(state.groups.get('g1')?.memberCount).toBe(3);
    expect(state.feed[0]).toMatchObject({ id: 'e1', kind: 'membership', type: 'ADDED', subject: 'ann', object: 'Engineering', actor: 'admin' });
    expect(state.cursors.membership).toBe('c1');
  });

  test('an event replayed after lastEventCursor that the loaded counts already include does not count twice', () => {
    // Loaded: 3 members, the third from an event that committed after the cursor was read.
    const state = new DashboardState([{ ...engineering, memberCount: 3 }], 'c0');
    state.applyMembership(added('e1', 'c1'));
    expect(state.groups.get('g1')?.memberCount).toBe(3);
  });

  test('an event seen before is dropped, but its cursor still moves on', () => {
    const state = new DashboardState([engineering], 'c0');
    state.applyMembership(added('e1', 'c1'));
    expect(state.applyMembership(added('e1', 'c2'))).toBeUndefined();
    expect(state.feed).toHaveLength(1);
    expect(state.cursors.membership).toBe('c2');
  });

  test('a group the page did not list appears; a deleted one goes', () => {
    const state = new DashboardState([engineering], 'c0');
    state.applyMembership({ ...added('e1', 'c1'), groupId: 'g2', group: { id: 'g2', name: 'Design', memberCount: 1 } });
    expect(state.sortedGroups().map((group) => group.name)).toEqual(['Design', 'Engineering']);
    expect(state.applyMembership({ ...added('e2', 'c2', null), type: 'REMOVED' })).toEqual({ groupId: 'g1', row: null });
    expect(state.sortedGroups().map((group) => group.name)).toEqual(['Design']);
  });

  test('each stream keeps its own cursor', () => {
    const state = new DashboardState([], 'c0');
    state.applyInvitation({ id: 'e5', cursor: 'c5', type: 'CREATED', occurredAt: '2025-01-01T00:00:00Z', invitationId: 'v1', invitation: { email: 'x@y.z', status: 'PENDING' }, actor: null });
    expect(state.cursors).toEqual({ membership: 'c0', invitation: 'c5', group: 'c0' });
  });

  test('a group created or renamed takes its row; a deleted one goes with its members, said in the feed', () => {
    const state = new DashboardState([engineering], 'c0');
    const at = { occurredAt: '2025-01-01T00:00:00Z', actor: { name: 'admin' } };
    state.applyGroup({ ...at, id: 'e1', cursor: 'c1', type: 'GROUP_CREATED', groupId: 'g2', group: { id: 'g2', name: 'Design', memberCount: 0 }, data: {} });
    state.applyGroup({ ...at, id: 'e2', cursor: 'c2', type: 'GROUP_UPDATED', groupId: 'g2', group: { id: 'g2', name: 'Brand', memberCount: 0 }, data: {} });
    expect(state.sortedGroups().map((group) => group.name)).toEqual(['Brand', 'Engineering']);
    // The group is read when the event is delivered: a deleted one is null, its name in the event's data.
    expect(state.applyGroup({ ...at, id: 'e3', cursor: 'c3', type: 'GROUP_DELETED', groupId: 'g1', group: null, data: { group: { name: 'Engineering' }, memberCount: 2 } })).toEqual({ groupId: 'g1', row: null });
    expect(state.sortedGroups().map((group) => group.name)).toEqual(['Brand']);
    expect(state.feed[0]).toMatchObject({ kind: 'group', type: 'DELETED', subject: 'Engineering', object: '2 members' });
    expect(state.cursors.group).toBe('c3');
    expect(state.applyGroup({ ...at, id: 'e3', cursor: 'c4', type: 'GROUP_DELETED', groupId: 'g1', group: null, data: {} })).toBeUndefined();
  });

  test('the feed keeps the newest events only', () => {
    const state = new DashboardState([engineering], 'c0');
    for (let n = 0; n < feedLimit + 5; n++) state.applyMembership(added(`e${n}`, `c${n}`));
    expect(state.feed).toHaveLength(feedLimit);
    expect(state.feed[0].id).toBe(`e${feedLimit + 4}`);
  });
});
