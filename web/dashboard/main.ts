import './dashboard.css';
import { storedToken, storeToken, tokenFromAddress } from '../shared/token';
import { ApiError, realmQuery, realmsQuery, request, type RealmData, type RealmOption } from './api';
import { LiveFeed, type ConnectionState } from './live';
import { DashboardState, feedLimit, type FeedItem, type GroupRow } from './state';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const view = {
  tokenForm: byId<HTMLFormElement>('token-form'),
  token: byId<HTMLInputElement>('token'),
  realm: byId<HTMLSelectElement>('realm'),
  connection: byId<HTMLSpanElement>('connection'),
  message: byId<HTMLParagraphElement>('message'),
  groups: byId<HTMLTableElement>('groups').tBodies[0],
  groupTotal: byId<HTMLElement>('group-total'),
  feed: byId<HTMLOListElement>('feed'),
};

const labels: Record<ConnectionState | 'idle', string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Unauthorized',
  ended: 'Ended',
};

let token = tokenFromAddress() ?? storedToken();
storeToken(token);
let live: LiveFeed | undefined;
let state: DashboardState | undefined;
/** Bumped whenever the realm or token changes, so that a late answer for the previous one is dropped. */
let generation = 0;
const rows = new Map<string, HTMLTableRowElement>();

/** Whether the message shown is about the connection: it goes once the page is live again. */
let connectionMessage = false;

function showMessage(text: string | undefined, kind: 'error' | 'info' = 'error'): void {
  view.message.hidden = !text;
  view.message.textContent = text ?? '';
  view.message.className = kind;
  connectionMessage = false;
}

function showConnection(connection: ConnectionState | 'idle', detail?: string): void {
  view.connection.dataset.state = connection;
  view.connection.textContent = labels[connection];
  if (connection === 'unauthorized' || connection === 'ended') {
    showMessage(detail ?? (connection === 'unauthorized' ? 'The token was refused. Enter a valid token.' : 'The event stream ended.'));
    connectionMessage = true;
  } else if (connection === 'live' && connectionMessage) {
    showMessage(undefined);
  }
}

function failed(error: unknown): void {
  if (error instanceof ApiError && error.isAuth) {
    showConnection('unauthorized', `The token was refused (${error.code ?? error.status}): ${error.message}`);
  } else {
    showConnection('idle');
    showMessage(error instanceof Error ? error.message : String(error));
  }
}

async function loadRealms(): Promise<void> {
  const mine = ++generation;
  live?.stop();
  if (!token) {
    showConnection('idle');
    showMessage('Enter an API token with events:read, groups:read, identities:read and invitations:read (or add ?token= to the address).', 'info');
    return;
  }
  let realms: RealmOption[];
  try {
    const data = await request<{ realms: { edges: Array<{ node: RealmOption }> } }>(realmsQuery, {}, token);
    realms = data.realms.edges.map((edge) => edge.node);
  } catch (error) {
    if (mine === generation) failed(error);
    return;
  }
  if (mine !== generation) return;
  const wanted = new URL(location.href).searchParams.get('realm') ?? (realms.length === 1 ? realms[0].id : '');
  const options = realms.map((realm) => new Option(`${realm.displayName} (${realm.name})`, realm.id));
  if (wanted && !realms.some((realm) => realm.id === wanted)) options.unshift(new Option(wanted, wanted));
  view.realm.replaceChildren(new Option('Choose a realm…', ''), ...options);
  view.realm.disabled = false;
  view.realm.value = wanted;
  if (wanted) await openRealm(wanted);
  else {
    showConnection('idle');
    showMessage(realms.length ? 'Choose a realm.' : 'This token sees no realm.', 'info');
  }
}

