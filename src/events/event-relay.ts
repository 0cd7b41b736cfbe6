import { AppError, ErrorCode } from '../common/errors';
import type { NotificationListener } from '../db/notification-listener';
import type { Queryable } from '../db/queryable';
import type { Logger } from '../logger';
import { eventChannel } from './event-log';
import { logBounds, readEvents, type EventRow } from './event.repository';

const feedPageSize = 1000;
const replayPageSize = 500;

export interface RelayOptions {
  /** A subscriber with more events waiting than this is dropped to catching up from the database. */
  bufferLimit: number;
  /** A safety net under NOTIFY: feeds look for new events this often anyway. */
  pollIntervalMs: number;
}

export const cursorExpired = () =>
  new AppError(
    ErrorCode.EVENT_CURSOR_EXPIRED,
    'Events after this cursor are no longer kept (see EVENT_RETENTION_DAYS). Reload the data, then subscribe after its Realm.lastEventCursor.',
    ['after'],
  );

/**
 * Delivers committed events to this instance's subscribers. PostgreSQL is the bus: every
 * instance LISTENs on one channel (on its NotificationListener), appendEvents NOTIFYs it at commit,
 * and the rows are the truth — a notification only says "realm R has events up to N". Per realm
 * with subscribers, one feed reads the new rows once and hands them to every subscriber; each
 * subscriber keeps its own position, fills any gap (a resume, a dropped buffer, a missed
 * notification) from the table, and skips what it has already passed, so the stream has no gap and
 * no duplicate.
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
   * `accept` keeps. Throws EVENT_CURSOR_EXPIRED when retention removed some of them.
   */
  async stream(realmUuid: string, afterSeq: string | undefined, accept: (event: EventRow) => boolean): Promise<AsyncIterableIterator<EventRow>> {
    const bounds = await logBounds(this.db, realmUuid);
    if (!bounds) throw new AppError(ErrorCode.NOT_FOUND, 'No realm has that ID.', ['realmId']);
    if (afterSeq !== undefined && BigInt(afterSeq) < BigInt(bounds.prunedThroughSeq)) throw cursorExpired();
    let feed = this.feeds.get(realmUuid);
    if (!feed) {
      feed = new RealmFeed(this.db, realmUuid, BigInt(bounds.lastSeq), this.logger, () => this.feeds.delete(realmUuid));
      this.feeds.set(realmUuid, feed);
    }
    const subscriber = new Subscriber(this.db, feed, BigInt(afterSeq ?? bounds.lastSeq), accept, this.options.bufferLimit);
    feed.add(subscriber);
    // Events may have committed between reading the bounds and joining the feed.
    feed.wake();
    return subscriber;
  }

  private wakeAll(): void {
    for (const feed of this.feeds.values()) feed.wake();
  }
}

/** One realm's new events, read once for all of this instance's subscribers to it. */
class RealmFeed {
  private readonly subscribers = new Set<Subscriber>();
  private reading: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly db: Queryable,
    readonly realmUuid: string,
    /** The highest number this feed has read; every committed event up to it has been handed out. */
    public lastSeq: bigint,
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
      this.lastSeq = BigInt(rows[rows.length - 1].seq);
      for (const subscriber of this.subscribers) subscriber.push(rows);
      if (rows.length < feedPageSize) return;
    }
  }
}

/** One subscription's stream: an async iterator over the realm's events after its position. */
class Subscriber implements AsyncIterableIterator<EventRow> {
  private buffer: EventRow[] = [];
  private lagging = false;
  private done = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly feed: RealmFeed,
    /** The number of the last event this subscriber has passed (delivered or filtered out). */
    private position: bigint,
    private readonly accept: (event: EventRow) => boolean,
    private readonly bufferLimit: number,
  ) {}

  /** Called by the feed; never waits, so a slow subscriber slows neither the feed nor the others. */
  push(rows: readonly EventRow[]): void {
    if (this.done) return;
    if (this.buffer.length + rows.length > this.bufferLimit) {
      // Too far behind: forget the buffer, and catch up from the table at this subscriber's pace.
      this.buffer = [];
      this.lagging = true;
    } else {
      for (const row of rows) this.buffer.push(row);
    }
    this.signal();
  }

  end(): void {
    this.done = true;
    this.signal();
  }

  async next(): Promise<IteratorResult<EventRow>> {
    while (!this.done) {
      const head = this.buffer[0];
      const behind = head ? BigInt(head.seq) > this.position + 1n : this.lagging || this.position < this.feed.lastSeq;
      if (behind) {
        this.lagging = false;
        const rows = await readEvents(this.db, this.feed.realmUuid, this.position.toString(), replayPageSize);
        if (rows.length > 0 && BigInt(rows[0].seq) !== this.position + 1n) throw cursorExpired();
        if (rows.length > 0) {
          this.buffer = rows.concat(this.buffer);
          continue;
        }
      }
      const event = this.buffer.shift();
      if (!event) {
        await new Promise<void>((resolve) => (this.waiter = resolve));
        continue;
      }
      const seq = BigInt(event.seq);
      if (seq <= this.position) continue;
      if (seq > this.position + 1n) {
        this.buffer.unshift(event);
        // The table has nothing for the gap yet (cannot happen with committed numbers); wait.
        await new Promise<void>((resolve) => (this.waiter = resolve));
        continue;
      }
      this.position = seq;
      if (this.accept(event)) return { value: event, done: false };
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

  private signal(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
