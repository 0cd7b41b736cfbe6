import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode, notFound } from '../common/errors';
import { parseGlobalId, toGlobalId } from '../common/global-id';
import type { Queryable } from '../db/queryable';
import { readSnapshot } from '../db/snapshot';
import { outageCoded } from '../db/unavailable';
import { encodeExpansionCursor, type StreamPosition } from '../events/event-cursor';
import { cursorAhead } from '../events/event-relay';
import type { EventType } from '../events/event-types';
import type { EventRow, MembershipChangeRow } from '../events/event.repository';
import {
  deletedAfter,
  headSeq,
  membersPage,
  membershipChangesBetween,
  membershipPairs,
  nestingChangesBetween,
  nestingsAtHead,
  type LoggedChange,
} from './transitive-stream.repository';

/*
 * membershipChanged(membership: TRANSITIVE): who enters and who leaves a group's transitive
 * membership, at each logged event, in log order (docs/decisions.md 107). The log holds the direct
 * changes only — a membership, a nesting — and this stream expands them for its watcher: a join in
 * a group of the tree is an entry unless the identity was in the tree already; a nesting brings in
 * the identities of the nested subtree the tree did not have, page by page. Every answer is the one
 * at the event: the stream reads the latest state, then corrects it back to the event with the
 * events logged since (read in the same snapshot), and ends with EVENT_HISTORY_INCOMPLETE where the
 * log cannot say (a group of the tree deleted since with members it did not log one by one).
 */

/** The log's types the stream reads: memberships, nestings, and the watched group's deletion. */
export const transitiveSourceTypes: readonly EventType[] = ['membership.added', 'membership.removed', 'group.nested', 'group.unnested', 'group.deleted'];

const expansionPageSize = 1000;
const nilUuid = '00000000-0000-0000-0000-000000000000';

export interface TransitiveRequest {
  realmUuid: string;
  groupUuid: string;
  /** The argument as given, for NOT_FOUND's message. */
  groupId: string;
  /** Only this identity's entries and exits. */
  identityUuid?: string;
  /** Resume after this position; from the head when absent. */
  after?: StreamPosition;
}

/** The relay's stream of the realm's log after `afterSeq`, of the source types. */
export type EventSource = (afterSeq: string) => Promise<AsyncIterableIterator<EventRow>>;

export const historyIncomplete = () =>
  new AppError(
    ErrorCode.EVENT_HISTORY_INCOMPLETE,
    'A group of this tree was deleted after the event this stream has reached, and the log does not keep who its members were then. ' +
      'Reload the group’s transitive members, then subscribe after the realm’s `lastEventCursor`.',
    ['after'],
  );

/** Opens TRANSITIVE streams: the events domain asks for one, with the relay's stream as its source. */
export class TransitiveMembershipStreams {
  constructor(private readonly dataSource: DataSource) {}

  async open(request: TransitiveRequest, source: EventSource): Promise<AsyncIterableIterator<MembershipChangeRow>> {
    const head = await outageCoded(() => nestingsAtHead(this.dataSource, request.realmUuid, request.groupUuid));
    if (!head) throw notFound('realm', ['realmId']);
    // A group deleted since the cursor was there at it: the watcher hears what it missed, up to the deletion.
    const { after } = request;
    if (!head.groupExists && !(after && (await outageCoded(() => deletedAfter(this.dataSource, request.realmUuid, request.groupUuid, after.seq))))) {
      throw notFound('group', ['groupId'], request.groupId);
    }
    // An expansion's cursor is read again from its event's predecessor: its own number must be in the log.
    if (after && BigInt(after.seq) > BigInt(head.lastSeq)) throw cursorAhead();
    // Inside an expansion, its event is read again and expanded from the identity after the cursor's.
    const startSeq = after === undefined ? head.lastSeq : after.identityUuid === undefined ? after.seq : (BigInt(after.seq) - 1n).toString();
    const events = await source(startSeq);
    try {
      // The tree at the start: the nestings at the head, with those logged since the start undone.
      const graph = new NestingGraph(head.nestings);
      if (startSeq !== head.lastSeq) {
        for (const change of await outageCoded(() => nestingChangesBetween(this.dataSource, request.realmUuid, startSeq, head.lastSeq))) graph.undo(change);
      }
      return new TransitiveStream(this.dataSource, request, graph, events);
    } catch (error) {
      await events.return?.();
      throw error;
    }
  }
}

