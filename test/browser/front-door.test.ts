import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext } from 'playwright-core';
import { createRealm, inviteIdentity, queuedInvitationToken } from '../factories/graph';
import { freePort } from '../helpers/net';
import { startTestServer, type TestServer } from '../helpers/server';
import { describeInBrowser, launchChromium, skipBrowser, watchedPage } from './chromium';

/**
 * What only a browser shows: that its CORS and CSP checks — not the headers' presence, which the
 * e2e tests check — let a front end of a listed origin call the API over HTTP and WebSocket, refuse
 * another origin's, and let the accept page run under its policy.
 */
let server: TestServer;
let browser: Browser;
let frontEnd: { origin: string; close(): Promise<void> };
let stranger: { origin: string; close(): Promise<void> };

/** A blank page served from its own loopback port: another origin than the API's. */
async function blankOrigin(port: number): Promise<{ origin: string; close(): Promise<void> }> {
  const http: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>front end</title>'));
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => http.close(() => resolve())) };
}

beforeAll(async () => {
  if (skipBrowser) return;
  const port = await freePort();
  server = await startTestServer({ runJobs: false, env: { CORS_ORIGINS: `http://127.0.0.1:${port}` } });
  frontEnd = await blankOrigin(port);
  stranger = await blankOrigin(await freePort());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await frontEnd?.close();
  await stranger?.close();
  await server?.close();
});

/** What a page at `origin` gets from the API: a POST, a GET with only Authorization, a graphql-ws handshake. */
async function callFrom(context: BrowserContext, origin: string) {
  const { page } = await watchedPage(context);
  await page.goto(origin);
  return page.evaluate(
    async ({ api, wsApi, token }) => {
      const attempt = async (work: () => Promise<unknown>) => {
        try {
          return await work();
        } catch (error) {
          return `refused: ${(error as Error).name}`;
        }
      };
      const post = await attempt(() =>
        fetch(api, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ realms(first: 1) { totalCount } }' }),
        }).then((response) => response.json()),
      );
      const get = await attempt(() =>
        fetch(`${api}?query=${encodeURIComponent('{ __typename }')}`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.json()),
      );
      const limited = await attempt(async () => {
        const response = await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer rg_nope' }, body: '{"query":"{ __typename }"}' });
        return { status: response.status, requestId: response.headers.get('x-request-id') !== null };
      });
      const websocket = await new Promise<string>((resolve) => {
        const socket = new WebSocket(wsApi, 'graphql-transport-ws');
        socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
        socket.onmessage = (message) => {
          resolve(JSON.parse(String(message.data)).type);
          socket.close();
        };
        socket.onclose = (event) => resolve(`closed ${event.code}`);
      });
      return { post, get, limited, websocket };
    },
    { api: server.url, wsApi: server.wsUrl, token: server.adminToken },
  );
}

describeInBrowser('the front door, from a browser', () => {
  let context: BrowserContext;
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(() => context?.close());

  test('a front end of a listed origin calls the API: POST, GET with only its token, a refusal it can read, and a WebSocket', async () => {
    expect(await callFrom(context, frontEnd.origin)).toEqual({
      post: { data: { realms: { totalCount: expect.any(Number) } } },
      get: { data: { __typename: 'Query' } },
      limited: { status: 401, requestId: true },
      websocket: 'connection_ack',
    });
  });

  test('a page of another origin reads nothing and opens no WebSocket', async () => {
    expect(await callFrom(context, stranger.origin)).toEqual({
      post: 'refused: TypeError',
      get: 'refused: TypeError',
      limited: 'refused: TypeError',
      websocket: 'closed 1006',
    });
  });

  test('the accept page runs under its Content-Security-Policy and accepts the invitation', async () => {
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);
    const token = await queuedInvitationToken(server, invitation.id);
    const { page, errors } = await watchedPage(context);
    await page.goto(`${server.url.replace(/\/graphql$/, '')}/invitations/accept?token=${token}`);
    await page.fill('#displayName', 'Ada Lovelace');
    await page.fill('#username', 'ada');
    await page.click('button[type=submit]');
    await page.waitForSelector('#message.done');
    expect(await page.textContent('#message')).toMatch(/^Welcome to .+, ada! Your account is active\.$/);
    // The style applied too: the button is the page's blue, not the browser's grey.
    expect(await page.$eval('button', (button) => getComputedStyle(button).backgroundColor)).toBe('rgb(31, 111, 235)');
    expect(errors).toEqual([]);
  });
});