async function openRealm(realmId: string): Promise<void> {
  const mine = ++generation;
  live?.stop();
  live = undefined;
  const url = new URL(location.href);
  url.searchParams.set('realm', realmId);
  history.replaceState(history.state, '', url);
  showMessage(undefined);
  showConnection('connecting');
  let data: RealmData;
  try {
    data = await request<RealmData>(realmQuery, { id: realmId }, token);
  } catch (error) {
    if (mine === generation) failed(error);
    return;
  }
  if (mine !== generation) return;
  if (!data.realm) {
    showConnection('idle');
    showMessage('No realm has this ID, or the token does not reach it.');
    return;
  }
  const { groups } = data.realm;
  const current = (state = new DashboardState(
    groups.edges.map((edge) => edge.node),
    data.realm.lastEventCursor,
  ));
  view.groupTotal.textContent = groups.totalCount > groups.edges.length ? `(first ${groups.edges.length} of ${groups.totalCount})` : `(${groups.totalCount})`;
  renderGroups();
  view.feed.replaceChildren();
  live = new LiveFeed({
    token,
    realmId,
    cursors: current.cursors,
    onMembership: (event) => showChange(current.applyMembership(event), current),
    onInvitation: (event) => {
      if (current.applyInvitation(event)) showEvent(current.feed[0]);
    },
    onGroup: (event) => showChange(current.applyGroup(event), current),
    onState: (connection, detail) => {
      if (mine === generation) showConnection(connection, detail);
    },
    onCursorExpired: () => {
      if (mine === generation) void openRealm(realmId);
    },
    onError: (message) => showMessage(message),
  });
}

/** A group's row after an event (gone when `row` is null), and the event at the top of the feed; nothing for an event seen before. */
function showChange(change: { groupId: string; row: GroupRow | null } | undefined, current: DashboardState): void {
  if (!change) return;
  if (change.row) showGroup(change.row);
  else removeGroup(change.groupId);
  showEvent(current.feed[0]);
}

function renderGroups(): void {
  rows.clear();
  view.groups.replaceChildren(...state!.sortedGroups().map(groupRow));
}

function groupRow(group: GroupRow): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.groupId = group.id;
  const name = row.insertCell();
  name.textContent = group.name;
  const count = row.insertCell();
  count.className = 'count';
  count.textContent = String(group.memberCount);
  rows.set(group.id, row);
  return row;
}

function showGroup(group: GroupRow): void {
  const row = rows.get(group.id);
  if (!row) return renderGroups(); // a group the page had not listed: it takes its place by name
  row.cells[0].textContent = group.name;
  row.cells[1].textContent = String(group.memberCount);
  row.classList.remove('changed');
  void row.offsetWidth; // restart the highlight
  row.classList.add('changed');
}

function removeGroup(groupId: string): void {
  rows.get(groupId)?.remove();
  rows.delete(groupId);
}

const feedKinds: Record<FeedItem['kind'], string> = { membership: 'MEMBER', invitation: 'INVITATION', group: 'GROUP' };

function showEvent(item: FeedItem): void {
  const entry = document.createElement('li');
  Object.assign(entry.dataset, { eventId: item.id, cursor: item.cursor, kind: item.kind, type: item.type });
  const time = document.createElement('time');
  time.dateTime = item.occurredAt;
  time.textContent = new Date(item.occurredAt).toLocaleTimeString();
  const type = document.createElement('span');
  type.className = `type ${item.type}`;
  type.textContent = `${feedKinds[item.kind]} ${item.type.replace('_', ' ')}`;
  const what = document.createElement('span');
  what.textContent =
    item.kind === 'membership'
      ? `${item.subject} ${item.type === 'ADDED' ? '→' : '✕'} ${item.object}`
      : item.kind === 'group'
        ? `${item.subject}${item.object ? ` (${item.object} removed)` : ''}`
        : `${item.subject}${item.object ? ` (now ${item.object})` : ''}`;
  if (item.actor) {
    const by = document.createElement('span');
    by.className = 'by';
    by.textContent = ` by ${item.actor}`;
    what.append(by);
  }
  entry.append(time, type, what);
  view.feed.prepend(entry);
  while (view.feed.children.length > feedLimit) view.feed.lastElementChild!.remove();
}

view.token.value = token;
view.tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  token = view.token.value.trim();
  storeToken(token);
  void loadRealms();
});
view.realm.addEventListener('change', () => {
  if (view.realm.value) void openRealm(view.realm.value);
});
void loadRealms();