/** The realm's nestings, as a graph the stream keeps in step with the log. A realm has few. */
class NestingGraph {
  private readonly children = new Map<string, Set<string>>();

  constructor(nestings: ReadonlyArray<[string, string]>) {
    for (const [parent, child] of nestings) this.link(parent, child);
  }

  apply(change: LoggedChange): void {
    const child = childOf(change);
    if (change.type === 'group.nested') this.link(change.groupUuid, child);
    else this.children.get(change.groupUuid)?.delete(child);
  }

  undo(change: LoggedChange): void {
    const child = childOf(change);
    if (change.type === 'group.nested') this.children.get(change.groupUuid)?.delete(child);
    else this.link(change.groupUuid, child);
  }

  /** The group and every group below it. */
  tree(root: string): Set<string> {
    const seen = new Set([root]);
    const queue = [root];
    while (queue.length > 0) {
      for (const child of this.children.get(queue.pop()!) ?? []) {
        if (!seen.has(child)) {
          seen.add(child);
          queue.push(child);
        }
      }
    }
    return seen;
  }

  private link(parent: string, child: string): void {
    let children = this.children.get(parent);
    if (!children) this.children.set(parent, (children = new Set()));
    children.add(child);
  }
}

function childOf(change: Pick<LoggedChange, 'memberGroupId'>): string {
  const parsed = change.memberGroupId ? parseGlobalId(change.memberGroupId) : undefined;
  if (!parsed) throw new Error('A nesting event without its member group.');
  return parsed.uuid;
}

/**
 * Whether the identity was a member of one of `groups` at the event `seq`: the membership now,
 * unless the first change of that pair logged after the event says otherwise (logged after the
 * event, a join means it was not there yet, a departure that it was).
 */
function memberAt(identityUuid: string, groups: Iterable<string>, now: ReadonlySet<string>, changesSince: readonly LoggedChange[]): boolean {
  for (const group of groups) {
    const first = changesSince.find((change) => change.groupUuid === group && change.identityUuid === identityUuid);
    if (first ? first.type === 'membership.removed' : now.has(`${group}:${identityUuid}`)) return true;
  }
  return false;
}

const pairs = (rows: ReadonlyArray<{ groupUuid: string; identityUuid: string }>) => new Set(rows.map((row) => `${row.groupUuid}:${row.identityUuid}`));

