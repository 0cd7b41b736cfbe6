import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addMembers, createGroup, createIdentities, createRealm, inviteIdentity, type Ref } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';
import { describeInBrowser, skipBrowser, isLocal, launchChromium, watchedPage, type Watched } from './chromium';
import { flakyNetwork, type FlakyNetwork } from './proxy';

let server: TestServer;
let browser: Browser;
const origin = () => server.url.replace(/\/graphql$/, '');

beforeAll(async () => {
  if (skipBrowser) return;
  // No background jobs: the log holds exactly the events the tests cause (no INVITATION_SENT racing in).
  server = await startTestServer({ runJobs: false });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openDashboard(context: BrowserContext, base: string, realmId: string, token = server.adminToken): Promise<Watched> {
  const watched = await watchedPage(context);
  await watched.page.goto(`${base}/dashboard?realm=${encodeURIComponent(realmId)}&token=${encodeURIComponent(token)}`);
  return watched;
}

const connection = (page: Page) => page.locator('#connection');
const waitForState = (page: Page, state: string, timeout = 10_000) => page.waitForSelector(`#connection[data-state="${state}"]`, { timeout });
const countOf = (page: Page, group: Ref) => page.locator(`#groups tr[data-group-id="${group.id}"] .count`);

/** The feed's event IDs of one kind, oldest first (the page shows the newest on top). */
const feedIds = (page: Page, kind: 'membership' | 'invitation') =>
  page.locator(`#feed li[data-kind="${kind}"]`).evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.eventId!).reverse());

/** The realm's log after `after`, as Realm.events lists it, oldest first. */
async function loggedIds(realmId: string, after: string, types: string[]): Promise<string[]> {
  const data = await server.ok(
    `query($id: ID!, $after: String, $types: [RealmEventType!]) { realm(id: $id) { events(after: $after, first: 100, types: $types) { edges { node { id } } } } }`,
    { id: realmId, after, types },
  );
  return data.realm.events.edges.map((edge: { node: { id: string } }) => edge.node.id);
}

const membershipTypes = ['MEMBERSHIP_ADDED', 'MEMBERSHIP_REMOVED'];
const invitationTypes = ['INVITATION_CREATED', 'INVITATION_SENT', 'INVITATION_RESENT', 'INVITATION_ACCEPTED', 'INVITATION_REVOKED', 'INVITATION_EXPIRED', 'INVITATION_DELIVERY_FAILED'];

