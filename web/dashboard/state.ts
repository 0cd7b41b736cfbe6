/**
 * What the dashboard shows, as plain data: the groups with their member counts, the feed, the
 * cursors to resume from, the event IDs already seen. No DOM here, so it is unit-tested
 * (test/unit/dashboard-state.test.ts) and the page only renders it.
 */

export interface GroupRow {
  readonly id: string;
  readonly name: string;
  readonly memberCount: number;
}

export interface MembershipEvent {
  readonly cursor: string;
  readonly id: string;
  readonly type: 'ADDED' | 'REMOVED';
  readonly occurredAt: string;
  readonly groupId: string;
  readonly identityId: string;
  /** The group as it is now; null once deleted. */
  readonly group: GroupRow | null;
  readonly identity: { readonly username: string } | null;
  readonly actor: { readonly name: string } | null;
}

export interface InvitationEvent {
  readonly cursor: string;
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly invitationId: string;
  readonly invitation: { readonly email: string; readonly status: string } | null;
  readonly actor: { readonly name: string } | null;
}

/** A group created, renamed or deleted (realmEvents of the GROUP_* types). */
export interface GroupEvent {
  readonly cursor: string;
  readonly id: string;
  readonly type: 'GROUP_CREATED' | 'GROUP_UPDATED' | 'GROUP_DELETED';
  readonly occurredAt: string;
  readonly groupId: string;
  /** The group as it is now; null once deleted. */
  readonly group: GroupRow | null;
  /** GROUP_DELETED: `{ group: { name }, memberCount }`, the memberships it ended. */
  readonly data: { readonly group?: { readonly name?: string }; readonly memberCount?: number };
  readonly actor: { readonly name: string } | null;
}

export interface FeedItem {
  readonly id: string;
  readonly cursor: string;
  readonly kind: 'membership' | 'invitation' | 'group';
  readonly type: string;
  readonly occurredAt: string;
  readonly subject: string;
  readonly object?: string;
  readonly actor?: string;
}

/** Each subscription resumes after the last event it handled (see docs/decisions.md). */
export interface Cursors {
  membership: string;
  invitation: string;
  group: string;
}

export const feedLimit = 200;
const seenLimit = 10_000;

export class DashboardState {
  readonly groups = new Map<string, GroupRow>();
  /** Newest first. */
  readonly feed: FeedItem[] = [];
  readonly cursors: Cursors;
  private readonly seen = new Set<string>();

  constructor(groups: readonly GroupRow[], lastEventCursor: string) {
    for (const group of groups) this.groups.set(group.id, group);
    this.cursors = { membership: lastEventCursor, invitation: lastEventCursor, group: lastEventCursor };
  }

  /**
   * Applies a membership event; returns the group whose row changed (null: the group is gone),
   * or undefined when the event was seen before. The count is the one the event carries (the
   * group as the server has it now), not the shown count ± 1: an event replayed after
   * `lastEventCursor` may already be in the loaded counts, and adding it again would be wrong.
   */
  applyMembership(event: MembershipEvent): { groupId: string; row: GroupRow | null } | undefined {
    this.cursors.membership = event.cursor;
    if (!this.firstSight(event.id)) return undefined;
    if (event.group) this.groups.set(event.group.id, event.group);
    else this.groups.delete(event.groupId);
    this.push({
      id: event.id,
      cursor: event.cursor,
      kind: 'membership',
      type: event.type,
      occurredAt: event.occurredAt,
      subject: event.identity?.username ?? 'a deleted identity',
      object: event.group?.name ?? 'a deleted group',
      actor: event.actor?.name,
    });
    return { groupId: event.groupId, row: event.group };
  }

  /** Applies an invitation event; false when it was seen before. */
  applyInvitation(event: InvitationEvent): boolean {
    this.cursors.invitation = event.cursor;
    if (!this.firstSight(event.id)) return false;
    this.push({
      id: event.id,
      cursor: event.cursor,
      kind: 'invitation',
      type: event.type,
      occurredAt: event.occurredAt,
      subject: event.invitation?.email ?? 'an invitation',
      object: event.invitation?.status,
      actor: event.actor?.name,
    });
    return true;
  }

  /**
   * Applies a group's creation, change or deletion; returns the group whose row changed (null: it
   * is gone — with its memberships, which a deletion ends without a MEMBERSHIP_REMOVED each), or
   * undefined when the event was seen before.
   */
  applyGroup(event: GroupEvent): { groupId: string; row: GroupRow | null } | undefined {
    this.cursors.group = event.cursor;
    if (!this.firstSight(event.id)) return undefined;
    const row = event.type === 'GROUP_DELETED' ? null : event.group;
    if (row) this.groups.set(row.id, row);
    else this.groups.delete(event.groupId);
    const members = event.data.memberCount;
    this.push({
      id: event.id,
      cursor: event.cursor,
      kind: 'group',
      type: event.type.replace('GROUP_', ''),
      occurredAt: event.occurredAt,
      subject: event.group?.name ?? event.data.group?.name ?? 'a deleted group',
      object: event.type === 'GROUP_DELETED' && members !== undefined ? `${members} member${members === 1 ? '' : 's'}` : undefined,
      actor: event.actor?.name,
    });
    return { groupId: event.groupId, row };
  }

  /** Groups by name, as the API lists them. */
  sortedGroups(): GroupRow[] {
    return [...this.groups.values()].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0));
  }

  private firstSight(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > seenLimit) this.seen.delete(this.seen.values().next().value!);
    return true;
  }

  private push(item: FeedItem): void {
    this.feed.unshift(item);
    if (this.feed.length > feedLimit) this.feed.length = feedLimit;
  }
}
