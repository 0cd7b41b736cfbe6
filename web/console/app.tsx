/** @jsxImportSource preact */
import { Provider, useQuery } from '@urql/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { storedToken, storeToken, tokenFromAddress } from '../shared/token';
import { consoleClient } from './client';
import { ConnectionStore, useConnection, type ConnectionSnapshot } from './connection';
import { realmByNameQuery, realmsQuery, viewerQuery } from './documents';
import { problemOf } from './errors';
import { follow, hrefOf, navigate, useRoute, type Route, type View } from './route';
import { SessionContext, type RealmRef, type Session } from './session';
import { Alert } from './ui';
import { EventsView } from './views/events';
import { GroupView } from './views/group';
import { GroupsView } from './views/groups';
import { IdentitiesView } from './views/identities';
import { IdentityView } from './views/identity';
import { InvitationsView } from './views/invitations';

/** ?token= wins over the stored token, once, and leaves the address (web/shared/token.ts). */
function initialToken(): string {
  const fromAddress = tokenFromAddress();
  if (fromAddress !== undefined) storeToken(fromAddress);
  return fromAddress ?? storedToken();
}

export function App() {
  const [token, setToken] = useState(initialToken);
  const signIn = (next: string) => {
    storeToken(next);
    setToken(next);
  };
  // One client (and one WebSocket) per token: signing in with another starts from an empty cache.
  const live = useMemo(() => {
    if (!token) return null;
    const connection = new ConnectionStore();
    return { connection, ...consoleClient(token, connection) };
  }, [token]);
  useEffect(() => () => live?.dispose(), [live]);

  if (!live) {
    return (
      <>
        <Header token="" onToken={signIn} />
        <main>
          <p class="empty">Sign in with an API token to use the console.</p>
        </main>
      </>
    );
  }
  return (
    <Provider value={live.client}>
      <SignedIn token={token} onToken={signIn} connection={live.connection} />
    </Provider>
  );
}

const statusText: Record<ConnectionSnapshot['state'], string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

function ConnectionStatus(props: { snapshot?: ConnectionSnapshot }) {
  const snapshot = props.snapshot ?? { state: 'idle' as const, generation: 0 };
  return (
    <>
      <span id="connection" class="status" role="status" data-state={snapshot.state} title={snapshot.detail}>
        {snapshot.state === 'offline' && snapshot.detail ? snapshot.detail : statusText[snapshot.state]}
      </span>
      <span class="status slow" role="status">
        {snapshot.slow ? 'Waiting for the server…' : ''}
      </span>
    </>
  );
}

function Header(props: { token: string; onToken(token: string): void; tokenName?: string; scopes?: readonly string[]; snapshot?: ConnectionSnapshot; realmPicker?: ComponentChildren }) {
  const [typed, setTyped] = useState('');
  return (
    <header>
      <h1>realmgraph console</h1>
      {props.token ? (
        <div class="signed-in">
          <span>Signed in with {props.tokenName ?? 'a token'}</span>
          {props.scopes && (
            <details class="scopes">
              <summary>What this token may do</summary>
              <ul aria-label="What this token may do">
                {props.scopes.map((scope) => (
                  <li key={scope}>{scope}</li>
                ))}
              </ul>
            </details>
          )}
          <button type="button" onClick={() => props.onToken('')}>
            Sign out
          </button>
        </div>
      ) : (
        <form
          class="token-form"
          autoComplete="off"
          onSubmit={(event) => {
            event.preventDefault();
            if (typed.trim()) props.onToken(typed.trim());
          }}
        >
          <label for="token">API token</label>
          <input id="token" type="password" spellcheck={false} placeholder="rg_…" value={typed} onInput={(event) => setTyped(event.currentTarget.value)} />
          <button type="submit">Sign in</button>
        </form>
      )}
      {props.realmPicker}
      {props.token && <ConnectionStatus snapshot={props.snapshot} />}
      <a href="/graphiql">GraphiQL</a>
    </header>
  );
}

type Viewer = { id: string; name: string; scopes: string[]; effectiveScopes: string[]; realmId: string | null };
type RealmsData = { realms: { edges: Array<{ node: RealmRef }> } };

