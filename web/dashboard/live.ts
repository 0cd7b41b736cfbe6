import { createClient, type Client } from 'graphql-ws';
import { authorization, graphqlWsUrl } from '../shared/token';
import type { Cursors, GroupEvent, InvitationEvent, MembershipEvent } from './state';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'ended';

export const membershipSubscription = `subscription DashboardMemberships($realmId: ID!, $after: String) {
  membershipChanged(realmId: $realmId, after: $after) {
    cursor id type occurredAt groupId identityId
    group { id name memberCount }
    identity { username }
    actor { name }
  }
}`;

export const invitationSubscription = `subscription DashboardInvitations($realmId: ID!, $after: String) {
  invitationChanged(realmId: $realmId, after: $after) {
    cursor id type occurredAt invitationId
    invitation { email status }
    actor { name }
  }
}`;

/**
 * Groups created, renamed and deleted: a deletion ends the group's memberships with this one event
 * (no MEMBERSHIP_REMOVED each), so the table learns of it here.
 */
export const groupSubscription = `subscription DashboardGroups($realmId: ID!, $after: String) {
  realmEvents(realmId: $realmId, types: [GROUP_CREATED, GROUP_UPDATED, GROUP_DELETED], after: $after) {
    cursor id type occurredAt groupId data
    group { id name memberCount }
    actor { name }
  }
}`;

interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string };
}

export interface LiveOptions {
  token: string;
  realmId: string;
  /** Read at every (re)connection: each subscription resumes after the last event it handled. */
  cursors: Cursors;
  onMembership(event: MembershipEvent): void;
  onInvitation(event: InvitationEvent): void;
  onGroup(event: GroupEvent): void;
  onState(state: ConnectionState, detail?: string): void;
  /** A cursor older than the event log keeps: the page reloads its data and starts again. */
  onCursorExpired(): void;
  onError(message: string): void;
}

/** graphql-ws close codes the server uses for tokens (src/server/auth.ts). */
const unauthorizedClose = 4401;
const tokenEndedClose = 4403;
/**
 * "Try Again Later": the server's database is out of reach (SERVICE_UNAVAILABLE), the address failed
 * to authenticate too often (RATE_LIMITED), or the token has too many connections. graphql-ws
 * retries it by itself; the reason says which, prefixed by its code.
 */
const tryAgainLaterClose = 1013;

/** 0.25 s, 0.5 s, 1 s … at most 5 s, with jitter so that many dashboards do not come back at once. */
const backoff = (attempt: number) => Math.min(250 * 2 ** attempt, 5000) * (1 + Math.random() / 4);

type StreamName = 'membership' | 'invitation' | 'group';

const closeCode = (value: unknown): number | undefined =>
  typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number' ? value.code : undefined;

/**
 * The realm's membership and invitation events over one WebSocket that reconnects by itself.
 *
 * graphql-ws would re-send a subscription after a reconnect with the variables it was first given,
 * i.e. replay everything since the page loaded. Instead the subscriptions live for one connection:
 * they are dropped when it closes and made again on `connected`, each `after` the cursor of the last
 * event it handled, so the server replays exactly what was missed, in order, then goes on live.
 *
 * A subscription refused with SERVICE_UNAVAILABLE (the server's database was out of reach; the
 * connection stays open) is made again the same way after a backoff, from its own last cursor.
 */
export class LiveFeed {
  private readonly client: Client;
  private readonly streams = new Map<StreamName, () => void>();
  /** Streams waiting to be made again, and how many times in a row each was refused. */
  private readonly waiting = new Map<StreamName, ReturnType<typeof setTimeout>>();
  private readonly attempts = new Map<StreamName, number>();
  private stopped = false;

  constructor(private readonly options: LiveOptions) {
    this.client = createClient({
      url: graphqlWsUrl(),
      lazy: false,
      retryAttempts: Infinity,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoff(retries))),
      // A refused or revoked token will not get better by retrying; 1013 and the rest will.
      shouldRetry: (event) => {
        const code = closeCode(event);
        return code !== unauthorizedClose && code !== tokenEndedClose;
      },
      connectionParams: () => ({ authorization: authorization(options.token) }),
      onNonLazyError: () => {
        // Reported through `closed` below.
      },
      on: {
        connecting: (isRetry) => options.onState(isRetry ? 'reconnecting' : 'connecting'),
        connected: () => {
          this.subscribe();
          options.onState('live');
        },
        closed: (event) => {
          this.unsubscribe();
          if (this.stopped) return;
          const code = closeCode(event);
          const reason = typeof event === 'object' && event !== null && 'reason' in event ? String(event.reason) : '';
          if (code === unauthorizedClose) options.onState('unauthorized', `The server refused the token (${code}): ${reason || 'check it'}.`);
          else if (code === tokenEndedClose) options.onState('unauthorized', `The token was revoked or has expired (${code}). Enter a valid token.`);
          else if (code === tryAgainLaterClose) options.onState('reconnecting', reason || 'The server asks to try again later.');
          else options.onState('reconnecting');
        },
      },
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    void this.client.dispose();
  }

