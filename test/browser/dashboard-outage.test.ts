import type { Browser, BrowserContext, Page } from 'playwright-core';
import { outageSettings, startAppOn, type RunningApp } from '../helpers/app-process';
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres';
import { testAdminToken } from '../helpers/server';
import { describeInBrowser, launchChromium, skipBrowser, watchedPage } from './chromium';
import { flakyNetwork } from './proxy';

/**
 * Issue #10: "a two-second outage leaves the dashboard stuck until someone reloads". The server
 * now refuses a connection it cannot authenticate for want of its database with 1013, which the
 * dashboard retries, instead of 4401, on which it stops. On a PostgreSQL of this file's own.
 */
let pg: OwnPostgres;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  if (skipBrowser) return;
  pg = await startOwnPostgres();
  app = await startAppOn(pg.url, outageSettings);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await pg?.destroy();
});

async function ok(query: string, variables?: Record<string, unknown>): Promise<any> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${testAdminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const waitForState = (page: Page, state: string, timeout = 20_000) => page.waitForSelector(`#connection[data-state="${state}"]`, { timeout });

describeInBrowser('the dashboard through an outage of the database', () => {
  let context: BrowserContext;
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(() => context?.close());

  test('it keeps retrying while the database is down, never says Unauthorized, and goes on from its cursor once it is back', async () => {
    const { realm } = (await ok(`mutation { createRealm(input: { name: "outage", displayName: "Outage" }) { realm { id } } }`)).createRealm;
    const people: Array<{ id: string; username: string }> = [];
    for (const username of ['ann', 'bob']) {
      const data = await ok(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id username } } }`, {
        input: { realmId: realm.id, displayName: username, username, primaryEmail: `${username}@example.com` },
      });
      people.push(data.createIdentity.identity);
    }
    const { group } = (await ok(`mutation($realmId: ID!) { createGroup(input: { realmId: $realmId, name: "Ops" }) { group { id } } }`, { realmId: realm.id })).createGroup;
    const add = (identity: { id: string }) =>
      ok(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, { input: { groupId: group.id, identityIds: [identity.id] } });
    const shown = (page: Page, identity: { username: string }) => page.waitForSelector(`#feed li[data-type="ADDED"]:has-text("${identity.username}")`, { timeout: 20_000 });

    const network = await flakyNetwork(app.port);
    try {
      const { page } = await watchedPage(context);
      // Every connection the page opens, so that the test can wait for it to have tried again.
      let opened = 0;
      const openedWaiters: Array<{ count: number; resolve: () => void }> = [];
      page.on('websocket', () => {
        opened += 1;
        for (const waiter of openedWaiters.filter((w) => opened >= w.count)) waiter.resolve();
      });
      const connectionsOpened = (count: number) => (opened >= count ? Promise.resolve() : new Promise<void>((resolve) => openedWaiters.push({ count, resolve })));

      await page.goto(`${network.url}/dashboard?realm=${encodeURIComponent(realm.id)}&token=${encodeURIComponent(testAdminToken)}`);
      await waitForState(page, 'live');
      // Every state the badge takes from now on.
      await page.evaluate(() => {
        const badge = document.querySelector<HTMLElement>('#connection')!;
        const states: string[] = ((window as unknown as { states: string[] }).states = []);
        new MutationObserver(() => states.push(badge.dataset.state!)).observe(badge, { attributes: true, attributeFilter: ['data-state'] });
      });
      await add(people[0]);
      await shown(page, people[0]);

      await pg.stop();
      // The page's connection drops during the outage; each attempt to come back meets it.
      network.cut();
      await waitForState(page, 'reconnecting');
      network.restore();
      const before = opened;
      await connectionsOpened(before + 2);
      expect(await page.locator('#connection').getAttribute('data-state')).toBe('reconnecting');

      await pg.start();
      await waitForState(page, 'live');
      await add(people[1]);
      await shown(page, people[1]);
      const states = await page.evaluate(() => (window as unknown as { states: string[] }).states);
      expect(states).not.toContain('unauthorized');
      expect(states).toContain('reconnecting');
    } finally {
      await network.close();
    }
  });
});
