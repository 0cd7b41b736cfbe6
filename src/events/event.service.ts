import type { ConnectionData } from '../common/connection.type';
import { notFound } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { pageSize } from '../common/pagination';
import type { Queryable } from '../db/queryable';
import type { RealmRow } from '../realm/realm.repository';
import type { Context } from '../common/context';
import type { RealmService } from '../realm/realm.service';
import { decodeEventCursor, encodeEventCursor } from './event-cursor';
import type { EventRelay } from './event-relay';
import { cursorAhead, cursorExpired } from './event-relay';
import type { EventType } from './event-types';
import { countEvents, readEvents, type EventFilterValues, type EventRow } from './event.repository';

export interface StreamArgs {
  realmId: string;
  after?: string | null;
  types?: readonly EventType[] | null;
  groupId?: string | null;
  identityId?: string | null;
}

export class EventService {
  constructor(
    private readonly db: Queryable,
    private readonly relay: EventRelay,
    private readonly realms: RealmService,
  ) {}

  /** Where a client that has just read the realm subscribes from, to miss nothing after that read. */
  lastCursor(realm: RealmRow): string {
    return encodeEventCursor(realm.uuid, realm.lastEventSeq);
  }

  /** `Realm.events`: the log for clients that poll, oldest first, after a cursor. */
  async list(
    ctx: Context,
    realm: RealmRow,
    args: { first?: number | null; after?: string | null; types?: readonly EventType[] | null },
  ): Promise<ConnectionData<{ cursor: string; node: EventRow }>> {
    const first = pageSize(args.first, ctx.limits, ['first']);
    const afterSeq = args.after == null ? '0' : decodeEventCursor(args.after, realm.uuid, ['after']);
    // The realm row read for this field knows how far retention has gone: no query of its own.
    if (BigInt(afterSeq) < BigInt(realm.prunedThroughSeq)) throw cursorExpired();
    if (BigInt(afterSeq) > BigInt(realm.lastEventSeq)) throw cursorAhead();
    const filter: EventFilterValues = { types: args.types };
    const rows = await readEvents(this.db, realm.uuid, afterSeq, first + 1, filter);
    // Retention may have run since the realm was read; with no filter the numbers must follow on.
    if (!filter.types?.length && rows.length > 0 && BigInt(rows[0].seq) !== BigInt(afterSeq) + 1n) throw cursorExpired();
    const edges = rows.slice(0, first).map((node) => ({ cursor: node.cursor, node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: afterSeq !== '0',
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
      totalCount: () => countEvents(this.db, realm.uuid, filter),
    };
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
    const afterSeq = args.after == null ? undefined : decodeEventCursor(args.after, realmUuid, ['after']);
    const groupUuid = args.groupId == null ? undefined : expectGlobalId(args.groupId, 'Group', ['groupId']);
    const identityUuid = args.identityId == null ? undefined : expectGlobalId(args.identityId, 'Identity', ['identityId']);
    const types = new Set(args.types?.length ? args.types.filter((type) => allowed.includes(type)) : allowed);
    return this.relay.stream(
      realmUuid,
      afterSeq,
      (event) =>
        types.has(event.type) &&
        (groupUuid === undefined || event.groupUuid === groupUuid) &&
        (identityUuid === undefined || event.identityUuid === identityUuid),
    );
  }
}