describeInBrowser('the membership dashboard at /dashboard', () => {
  let context: BrowserContext;
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(() => context?.close());

  test('shows a membership added through the API within a second, and the group’s count changes', async () => {
    const realm = await createRealm(server);
    const [ann, bob] = await createIdentities(server, realm.id, 2);
    const group = await createGroup(server, realm.id, 'Engineering', [ann.id]);
    const { page, requests, errors } = await openDashboard(context, origin(), realm.id);
    await waitForState(page, 'live');
    expect(await countOf(page, group).textContent()).toBe('1');
    // ?token= is kept in the browser and taken out of the address.
    expect(page.url()).toBe(`${origin()}/dashboard?realm=${encodeURIComponent(realm.id)}`);
    expect(await page.evaluate(() => localStorage.getItem('realmgraph:token'))).toBe(server.adminToken);

    await addMembers(server, group.id, [bob.id]);
    await page.waitForSelector(`#feed li[data-type="ADDED"]:has-text("${bob.username}")`, { timeout: 1000 });
    await page.waitForFunction((id) => document.querySelector(`#groups tr[data-group-id="${id}"] .count`)?.textContent === '2', group.id, { timeout: 1000 });

    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('after the network drops and comes back, the feed resumes from its cursor with no gap and no repeat', async () => {
    const realm = await createRealm(server);
    const people = await createIdentities(server, realm.id, 4);
    const group = await createGroup(server, realm.id, 'Operations');
    const { lastEventCursor: start } = (await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realm.id })).realm;
    const network: FlakyNetwork = await flakyNetwork(Number(new URL(server.url).port));
    try {
      const { page, errors } = await openDashboard(context, network.url, realm.id);
      const subscribed: Array<{ operationName: string; after: string }> = [];
      page.on('websocket', (socket) =>
        socket.on('framesent', ({ payload }) => {
          const message = JSON.parse(String(payload));
          if (message.type === 'subscribe') {
            const operationName = /subscription (\w+)/.exec(message.payload.query)![1];
            subscribed.push({ operationName, after: message.payload.variables.after });
          }
        }),
      );
      await waitForState(page, 'live');
      await addMembers(server, group.id, [people[0].id]);
      const before = page.locator(`#feed li[data-type="ADDED"]:has-text("${people[0].username}")`);
      await before.waitFor();
      const lastCursorBeforeTheCut = await before.getAttribute('data-cursor');

      network.cut();
      await waitForState(page, 'reconnecting');
      // Meanwhile: members join and leave, someone is invited.
      await addMembers(server, group.id, [people[1].id, people[2].id]);
      await server.ok(`mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { id } } }`, {
        input: { groupId: group.id, identityIds: [people[0].id] },
      });
      await inviteIdentity(server, realm.id, { groupIds: [group.id] });
      await addMembers(server, group.id, [people[3].id]);
      expect(await connection(page).getAttribute('data-state')).toBe('reconnecting');

      network.restore();
      await waitForState(page, 'live');
      const memberships = await loggedIds(realm.id, start, membershipTypes);
      const invitations = await loggedIds(realm.id, start, invitationTypes);
      expect(memberships).toHaveLength(5);
      expect(invitations).toHaveLength(1);
      await page.waitForFunction((count) => document.querySelectorAll('#feed li').length >= count, memberships.length + invitations.length);

      // The feed holds exactly the log, in commit order per stream: nothing missed, nothing twice.
      expect(await feedIds(page, 'membership')).toEqual(memberships);
      expect(await feedIds(page, 'invitation')).toEqual(invitations);
      await page.waitForFunction((id) => document.querySelector(`#groups tr[data-group-id="${id}"] .count`)?.textContent === '3', group.id);
      // The second connection asked for what came after the last event the page had handled.
      const memberSubscriptions = subscribed.filter((s) => s.operationName === 'DashboardMemberships');
      expect(memberSubscriptions.map((s) => s.after)).toEqual([start, lastCursorBeforeTheCut]);
      expect(errors.filter((error) => !/WebSocket|ERR_CONNECTION/.test(error))).toEqual([]);
    } finally {
      await network.close();
    }
  });

  test('a group created, renamed or deleted through the API shows at once; a deletion takes its row and its members', async () => {
    const realm = await createRealm(server);
    const people = await createIdentities(server, realm.id, 3);
    const doomed = await createGroup(server, realm.id, 'Contractors', people.map((person) => person.id));
    const { page, errors } = await openDashboard(context, origin(), realm.id);
    await waitForState(page, 'live');
    expect(await countOf(page, doomed).textContent()).toBe('3');

    const created = await createGroup(server, realm.id, 'Auditors');
    await page.waitForSelector(`#groups tr[data-group-id="${created.id}"]`);
    await server.ok(`mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { id } } }`, { input: { id: created.id, name: 'External auditors' } });
    await page.waitForSelector(`#groups tr[data-group-id="${created.id}"]:has-text("External auditors")`);
    await server.ok(`mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: doomed.id });
    await page.waitForSelector(`#groups tr[data-group-id="${doomed.id}"]`, { state: 'detached' });
    await page.waitForSelector(`#feed li[data-kind="group"][data-type="DELETED"]:has-text("Contractors (3 members removed)")`);
    expect(errors).toEqual([]);
  });

  test('a refused token says so, and so does a token revoked while the page is live', async () => {
    const realm = await createRealm(server);
    const wrong = await openDashboard(context, origin(), realm.id, 'rg_not_a_token_0123456789abcdef');
    await waitForState(wrong.page, 'unauthorized');
    expect(await wrong.page.locator('#message').textContent()).toMatch(/token was refused/i);

    const { id, token } = await server.createToken(['realms:read', 'groups:read', 'identities:read', 'invitations:read', 'events:read'], realm.id);
    const { page } = await openDashboard(context, origin(), realm.id, token);
    await waitForState(page, 'live');
    await server.ok(`mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { apiToken { id } } }`, { input: { id } });
    await waitForState(page, 'unauthorized');
    expect(await page.locator('#message').textContent()).toMatch(/revoked or has expired \(4403\)/);
  });
});