  private subscribe(): void {
    this.unsubscribe();
    this.start('membership');
    this.start('invitation');
    this.start('group');
  }

  private unsubscribe(): void {
    for (const dispose of this.streams.values()) dispose();
    this.streams.clear();
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }

  /** (Re)subscribes one stream after the cursor of the last event it handled. */
  private start(name: StreamName): void {
    this.streams.get(name)?.();
    const { cursors } = this.options;
    const dispose =
      name === 'membership'
        ? this.stream<MembershipEvent>(name, membershipSubscription, cursors.membership, 'membershipChanged', (event) => this.options.onMembership(event))
        : name === 'invitation'
          ? this.stream<InvitationEvent>(name, invitationSubscription, cursors.invitation, 'invitationChanged', (event) => this.options.onInvitation(event))
          : this.stream<GroupEvent>(name, groupSubscription, cursors.group, 'realmEvents', (event) => this.options.onGroup(event));
    this.streams.set(name, dispose);
  }

  /** The server could not reach its database for this subscription: again after a backoff, from its last cursor. */
  private retryLater(name: StreamName, detail: string): void {
    this.streams.get(name)?.();
    this.streams.delete(name);
    const attempt = this.attempts.get(name) ?? 0;
    this.attempts.set(name, attempt + 1);
    this.options.onState('reconnecting', detail);
    this.waiting.set(
      name,
      setTimeout(() => {
        if (this.stopped || !this.waiting.delete(name)) return;
        this.start(name);
        // Made again; a new refusal would say so at once (the server authenticates it first).
        if (this.waiting.size === 0) this.options.onState('live');
      }, backoff(attempt)),
    );
  }

  private stream<T>(name: StreamName, query: string, after: string, field: string, handle: (event: T) => void): () => void {
    let disposed = false;
    const dispose = this.client.subscribe<Record<string, T>>(
      { query, variables: { realmId: this.options.realmId, after } },
      {
        next: (result) => {
          const errors = (result.errors ?? []) as GraphQLErrorLike[];
          const event = result.data?.[field];
          // An event the server could not complete (its entities not read): not handled, so its
          // cursor is not passed; resubscribing replays it.
          if (!event && errors.some(isUnavailable)) return this.retryLater(name, `${field}: ${describe(errors)}`);
          if (errors.length) this.options.onError(`${field}: ${describe(errors)}`);
          if (event) {
            this.attempts.delete(name);
            handle(event);
          }
        },
        error: (error) => {
          if (disposed || closeCode(error) !== undefined) return; // a closed socket: `closed` handles it
          const errors = Array.isArray(error) ? (error as GraphQLErrorLike[]) : [{ message: String(error) }];
          if (errors.some(isUnavailable)) this.retryLater(name, `${field}: ${describe(errors)}`);
          else if (errors.some((e) => e.extensions?.code === 'EVENT_CURSOR_EXPIRED' || e.extensions?.code === 'EVENT_CURSOR_AHEAD')) this.options.onCursorExpired();
          else if (errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED' || e.extensions?.code === 'FORBIDDEN')) {
            this.options.onState('unauthorized', `${field}: ${describe(errors)}`);
          } else this.options.onError(`${field}: ${describe(errors)}`);
        },
        complete: () => {
          // The server completes a realm's subscriptions when the realm is deleted.
          if (!disposed && !this.stopped) this.options.onState('ended', 'The realm was deleted.');
        },
      },
    );
    return () => {
      disposed = true;
      dispose();
    };
  }
}

const isUnavailable = (error: GraphQLErrorLike) => error.extensions?.code === 'SERVICE_UNAVAILABLE';

function describe(errors: readonly GraphQLErrorLike[]): string {
  return errors.map((error) => (error.extensions?.code ? `${error.extensions.code}: ${error.message}` : error.message)).join('; ');
}
