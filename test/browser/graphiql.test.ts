import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addMembers, createGroup, createIdentity } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';
import { describeInBrowser, isLocal, launchChromium, watchedPage, type Watched } from './chromium';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let watched: Watched;
let page: Page;
const origin = () => server.url.replace(/\/graphql$/, '');

/** The result pane's text (Monaco draws spaces as U+00A0). */
const responseText = () => page.locator('.graphiql-response .view-lines').innerText().then((text) => text.replace(/\u00a0/g, ' '));

async function waitForResponse(fragment: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => (document.querySelector('.graphiql-response .view-lines') as HTMLElement | null)?.innerText.replace(/\u00a0/g, ' ').includes(wanted) ?? false,
    fragment,
    { timeout: 10_000 },
  );
}

/** Opens a new tab and types a document into its operation editor. */
async function newTab(document: string): Promise<void> {
  await page.locator('.graphiql-tab-add').click();
  const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(document);
}

describeInBrowser('GraphiQL at /graphiql', () => {
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    context = await browser.newContext();
    watched = await watchedPage(context);
    page = watched.page;
    await page.goto(`${origin()}/graphql`); // a browser opening the API is sent to the playground
    await page.waitForURL(`${origin()}/graphiql`);
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
    await page.locator('#rg-token').fill(server.adminToken);
    await page.getByRole('button', { name: 'Use token' }).click();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('opens with the README examples as tabs and the token kept in the browser', async () => {
    const tabs = await page.locator('.graphiql-tab').allInnerTexts();
    expect(tabs).toEqual(expect.arrayContaining([expect.stringContaining('CreateRealm'), expect.stringContaining('NestedRead'), expect.stringContaining('Invite')]));
    expect(await page.evaluate(() => localStorage.getItem('realmgraph:token'))).toBe(server.adminToken);
  });

  test('runs the README’s first example from its tab', async () => {
    await page.locator('.graphiql-tab').first().click();
    await page.locator('.graphiql-execute-button').click();
    await page.getByRole('menuitem', { name: 'CreateRealm' }).click();
    await waitForResponse('"name": "acme"');
    const realm = await server.ok(`{ realm(name: "acme") { displayName } }`);
    expect(realm).toEqual({ realm: { displayName: 'Acme Inc.' } });
  });

  test('runs a query typed into the editor, with the token', async () => {
    await newTab('query Acme { realm(name: "acme") { name displayName } }');
    await page.locator('.graphiql-execute-button').click();
    await waitForResponse('"displayName": "Acme Inc."');
    expect(await responseText()).not.toContain('UNAUTHENTICATED');
  });

  test('runs a subscription over WebSocket and shows an event caused through the API', async () => {
    const { realm } = await server.ok(`{ realm(name: "acme") { id lastEventCursor } }`);
    const group = await createGroup(server, realm.id, 'Watchers');
    const identity = await createIdentity(server, realm.id, { username: 'wanda' });
    await newTab(
      `subscription Watch { membershipChanged(realmId: "${realm.id}", after: "${realm.lastEventCursor}") { type identity { username } group { name memberCount } } }`,
    );
    await page.locator('.graphiql-execute-button').click();
    await addMembers(server, group.id, [identity.id]);
    await waitForResponse('"username": "wanda"');
    expect(await responseText()).toContain('"type": "ADDED"');
    await page.locator('.graphiql-execute-button').click(); // stop
  });

  test('loaded everything from this server: no request left 127.0.0.1, nothing was refused', async () => {
    expect(watched.requests.length).toBeGreaterThan(3);
    expect(watched.requests.filter((url) => !isLocal(url))).toEqual([]);
    expect(watched.requests).toContain(`${origin()}/graphiql/graphiql.js`);
    expect(watched.requests).toContain(server.wsUrl);
    expect(watched.errors).toEqual([]);
  });
});