/** An expanded event's ID: stable, so a client that drops the IDs it has seen drops a replay of it. */
function expansionId(eventId: string, identityUuid: string): string {
  const hex = createHash('sha1').update(`${eventId}:${identityUuid}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** One nesting change's entries or exits, read a page at a time, in identity ID order. */
interface Expansion {
  event: EventRow;
  type: 'membership.added' | 'membership.removed';
  /** The groups the change brought into the tree, or took out of it. */
  from: string[];
  /** The tree's other groups: an identity still (or already) in one of them neither enters nor leaves. */
  kept: string[];
  /** The last identity handed out; the next page starts after it. */
  cursor: string;
  finished: boolean;
}

/**
 * The membership changes logged after the stream's position, read once each: every expansion
 * corrects back with the changes between its event and the head its snapshot sees, so the stream
 * keeps those it has read and reads only what the head has gained since. What it has passed is
 * dropped.
 */
class LogWindow {
  private changes: LoggedChange[] = [];
  /** Read up to this number (or passed it). */
  private through = 0n;

  constructor(private readonly realmUuid: string) {}

  /** The changes in (afterSeq, head] of these groups (of one identity, when given), reading what is new of them in `db`'s snapshot. */
  async between(db: Queryable, afterSeq: string, head: string, groups: ReadonlySet<string>, identityUuid?: string): Promise<LoggedChange[]> {
    const after = BigInt(afterSeq);
    const last = BigInt(head);
    if (last > this.through) {
      const from = this.through > after ? this.through : after;
      this.changes.push(...(await membershipChangesBetween(db, this.realmUuid, from.toString(), head)));
      this.through = last;
    }
    return this.changes.filter((change) => {
      const seq = BigInt(change.seq);
      return seq > after && seq <= last && groups.has(change.groupUuid) && (identityUuid === undefined || change.type === 'group.deleted' || change.identityUuid === identityUuid);
    });
  }

  /** Forgets what the stream has passed. */
  passed(seq: string): void {
    const position = BigInt(seq);
    if (this.through < position) this.through = position;
    let kept = 0;
    while (kept < this.changes.length && BigInt(this.changes[kept].seq) <= position) kept++;
    if (kept > 0) this.changes = this.changes.slice(kept);
  }
}

class TransitiveStream implements AsyncIterableIterator<MembershipChangeRow> {
  private tree: Set<string>;
  private readonly queue: MembershipChangeRow[] = [];
  private expansion: Expansion | undefined;
  private done = false;
  private readonly watchedId: string;
  private readonly window: LogWindow;

  constructor(
    private readonly dataSource: DataSource,
    private readonly request: TransitiveRequest,
    private readonly graph: NestingGraph,
    private readonly events: AsyncIterableIterator<EventRow>,
  ) {
    this.tree = graph.tree(request.groupUuid);
    this.watchedId = toGlobalId('Group', request.groupUuid);
    this.window = new LogWindow(request.realmUuid);
  }

  async next(): Promise<IteratorResult<MembershipChangeRow>> {
    for (;;) {
      if (this.queue.length > 0) return { value: this.queue.shift()!, done: false };
      if (this.done) return { value: undefined, done: true };
      if (this.expansion) {
        await this.expandPage(this.expansion);
        if (this.expansion.finished) this.expansion = undefined;
        continue;
      }
      const next = await this.events.next();
      if (next.done) {
        this.done = true;
        continue;
      }
      await this.take(next.value);
      // Expansions correct back to their event; nothing before it is needed again.
      this.window.passed((BigInt(next.value.seq) - 1n).toString());
    }
  }

  async return(): Promise<IteratorResult<MembershipChangeRow>> {
    this.done = true;
    this.queue.length = 0;
    await this.events.return?.();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<MembershipChangeRow>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<MembershipChangeRow> {
    return this;
  }

  private async take(event: EventRow): Promise<void> {
    const { groupUuid, identityUuid } = this.request;
    const resumed = this.request.after?.identityUuid !== undefined && event.seq === this.request.after.seq;
    switch (event.type) {
      case 'membership.added':
      case 'membership.removed': {
        if (!event.groupUuid || !event.identityUuid || !this.tree.has(event.groupUuid) || resumed) return;
        if (identityUuid !== undefined && event.identityUuid !== identityUuid) return;
        const others = [...this.tree].filter((group) => group !== event.groupUuid);
        if (others.length > 0 && (await this.memberOfAny(event, others))) return;
        this.queue.push(this.row(event, event.type, event.identityUuid, event.groupUuid, event.cursor, event.id));
        return;
      }
      case 'group.nested':
      case 'group.unnested': {
        const change = { seq: event.seq, type: event.type, groupUuid: event.groupUuid!, identityUuid: null, memberGroupId: String(event.data.memberGroupId), memberCount: null };
        const before = this.tree;
        this.graph.apply(change);
        this.tree = this.graph.tree(groupUuid);
        const [larger, smaller] = event.type === 'group.nested' ? [this.tree, before] : [before, this.tree];
        const from = [...larger].filter((group) => !smaller.has(group));
        if (from.length === 0) return;
        this.expansion = {
          event,
          type: event.type === 'group.nested' ? 'membership.added' : 'membership.removed',
          from,
          kept: [...smaller],
          cursor: resumed ? this.request.after!.identityUuid! : nilUuid,
          finished: false,
        };
        return;
      }
      case 'group.deleted':
        // The watched group is gone: nothing more can enter or leave it.
        if (event.groupUuid === groupUuid) await this.return();
        return;
      default:
        return;
    }
  }

  /** Whether the event's identity was, at the event, a member of one of `groups`. */
  private memberOfAny(event: EventRow, groups: string[]): Promise<boolean> {
    const identityUuid = event.identityUuid!;
    return outageCoded(() =>
      readSnapshot(this.dataSource, async (db) => {
        const head = await headSeq(db, this.request.realmUuid);
        const now = pairs(await membershipPairs(db, [identityUuid], groups));
        const since = head !== undefined && BigInt(head) > BigInt(event.seq) ? await this.window.between(db, event.seq, head, new Set(groups), identityUuid) : [];
        if (since.some((change) => change.type === 'group.deleted')) throw historyIncomplete();
        return memberAt(identityUuid, groups, now, since);
      }),
    );
  }

  /** The next page of a nesting change's entries or exits, as they were at its event. */
  private async expandPage(expansion: Expansion): Promise<void> {
    const { realmUuid, identityUuid } = this.request;
    const { event, from, kept } = expansion;
    const identities = await outageCoded(() =>
      readSnapshot(this.dataSource, async (db) => {
        const head = await headSeq(db, realmUuid);
        const page = await membersPage(db, from, kept, expansion.cursor, expansionPageSize, identityUuid);
        const last = page.length < expansionPageSize;
        const upper = last ? undefined : page[page.length - 1].uuid;
        const inPage = (uuid: string) => uuid > expansion.cursor && (upper === undefined || uuid <= upper);
        // Identities whose memberships in these groups changed since the event: decided at the event.
        const decided = new Map<string, boolean>();
        if (head !== undefined && BigInt(head) > BigInt(event.seq)) {
          const groups = [...from, ...kept];
          const since = await this.window.between(db, event.seq, head, new Set(groups), identityUuid);
          if (since.some((change) => change.type === 'group.deleted')) throw historyIncomplete();
          const touched = [...new Set(since.map((change) => change.identityUuid!))].filter(inPage);
          if (touched.length > 0) {
            const now = pairs(await membershipPairs(db, touched, groups));
            for (const uuid of touched) decided.set(uuid, memberAt(uuid, from, now, since) && !memberAt(uuid, kept, now, since));
          }
        }
        const changed = page.filter((row) => !row.kept && !decided.has(row.uuid)).map((row) => row.uuid);
        for (const [uuid, changes] of decided) if (changes) changed.push(uuid);
        expansion.cursor = upper ?? expansion.cursor;
        expansion.finished = last;
        return changed.sort();
      }),
    );
    const viaGroup = childOf({ memberGroupId: String(event.data.memberGroupId) });
    for (const uuid of identities) {
      this.queue.push(this.row(event, expansion.type, uuid, viaGroup, encodeExpansionCursor(realmUuid, event.seq, uuid), expansionId(event.id, uuid)));
    }
  }

  private row(event: EventRow, type: MembershipChangeRow['type'], identityUuid: string, viaGroupUuid: string, cursor: string, id: string): MembershipChangeRow {
    return {
      id,
      cursor,
      realmUuid: event.realmUuid,
      seq: event.seq,
      type,
      occurredAt: event.occurredAt,
      actor: event.actor,
      identityUuid,
      groupUuid: this.request.groupUuid,
      invitationUuid: null,
      identityId: toGlobalId('Identity', identityUuid),
      groupId: this.watchedId,
      invitationId: null,
      data: {},
      cause: event.type,
      viaGroupUuid,
      viaGroupId: toGlobalId('Group', viaGroupUuid),
    };
  }
}
