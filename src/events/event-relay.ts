import { AppError, ErrorCode, type InputPath } from '../common/errors';
import type { NotificationListener } from '../db/notification-listener';
import type { Queryable } from '../db/queryable';
import { outageCoded } from '../db/unavailable';
import type { Logger } from '../logger';
import { metrics } from '../observability/metrics';
import { eventChannel } from './event-log';
import { logBounds, readEvents, type EventRow } from './event.repository';

const feedPageSize = 1000;
const replayPageSize = 1000;

export interface RelayOptions {
  /**
   * The most events a realm's feed keeps for its subscribers (fewer: it drops what all of them have
   * passed). A subscriber further behind reads the table on its own until it is back in the window.
   */
  windowSize: number;
  /** A safety net under NOTIFY: feeds look for new events this often anyway. */
  pollIntervalMs: number;
}

export const cursorExpired = (path: InputPath = ['after']) =>
  new AppError(
    ErrorCode.EVENT_CURSOR_EXPIRED,
    path[path.length - 1] === 'before'
      ? 'The event of this cursor is no longer kept (see EVENT_RETENTION_DAYS): page back from the newest (`last` without `before`).'
      : 'Events after this cursor are no longer kept (see EVENT_RETENTION_DAYS). Reload the data, then subscribe after its Realm.lastEventCursor.',
    path,
  );

/**
 * A cursor of an event the log does not have (yet): its events would not follow what the client
 * saw, and waiting for the log to reach that number would be a silent gap.
 */
export const cursorAhead = (path: InputPath = ['after']) =>
  new AppError(
    ErrorCode.EVENT_CURSOR_AHEAD,
    'This cursor is past the end of the realm’s event log (was the database restored from an older backup?). Reload the data, then subscribe after its Realm.lastEventCursor.',
    path,
  );

/**
 * Delivers committed events to this instance's subscribers. PostgreSQL is the bus: every
 * instance LISTENs on one channel (on its NotificationListener), appendEvents NOTIFYs it at commit,
 * and the rows are the truth — a notification only says "realm R has events up to N". Per realm
 * with subscribers, one feed reads the new rows once and keeps the latest of them in a window; each
 * subscriber keeps only its position, takes from the window the very objects the others take (so
 * that their executions are shared, src/server/shared-subscription.ts), reads the table itself
 * only when it is behind the window (a resume from an old cursor, a slow socket), and skips what
 * it has already passed, so the stream has no gap and no duplicate (docs/decisions.md 65).
 */
export class EventRelay {
  private readonly feeds = new Map<string, RealmFeed>();
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly notifications: NotificationListener,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
  ) {}

  async start(): Promise<void> {
    // Notifications sent while the listener was down are lost: every feed looks again once it is back.
    this.notifications.onReconnect(() => this.wakeAll());
    await this.notifications.listen(eventChannel, (payload) => {
      const [realmUuid] = payload.split(':');
      this.feeds.get(realmUuid)?.wake();
    });
    this.poll = setInterval(() => this.wakeAll(), this.options.pollIntervalMs);
    this.poll.unref();
  }

  /** Ends every stream; the listener is its owner's to stop. */
  async stop(): Promise<void> {
    clearInterval(this.poll);
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
  }

  /**
   * The realm's events after `afterSeq` (or, without it, from now on), as they commit, those that
   * `accept` keeps. Throws EVENT_CURSOR_EXPIRED when retention removed some of them,
   * EVENT_CURSOR_AHEAD for a number the log has not reached (it came from no event of it), and
   * SERVICE_UNAVAILABLE when the database cannot be reached (now, or later while catching up).
   */
  async stream(realmUuid: string, afterSeq: string | undefined, accept: (event: EventRow) => boolean): Promise<AsyncIterableIterator<EventRow>> {
    const bounds = await outageCoded(() => logBounds(this.db, realmUuid));
    if (!bounds) throw new AppError(ErrorCode.NOT_FOUND, 'No realm has that ID.', ['realmId']);
    if (afterSeq !== undefined && BigInt(afterSeq) < BigInt(bounds.prunedThroughSeq)) throw cursorExpired();
    // Read now, after the event the cursor names committed: a number past it is no event of this log.
    if (afterSeq !== undefined && BigInt(afterSeq) > BigInt(bounds.lastSeq)) throw cursorAhead();
    let feed = this.feeds.get(realmUuid);
    if (!feed) {
      feed = new RealmFeed(this.db, realmUuid, BigInt(bounds.lastSeq), this.options.windowSize, this.logger, () => this.feeds.delete(realmUuid));
      this.feeds.set(realmUuid, feed);
    }
    const subscriber = new Subscriber(this.db, feed, BigInt(afterSeq ?? bounds.lastSeq), accept);
    feed.add(subscriber);
    // Events may have committed between reading the bounds and joining the feed.
    feed.wake();
    return subscriber;
  }

  private wakeAll(): void {
    for (const feed of this.feeds.values()) feed.wake();
  }
}

