import { startTestServer, type TestServer } from '../helpers/server';

/**
 * The browser pages as a browser receives them: each page names its scripts and styles by their
 * contents' hash (scripts/build-web.ts), which may be kept for a year without asking again; the
 * page itself is revalidated every time, so a new build reaches the next visit. Needs dist/web
 * (`npm test` builds it first).
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const base = () => server.url.replace(/\/graphql$/, '');
const contentNamed = /-[A-Z0-9]{8}\.(js|css)$/;

/** The same-origin files a page's HTML loads (scripts and stylesheets). */
async function assetsOf(page: string): Promise<{ html: Response; assets: string[] }> {
  const html = await fetch(`${base()}/${page}`);
  const text = await html.text();
  const assets = [...text.matchAll(/<(?:script|link)[^>]+(?:src|href)="(\/[^"]+)"/g)].map((match) => match[1]);
  return { html, assets };
}

describe.each(['graphiql', 'dashboard'])('/%s', (page) => {
  test('the page is revalidated every time and names its files by their contents', async () => {
    const { html, assets } = await assetsOf(page);
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-cache');
    expect(assets).toEqual(expect.arrayContaining([expect.stringMatching(/\.js$/), expect.stringMatching(/\.css$/)]));
    for (const asset of assets) expect(asset).toMatch(new RegExp(`^/${page}/[\\w.]+-[A-Z0-9]{8}\\.(js|css)$`));
  });

  test('its files are served immutable for a year, with their type', async () => {
    const { assets } = await assetsOf(page);
    for (const asset of assets) {
      const response = await fetch(`${base()}${asset}`);
      expect({ asset, status: response.status, cacheControl: response.headers.get('cache-control') }).toEqual({
        asset,
        status: 200,
        cacheControl: 'public, max-age=31536000, immutable',
      });
      expect(response.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /javascript/ : /text\/css/);
      await response.arrayBuffer();
    }
  });

  test('a name no build made is a 404, not the page', async () => {
    const response = await fetch(`${base()}/${page}/${page}.js`);
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).not.toMatch(/immutable/);
  });
});

test('GraphiQL’s script names the Monaco workers it starts by their contents, and they are served', async () => {
  const { assets } = await assetsOf('graphiql');
  const script = await (await fetch(`${base()}${assets.find((asset) => asset.endsWith('.js'))}`)).text();
  const workers = [...new Set([...script.matchAll(/[\w.]+\.worker-[A-Z0-9]{8}\.js/g)].map((match) => match[0]))];
  expect(workers.map((worker) => worker.replace(/-[A-Z0-9]{8}/, '')).sort()).toEqual(['editor.worker.js', 'graphql.worker.js', 'json.worker.js']);
  for (const worker of workers) {
    expect(worker).toMatch(contentNamed);
    const response = await fetch(`${base()}/graphiql/${worker}`);
    expect([worker, response.status, response.headers.get('cache-control')]).toEqual([worker, 200, 'public, max-age=31536000, immutable']);
    await response.arrayBuffer();
  }
});