function SignedIn(props: { token: string; onToken(token: string): void; connection: ConnectionStore }) {
  const snapshot = useConnection(props.connection);
  const route = useRoute();
  const [viewerResult] = useQuery<{ viewer: Viewer }>({ query: viewerQuery });
  const viewer = viewerResult.data?.viewer;
  const scopes = useMemo(() => new Set(viewer?.effectiveScopes ?? []), [viewer]);
  const [realmsResult] = useQuery<RealmsData>({ query: realmsQuery, pause: !viewer || !scopes.has('realms:read') });
  const listed = realmsResult.data?.realms.edges.map((edge) => edge.node) ?? [];
  const inList = listed.find((candidate) => candidate.name === route.realm);
  // The list holds the first 100 realms: one named in the address past them is asked for by name.
  const [byNameResult] = useQuery<{ realm: RealmRef | null }>({ query: realmByNameQuery, variables: { name: route.realm ?? '' }, pause: !route.realm || !realmsResult.data || Boolean(inList) });
  const realm = inList ?? byNameResult.data?.realm ?? (route.realm ? undefined : listed[0]);
  const realms = realm && !listed.some((candidate) => candidate.id === realm.id) ? [...listed, realm] : listed;
  const realmUnknown = !realm && (route.realm ? byNameResult.data !== undefined : realmsResult.data !== undefined);

  // With no ?realm=, the first realm is opened and named in the address.
  useEffect(() => {
    if (!route.realm && realm) navigate({ ...route, realm: realm.name }, { replace: true });
  }, [route.realm, realm?.name]);

  const session: Session | null = useMemo(
    () => (realm ? { realm, can: (scope: string) => scopes.has(scope), generation: snapshot.generation } : null),
    [realm?.id, scopes, snapshot.generation],
  );

  const picker = realms.length > 0 && (
    <div class="field inline">
      <label for="realm">Realm</label>
      <select id="realm" value={realm?.name ?? ''} onChange={(event) => navigate({ view: route.view === 'events' || route.view === 'invitations' || route.view === 'groups' ? route.view : 'identities', realm: event.currentTarget.value })}>
        {!realm && <option value="">—</option>}
        {realms.map((option) => (
          <option key={option.id} value={option.name}>
            {option.displayName}
          </option>
        ))}
      </select>
    </div>
  );

  const failed = problemOf(viewerResult.error) ?? problemOf(realmsResult.error);
  return (
    <>
      <Header token={props.token} onToken={props.onToken} tokenName={viewer?.name} scopes={viewer?.effectiveScopes} snapshot={snapshot} realmPicker={picker} />
      {realm && <Navigation route={route} can={(scope) => scopes.has(scope)} />}
      <main>
        <Alert problem={failed} />
        {viewer && !scopes.has('realms:read') && <p class="empty">This token may not read realms (it lacks realms:read): the console has nothing to show.</p>}
        {realmUnknown && <p class="empty">{route.realm ? `There is no realm named “${route.realm}” that this token reaches.` : 'This token reaches no realm yet.'}</p>}
        {session && (
          <SessionContext.Provider value={session}>
            {/* Keyed by the realm: another realm's view starts afresh (its first page, no search). */}
            <CurrentView key={realm!.id} route={route} can={(scope) => scopes.has(scope)} />
          </SessionContext.Provider>
        )}
      </main>
    </>
  );
}

const sections: ReadonlyArray<{ view: View; label: string; scope: string; also?: View }> = [
  { view: 'identities', label: 'Identities', scope: 'identities:read', also: 'identity' },
  { view: 'groups', label: 'Groups', scope: 'groups:read', also: 'group' },
  { view: 'invitations', label: 'Invitations', scope: 'invitations:read' },
  { view: 'events', label: 'Events', scope: 'events:read' },
];

function Navigation(props: { route: Route; can(scope: string): boolean }) {
  return (
    <nav aria-label="Console">
      <ul>
        {sections
          .filter((section) => props.can(section.scope))
          .map((section) => {
            const to = { realm: props.route.realm, view: section.view };
            const shown = shownView(props.route, props.can);
            const current = shown === section.view || shown === section.also;
            return (
              <li key={section.view}>
                <a href={hrefOf(to)} onClick={follow(to)} aria-current={current ? 'page' : undefined}>
                  {section.label}
                </a>
              </li>
            );
          })}
      </ul>
    </nav>
  );
}

/** The view shown: the address's, or — with none named — the first section the token may read. */
const shownView = (route: Route, can: (scope: string) => boolean): View =>
  route.view !== 'identities' || can('identities:read') ? route.view : (sections.find((section) => can(section.scope))?.view ?? route.view);

function CurrentView(props: { route: Route; can(scope: string): boolean }) {
  const { route } = props;
  switch (shownView(route, props.can)) {
    case 'identity':
      return route.id ? <IdentityView id={route.id} /> : <IdentitiesView />;
    case 'groups':
      return <GroupsView />;
    case 'group':
      return route.id ? <GroupView id={route.id} /> : <GroupsView />;
    case 'invitations':
      return <InvitationsView />;
    case 'events':
      return <EventsView />;
    default:
      return <IdentitiesView />;
  }
}
