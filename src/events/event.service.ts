import type { ConnectionData } from '../common/connection.type';
import { invalidInput, notFound } from '../common/errors';
import { MembershipKind } from '../membership/membership.inputs';
import { transitiveSourceTypes, type TransitiveMembershipStreams } from '../membership/transitive-stream';
import { expectGlobalId } from '../common/global-id';
import { pageWindow } from '../common/pagination';
import type { Queryable } from '../db/queryable';
import type { RealmRow } from '../realm/realm.repository';
import type { Context } from '../common/context';
import type { RealmService } from '../realm/realm.service';
import { decodeEventCursor, decodeStreamCursor, encodeEventCursor } from './event-cursor';
import { eventLoaders } from './event.loaders';
import type { EventRelay } from './event-relay';
import { cursorAhead, cursorExpired } from './event-relay';
import type { EventType } from './event-types';
import { countEvents, filters, readEvents, readEventsBefore, readEventsKept, type EventFilterValues, type EventRow } from './event.repository';

/** What `Realm.events` may be narrowed to, as the API gives it (global IDs). */
export interface EventListFilter {
  types?: readonly EventType[] | null;
  identityId?: string | null;
  groupId?: string | null;
  actorId?: string | null;
}

export interface StreamArgs {
  realmId: string;
  after?: string | null;
  types?: readonly EventType[] | null;
  groupId?: string | null;
  identityId?: string | null;
  /** membershipChanged's: TRANSITIVE follows the group's whole tree (decision 107). */
  membership?: MembershipKind | null;
}

export class EventService {
  constructor(
    private readonly db: Queryable,
    private readonly relay: EventRelay,
    private readonly realms: RealmService,
    private readonly transitive: TransitiveMembershipStreams,
  ) {}

  /**
   * The server's own read of the log (the webhook delivery job): up to `limit` events of the realm
   * after `afterSeq`, in order, of these types (null: all), with how far retention has pruned the
   * log as the same read saw it (a gap after the cursor shows). No caller: the job reaches every
   * realm. Undefined: no such realm.
   */
  readAfter(realmUuid: string, afterSeq: string, limit: number, types: readonly EventType[] | null) {
    return readEventsKept(this.db, realmUuid, afterSeq, limit, types);
  }

  /** The realm's event numbered `seq`, as RealmEvent shows it; null once retention removed it. */
  eventAt(ctx: Context, realmUuid: string, seq: string): Promise<EventRow | null> {
    return ctx.loaders.of(eventLoaders).bySeq.load(`${realmUuid}:${seq}`);
  }

  /** Where a client that has just read the realm subscribes from, to miss nothing after that read. */
  lastCursor(realm: RealmRow): string {
    return encodeEventCursor(realm.uuid, realm.lastEventSeq);
  }

