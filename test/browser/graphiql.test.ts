import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addMembers, createGroup, createIdentity, createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';
import { describeInBrowser, isLocal, launchChromium, watchedPage, type Watched } from './chromium';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let watched: Watched;
let page: Page;
/** The introspection queries the page sent. */
const introspections: string[] = [];
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
  // GraphiQL parses the document after a pause, then names the tab after its operation: only then
  // does the execute button run this document rather than what the tab held before.
  const name = /^(?:query|mutation|subscription)\s+(\w+)/.exec(document)?.[1];
  if (name) await page.locator('.graphiql-tab.graphiql-tab-active', { hasText: name }).waitFor({ timeout: 10_000 });
}

/**
 * GraphiQL's execute button is a toggle: while an operation is fetching or subscribed it stops it.
 * A click made while the previous one is still finishing would stop that one instead of running
 * this one (the test was flaky on a loaded machine): wait for the button to say Execute (or Stop).
 */
async function clickExecute(state: 'Execute' | 'Stop' = 'Execute'): Promise<void> {
  await page.waitForFunction(
    (wanted) => document.querySelector('.graphiql-execute-button')?.getAttribute('aria-label')?.startsWith(wanted) ?? false,
    state,
    { timeout: 10_000 },
  );
  await page.locator('.graphiql-execute-button').click();
}

describeInBrowser('GraphiQL at /graphiql', () => {
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    context = await browser.newContext();
    watched = await watchedPage(context);
    page = watched.page;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/graphql') && request.postData()?.includes('__schema')) introspections.push(request.postData()!);
    });
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

  test('opens on a simple query, then the README examples as tabs, and keeps the token in the browser', async () => {
    const tabs = await page.locator('.graphiql-tab').allInnerTexts();
    expect(tabs[0]).toContain('Realms');
    expect(tabs).toEqual(expect.arrayContaining([expect.stringContaining('CreateRealm'), expect.stringContaining('NestedRead'), expect.stringContaining('Invite')]));
    expect(await page.evaluate(() => localStorage.getItem('realmgraph:token'))).toBe(server.adminToken);
  });

  test('runs its first tab as it opens: the realms the token reaches', async () => {
    const realm = await createRealm(server);
    await page.locator('.graphiql-tab').first().click();
    await clickExecute();
    await waitForResponse(`"name": "${realm.name}"`);
    expect(await responseText()).toContain('"totalCount": 1');
  });

  test('runs the README’s first example from its tab', async () => {
    await page.locator('.graphiql-tab', { hasText: 'CreateRealm' }).click();
    // The tab's several operations make the button a menu once GraphiQL has parsed them.
    await page.locator('.graphiql-execute-button[aria-haspopup="menu"]').waitFor({ timeout: 10_000 });
    await clickExecute();
    await page.getByRole('menuitem', { name: 'CreateRealm' }).click();
    await waitForResponse('"name": "acme"');
    const realm = await server.ok(`{ realm(name: "acme") { displayName } }`);
    expect(realm).toEqual({ realm: { displayName: 'Acme Inc.' } });
  });

  test('has the explorer, which lists the schema’s fields to build a query from', async () => {
    await page.locator('.graphiql-tab').first().click(); // it shows the fields of the tab's operation, a query here
    await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
    await page.waitForFunction(() => /apiTokens[\s\S]*realms/.test((document.querySelector('.graphiql-plugin') as HTMLElement | null)?.innerText ?? ''), undefined, {
      timeout: 10_000,
    });
    await page.getByRole('button', { name: 'Hide GraphiQL Explorer' }).click();
  });

  test('runs a query typed into the editor, with the token', async () => {
    await newTab('query Acme { realm(name: "acme") { name displayName } }');
    await clickExecute();
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
    await clickExecute();
    await addMembers(server, group.id, [identity.id]);
    await waitForResponse('"username": "wanda"');
    expect(await responseText()).toContain('"type": "ADDED"');
    await clickExecute('Stop');
  });

  test('fetched the schema once, though the token was given after the page loaded', () => {
    expect(introspections.length).toBe(1);
  });

  test('loaded everything from this server: no request left 127.0.0.1, nothing was refused', async () => {
    expect(watched.requests.length).toBeGreaterThan(3);
    expect(watched.requests.filter((url) => !isLocal(url))).toEqual([]);
    expect(watched.requests).toContainEqual(expect.stringMatching(new RegExp(`^${origin()}/graphiql/graphiql-[A-Z0-9]{8}\\.js$`)));
    expect(watched.requests).toContain(server.wsUrl);
    expect(watched.errors).toEqual([]);
  });

  test('a second visit takes the scripts and styles from the browser’s cache: only the page and the schema come from the server', async () => {
    // A context of its own: Playwright turns the HTTP cache off in a context whose requests it routes.
    const own = await browser.newContext();
    const visit = async (tab: Page) => {
      const schemaAsked = tab.waitForResponse((response) => response.request().postData()?.includes('__schema') ?? false);
      await tab.goto(`${origin()}/graphiql`);
      await tab.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
      await schemaAsked;
    };
    try {
      const tab = await own.newPage();
      await visit(tab);
      const cdp = await own.newCDPSession(tab);
      await cdp.send('Network.enable');
      const cached = new Set<string>();
      const received: Array<{ requestId: string; url: string; fromDiskCache: boolean }> = [];
      cdp.on('Network.requestServedFromCache', (event) => cached.add(event.requestId));
      cdp.on('Network.responseReceived', (event) => received.push({ requestId: event.requestId, url: event.response.url, fromDiskCache: event.response.fromDiskCache === true }));
      await visit(tab);
      // This session's events come on their own channel, possibly after Playwright saw the response.
      for (let waited = 0; !received.some((response) => response.url === server.url) && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      const fromServer = received.filter((response) => !response.url.startsWith('data:') && !response.fromDiskCache && !cached.has(response.requestId)).map((response) => response.url);
      expect(received.map((response) => response.url)).toContainEqual(expect.stringMatching(/\/graphiql\/graphiql-[A-Z0-9]{8}\.js$/));
      expect(fromServer.filter((url) => /\.(js|css)$/.test(url))).toEqual([]);
      expect(fromServer).toEqual(expect.arrayContaining([`${origin()}/graphiql`, server.url]));
    } finally {
      await own.close();
    }
  });
});