/** What `RealmFeed.eventAt` answers for an event its window no longer holds. */
const behind = Symbol('behind the window');

/** One realm's new events, read once for all of this instance's subscribers to it. */
class RealmFeed {
  private readonly subscribers = new Set<Subscriber>();
  /** The events numbered `lastSeq - window.length + 1` … `lastSeq`, in order, as read. */
  private window: EventRow[] = [];
  private reading: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly db: Queryable,
    readonly realmUuid: string,
    /** The highest number this feed has read; every committed event up to it has been handed out. */
    private lastSeq: bigint,
    private readonly windowSize: number,
    private readonly logger: Logger,
    private readonly onEmpty: () => void,
  ) {}

  add(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.onEmpty();
  }

  close(): void {
    for (const subscriber of this.subscribers) subscriber.end();
    this.subscribers.clear();
    this.onEmpty();
  }

  /** The event numbered `seq`, if the window holds it; `behind` if it is older; undefined if not read yet. */
  eventAt(seq: bigint): EventRow | typeof behind | undefined {
    if (seq > this.lastSeq) return undefined;
    const offset = seq - (this.lastSeq - BigInt(this.window.length) + 1n);
    return offset < 0n ? behind : this.window[Number(offset)];
  }

  wake(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read()
      .catch((error: unknown) => this.logger.warn('reading new events failed', { realm: this.realmUuid, error: String(error) }))
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async read(): Promise<void> {
    for (;;) {
      const rows = await readEvents(this.db, this.realmUuid, this.lastSeq.toString(), feedPageSize);
      if (rows.length === 0) {
        // Woken with nothing new: the realm may be gone (deleteRealm notifies), and its streams end.
        if (!(await logBounds(this.db, this.realmUuid))) this.close();
        return;
      }
      // Numbers follow on (decision 19): a jump can only be retention, and the window starts afresh.
      if (BigInt(rows[0].seq) !== this.lastSeq + 1n) this.window = [];
      this.window.push(...rows);
      // How late the relay hears of events: once per event, here, where live events enter (a
      // subscriber's replay of old ones is no lag).
      for (const row of rows) metrics.eventRelayed(row.occurredAt);
      this.lastSeq = BigInt(rows[rows.length - 1].seq);
      this.trim();
      for (const subscriber of this.subscribers) subscriber.wake();
      if (rows.length < feedPageSize) return;
    }
  }

  /** Keeps what some subscriber has not passed yet, at most `windowSize` events. */
  private trim(): void {
    let slowest = this.lastSeq;
    for (const subscriber of this.subscribers) if (subscriber.position < slowest) slowest = subscriber.position;
    const first = this.lastSeq - BigInt(this.window.length) + 1n;
    const drop = Math.max(Number(slowest + 1n - first), this.window.length - this.windowSize, 0);
    if (drop > 0) this.window = this.window.slice(drop);
  }
}

/** One subscription's stream: an async iterator over the realm's events after its position. */
class Subscriber implements AsyncIterableIterator<EventRow> {
  /** Events read from the table for this subscriber alone, from `position + 1` on: it was behind the window. */
  private replay: EventRow[] = [];
  private replayed = 0;
  private done = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly feed: RealmFeed,
    /** The number of the last event this subscriber has passed (delivered or filtered out). */
    public position: bigint,
    private readonly accept: (event: EventRow) => boolean,
  ) {}

  /** Called by the feed when it has read more; never waits, so a slow subscriber slows neither the feed nor the others. */
  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  end(): void {
    this.done = true;
    this.wake();
  }

  async next(): Promise<IteratorResult<EventRow>> {
    while (!this.done) {
      const event = this.replayed < this.replay.length ? this.replay[this.replayed++] : this.feed.eventAt(this.position + 1n);
      if (event === behind) {
        await this.readBehind();
        continue;
      }
      if (event === undefined) {
        await new Promise<void>((resolve) => (this.waiter = resolve));
        continue;
      }
      this.position = BigInt(event.seq);
      if (this.accept(event)) {
        metrics.eventDelivered(event.type);
        return { value: event, done: false };
      }
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<EventRow>> {
    this.end();
    this.feed.remove(this);
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<EventRow>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EventRow> {
    return this;
  }

  /** The next page after this subscriber's position, from the table: the window has moved past it. */
  private async readBehind(): Promise<void> {
    const rows = await outageCoded(() => readEvents(this.db, this.feed.realmUuid, this.position.toString(), replayPageSize));
    // The window held later events, so the table had these: gone means retention removed them.
    if (rows.length === 0 || BigInt(rows[0].seq) !== this.position + 1n) throw cursorExpired();
    this.replay = rows;
    this.replayed = 0;
  }
}