  /**
   * `Realm.events`: the log for clients that poll, in log order — forward after a cursor, or
   * backward (`last`, `before`) from the newest, for an audit list's first screen.
   */
  async list(
    ctx: Context,
    shown: RealmRow,
    args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null } & EventListFilter,
  ): Promise<ConnectionData<{ cursor: string; node: EventRow }>> {
    const window = pageWindow(args, ctx.limits);
    let realm = shown;
    const filter: EventFilterValues = {
      types: args.types,
      identityUuid: args.identityId == null ? null : expectGlobalId(args.identityId, 'Identity', ['identityId']),
      groupUuid: args.groupId == null ? null : expectGlobalId(args.groupId, 'Group', ['groupId']),
      actorId: args.actorId,
    };
    // The realm row read for this field knows how far retention has gone: no query of its own.
    const cursorSeq = window.cursor == null ? null : decodeEventCursor(window.cursor, realm.uuid, window.cursorPath);
    if (cursorSeq !== null && BigInt(cursorSeq) > BigInt(realm.lastEventSeq) && ctx.reads.leaveReplica()) {
      // A cursor from the primary (a subscription's event, a mutation's answer) may be ahead of a
      // replica that lags: the primary's realm row says whether it is ahead of the log.
      ctx.loaders.clearAll();
      realm = (await this.realms.get(ctx, realm.uuid)) ?? realm;
    }
    if (cursorSeq !== null && BigInt(cursorSeq) > BigInt(realm.lastEventSeq)) throw cursorAhead(window.cursorPath);
    const page = window.forward
      ? await this.pageAfter(ctx.reads, realm, cursorSeq ?? '0', window.limit, filter)
      : await this.pageBefore(ctx.reads, realm, cursorSeq, window.limit, filter);
    const edges = page.rows.map((node) => ({ cursor: node.cursor, node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: page.hasNext,
        hasPreviousPage: page.hasPrevious,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
      totalCount: () => countEvents(ctx.reads, shown.uuid, filter),
    };
  }

  private async pageAfter(db: Queryable, realm: RealmRow, afterSeq: string, limit: number, filter: EventFilterValues) {
    if (BigInt(afterSeq) < BigInt(realm.prunedThroughSeq)) throw cursorExpired();
    const rows = await readEvents(db, realm.uuid, afterSeq, limit + 1, filter);
    // Retention may have run since the realm was read; with no filter the numbers must follow on.
    if (!filters(filter) && rows.length > 0 && BigInt(rows[0].seq) !== BigInt(afterSeq) + 1n) throw cursorExpired();
    return { rows: rows.slice(0, limit), hasNext: rows.length > limit, hasPrevious: afterSeq !== '0' };
  }

  /**
   * Backward from `beforeSeq` (the newest when null). Retention takes the oldest events, so a
   * backward page has no gap to check: it ends where the retained log begins, with no previous page.
   * A `before` cursor whose own event was pruned is expired, as an `after` one is.
   */
  private async pageBefore(db: Queryable, realm: RealmRow, beforeSeq: string | null, limit: number, filter: EventFilterValues) {
    if (beforeSeq !== null && BigInt(beforeSeq) <= BigInt(realm.prunedThroughSeq)) throw cursorExpired(['before']);
    const rows = await readEventsBefore(db, realm.uuid, beforeSeq, limit + 1, filter);
    return { rows: rows.slice(rows.length > limit ? 1 : 0), hasNext: beforeSeq !== null, hasPrevious: rows.length > limit };
  }

  /**
   * A subscription's events: replayed from after `after` (when given), then live, filtered by
   * type and by the group or identity they concern.
   */
  async subscribe(ctx: Context, args: StreamArgs, allowed: readonly EventType[]): Promise<AsyncIterableIterator<EventRow>> {
    const realmUuid = expectGlobalId(args.realmId, 'Realm', ['realmId']);
    ctx.caller.needIn('events:read', realmUuid, ['realmId']);
    const realm = await this.realms.get(ctx, realmUuid);
    if (!realm) throw notFound('realm', ['realmId'], args.realmId);
    const after = args.after == null ? undefined : decodeStreamCursor(args.after, realmUuid, ['after']);
    const groupUuid = args.groupId == null ? undefined : expectGlobalId(args.groupId, 'Group', ['groupId']);
    const identityUuid = args.identityId == null ? undefined : expectGlobalId(args.identityId, 'Identity', ['identityId']);
    if (args.membership === MembershipKind.TRANSITIVE) {
      if (groupUuid === undefined) throw invalidInput(['groupId'], 'A TRANSITIVE subscription follows one group’s tree: give `groupId`.');
      const types = new Set(transitiveSourceTypes);
      return this.transitive.open({ realmUuid, groupUuid, groupId: args.groupId!, identityUuid, after }, (afterSeq) =>
        this.relay.stream(realmUuid, afterSeq, (event) => types.has(event.type)),
      );
    }
    const types = new Set(args.types?.length ? args.types.filter((type) => allowed.includes(type)) : allowed);
    return this.relay.stream(
      realmUuid,
      after?.seq,
      (event) =>
        types.has(event.type) &&
        (groupUuid === undefined || event.groupUuid === groupUuid) &&
        (identityUuid === undefined || event.identityUuid === identityUuid),
    );
  }
}
