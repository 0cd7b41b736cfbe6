/** @jsxImportSource preact */
import { useClient, useQuery, useSubscription } from '@urql/preact';
import { useState } from 'preact/hooks';
import { actorsQuery, eventsQuery, realmEventsSubscription } from '../documents';
import { problemOf, type Problem } from '../errors';
import { schemaFacts } from '../schema-facts';
import { useFreshOnReconnect, useSession, type Session } from '../session';
import { Alert, DateTime, SelectField, ViewTitle } from '../ui';

export type EventNode = {
  id: string;
  cursor: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
  actor: { id: string; name: string } | null;
  identity?: { id: string; displayName: string } | null;
  group?: { id: string; name: string } | null;
};

type EventsData = {
  realm: { id: string; lastEventCursor: string | null; events: { edges: Array<{ node: EventNode }>; pageInfo: { hasPreviousPage: boolean; startCursor: string | null } } | null } | null;
};

/** IDENTITY_STATUS_CHANGED → "Identity status changed". */
const typeLabel = (type: string) => type.charAt(0) + type.slice(1).toLowerCase().replace(/_/g, ' ');

type Snapshot = { displayName?: string; name?: string; email?: string } | undefined;
type Change = { before: unknown; after: unknown };

/**
 * Who and what the event is about, in a few words: the identity's and group's names as they are
 * now, else as the event's snapshot recorded them (a deleted one's), and what changed.
 */
function summaryOf(event: EventNode): string {
  const data = event.data ?? {};
  const parts: string[] = [];
  const who = event.identity?.displayName ?? (data.identity as Snapshot)?.displayName ?? (data.mergedIdentity as Snapshot)?.displayName;
  const what = event.group?.name ?? (data.group as Snapshot)?.name ?? (typeof data.name === 'string' ? data.name : undefined);
  if (who) parts.push(who);
  if (what) parts.push(event.type.startsWith('MEMBERSHIP_') ? `${event.type === 'MEMBERSHIP_ADDED' ? 'to' : 'from'} ${what}` : what);
  if (typeof data.email === 'string' && !who) parts.push(data.email);
  const changes = data.changes as Record<string, Change> | undefined;
  if (changes) parts.push(Object.entries(changes).map(([field, change]) => `${field}: ${String(change.before ?? '—')} → ${String(change.after ?? '—')}`).join(', '));
  return parts.join(' ');
}

export function EventItem(props: { event: EventNode; live?: boolean }) {
  const { event } = props;
  const summary = summaryOf(event);
  return (
    <li data-event-id={event.id} data-type={event.type} class={props.live ? 'live' : undefined}>
      <span class="event-type">{typeLabel(event.type)}</span>
      <span class="event-summary">{summary}</span>
      <span class="event-actor">{event.actor ? `by ${event.actor.name}` : 'by the system'}</span>
      <DateTime value={event.occurredAt} />
    </li>
  );
}

/** Whether events can show the names of their identity and group (else the snapshot's, or none). */
export const namesReadable = (session: Session) => session.can('identities:read') && session.can('groups:read');

const typeOptions = [['', 'All types'], ...schemaFacts.eventTypes.map((type) => [type, typeLabel(type)] as const)] as ReadonlyArray<readonly [string, string]>;

/** The realm's audit list: latest first, filtered by type and actor, older pages on demand, live. */
export function EventsView() {
  const session = useSession();
  const [type, setType] = useState('');
  const [actorId, setActorId] = useState('');
  const types = type ? [type] : null;
  const [result, refetch] = useQuery<EventsData>({ query: eventsQuery, variables: { realmId: session.realm.id, types, actorId: actorId || null, names: namesReadable(session) }, requestPolicy: 'network-only' });
  useFreshOnReconnect(refetch);
  const [actorsResult] = useQuery<{ apiTokens: { edges: Array<{ node: { id: string; name: string } }> } }>({ query: actorsQuery, pause: !session.can('tokens:write') });
  const realm = result.data?.realm;
  const firstPage = realm?.events;

  const actors = new Map<string, string>();
  for (const { node } of actorsResult.data?.apiTokens.edges ?? []) actors.set(node.id, node.name);
  for (const { node } of firstPage?.edges ?? []) if (node.actor) actors.set(node.actor.id, node.actor.name);
  const actorOptions = [['', 'All actors'], ...[...actors].sort((a, b) => a[1].localeCompare(b[1]))] as ReadonlyArray<readonly [string, string]>;

  return (
    <section aria-labelledby="events-title">
      <ViewTitle id="events-title" title="Events" />
      <div class="filters">
        <SelectField label="Event type" value={type} options={typeOptions} onValue={setType} />
        <SelectField label="Actor" value={actorId} options={actorOptions} onValue={setActorId} />
      </div>
      <Alert problem={problemOf(result.error)} />
      {realm && firstPage && (
        // A new filter or a reconnection starts the list again, from a fresh cursor.
        <EventList
          key={`${type}|${actorId}|${session.generation}|${realm.lastEventCursor}`}
          first={firstPage}
          liveAfter={realm.lastEventCursor}
          types={types}
          actorId={actorId || null}
        />
      )}
    </section>
  );
}

function EventList(props: {
  first: NonNullable<NonNullable<EventsData['realm']>['events']>;
  liveAfter: string | null;
  types: string[] | null;
  actorId: string | null;
}) {
  const session = useSession();
  const client = useClient();
  const [older, setOlder] = useState<EventNode[]>([]);
  const [start, setStart] = useState({ hasPrevious: props.first.pageInfo.hasPreviousPage, cursor: props.first.pageInfo.startCursor });
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  // New events, newest first; a replay after a reconnection repeats none (by ID).
  const [live] = useSubscription<{ realmEvents: EventNode }, EventNode[]>(
    { query: realmEventsSubscription, variables: { realmId: session.realm.id, types: props.types, after: props.liveAfter, names: namesReadable(session) }, pause: !props.liveAfter },
    (events = [], data) => (events.some((event) => event.id === data.realmEvents.id) || (props.actorId && data.realmEvents.actor?.id !== props.actorId) ? events : [data.realmEvents, ...events]),
  );
  const loaded = [...props.first.edges.map((edge) => edge.node)].reverse().concat(older);
  const shown = [...(live.data ?? []), ...loaded];

  return (
    <>
      <Alert problem={problem ?? problemOf(live.error)} />
      {shown.length === 0 ? (
        <p class="empty">No events{props.types || props.actorId ? ' match' : ' yet'}.</p>
      ) : (
        <ol class="events" aria-label="Events">
          {(live.data ?? []).map((event) => (
            <EventItem key={event.id} event={event} live />
          ))}
          {loaded.map((event) => (
            <EventItem key={event.id} event={event} />
          ))}
        </ol>
      )}
      {start.hasPrevious && start.cursor && (
        <button
          type="button"
          disabled={loading}
          onClick={async () => {
            setLoading(true);
            const page = await client.query<EventsData>(eventsQuery, { realmId: session.realm.id, before: start.cursor, types: props.types, actorId: props.actorId, names: namesReadable(session) }, { requestPolicy: 'network-only' }).toPromise();
            setLoading(false);
            const events = page.data?.realm?.events;
            setProblem(problemOf(page.error));
            if (!events) return;
            setOlder((current) => current.concat([...events.edges.map((edge) => edge.node)].reverse()));
            setStart({ hasPrevious: events.pageInfo.hasPreviousPage, cursor: events.pageInfo.startCursor });
          }}
        >
          Load older
        </button>
      )}
    </>
  );
}
