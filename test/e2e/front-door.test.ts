import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createIdentities, createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

/** A front end on its dev server, the only origin listed. */
const allowed = 'http://localhost:5173';
const stranger = 'https://evil.example';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { CORS_ORIGINS: `${allowed},https://studio.apollographql.com` } });
});
afterAll(() => server.close());

const base = () => server.url.replace(/\/graphql$/, '');
const bearer = () => `Bearer ${server.adminToken}`;

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as they came, not decoded. */
  body: Buffer;
}

/** One request over node:http, which decodes nothing: what the server put on the wire. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const postJson = (query: string, headers: Record<string, string> = {}) =>
  raw(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: bearer(), ...headers }, body: JSON.stringify({ query }) });

function preflight(origin: string, method = 'POST', requestHeaders = 'authorization,content-type') {
  return raw(server.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': requestHeaders } });
}

describe('CORS: the origins CORS_ORIGINS lists', () => {
  test('a listed origin’s preflight is answered before authentication, allowing GET and POST with its headers', async () => {
    const response = await preflight(allowed, 'POST', 'authorization,content-type,traceparent');
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(allowed);
    expect(response.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(response.headers['access-control-allow-headers']).toBe('authorization,content-type,traceparent');
    expect(response.headers['access-control-max-age']).toBe('7200');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers.vary).toMatch(/Origin/);
  });

  test('a listed origin’s answer carries its origin, and lets its page read Retry-After and X-Request-Id', async () => {
    const response = await postJson('{ realms(first: 1) { totalCount } }', { origin: allowed });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(allowed);
    expect(response.headers['access-control-expose-headers']).toBe('Retry-After, X-Request-Id');
    expect(response.headers.vary).toMatch(/Origin/);
    expect(JSON.parse(response.body.toString())).toEqual({ data: { realms: { totalCount: expect.any(Number) } } });
  });

  test('an origin not listed gets no CORS header: its preflight is refused with the reason, its answers unreadable', async () => {
    const refused = await preflight(stranger);
    expect(refused.status).toBe(403);
    expect(refused.body.toString()).toBe(`The origin ${stranger} may not call this API from a browser: add it to CORS_ORIGINS.\n`);
    const answer = await postJson('{ realms(first: 1) { totalCount } }', { origin: stranger });
    for (const response of [refused, answer]) {
      expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
    // Same rule for a near miss: an origin is its scheme, host and port.
    expect((await preflight('http://localhost:5174')).status).toBe(403);
    expect((await preflight('https://localhost:5173')).status).toBe(403);
  });

  test('a refusal — 401, and 429 past the rate limit — is readable by a listed origin’s page, Retry-After included', async () => {
    const unauthenticated = await postJson('{ realms(first: 1) { totalCount } }', { origin: allowed, authorization: 'Bearer rg_not_a_token' });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['access-control-allow-origin']).toBe(allowed);

    // A second instance on the same database, with a rate limit the test can reach.
    const limited = await startTestServer({ db: server.db, env: { CORS_ORIGINS: allowed, RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const statuses: number[] = [];
      let last: RawResponse | undefined;
      for (let i = 0; i < 3; i++) {
        last = await raw(limited.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${limited.adminToken}`, origin: allowed },
          body: JSON.stringify({ query: '{ realms(first: 1) { totalCount } }' }),
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(last!.headers['access-control-allow-origin']).toBe(allowed);
      expect(last!.headers['access-control-expose-headers']).toMatch(/Retry-After/);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(last!.body.toString()).errors[0].extensions.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  test('without CORS_ORIGINS no origin is listed: a preflight from the dev server is refused', async () => {
    const plain = await startTestServer({ db: server.db });
    try {
      const response = await raw(plain.url, { method: 'OPTIONS', headers: { origin: allowed, 'access-control-request-method': 'POST' } });
      expect(response.status).toBe(403);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

/** The WebSocket upgrade as a browser page at `origin` sends it (undefined: no Origin, as a non-browser client). */
function openSocket(origin: string | undefined): Promise<{ opened: true; extensions: string } | { opened: false; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', origin === undefined ? {} : { origin });
    socket.on('open', () => {
      resolve({ opened: true, extensions: socket.extensions });
      socket.close();
    });
    socket.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ opened: false, status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('the WebSocket upgrade’s Origin', () => {
  test('a page of a listed origin runs operations over graphql-ws', async () => {
    class FromListedOrigin extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin: allowed });
      }
    }
    const client = createClient({ url: server.wsUrl, webSocketImpl: FromListedOrigin, retryAttempts: 0, lazy: true, connectionParams: { authorization: bearer() } });
    try {
      const result = await new Promise((resolve, reject) => {
        client.subscribe({ query: '{ realms(first: 1) { totalCount } }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(result).toEqual({ data: { realms: { totalCount: expect.any(Number) } } });
    } finally {
      await client.dispose();
    }
  });

  test('a page of another origin is refused before the upgrade: 403 with the reason', async () => {
    expect(await openSocket(stranger)).toEqual({
      opened: false,
      status: 403,
      body: `The origin ${stranger} may not open a WebSocket to this API: add it to CORS_ORIGINS.\n`,
    });
    expect(await openSocket('null')).toMatchObject({ opened: false, status: 403, body: expect.stringMatching(/^The origin null may not/) });
    expect(server.logs.some((line) => line.includes('WebSocket upgrade refused') && line.includes(stranger))).toBe(true);
  });

  test('the server’s own pages (Origin is the Host) and clients that are no browser (no Origin) connect; messages are not deflated', async () => {
    const own = new URL(server.url).origin;
    expect(await openSocket(own)).toEqual({ opened: true, extensions: '' });
    expect(await openSocket(undefined)).toEqual({ opened: true, extensions: '' });
    expect(await openSocket(own.replace('127.0.0.1', 'localhost'))).toMatchObject({ opened: false, status: 403 });
  });
});

describe('CSRF prevention', () => {
  const query = encodeURIComponent('{ realms(first: 1) { totalCount } }');

  test('a GET query with only Authorization runs: the header forces a preflight, so it is no forgery', async () => {
    const response = await fetch(`${server.url}?query=${query}`, { headers: { authorization: bearer() } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { realms: { totalCount: expect.any(Number) } } });
  });

  test('a GET without Authorization or a preflight header is still refused as CSRF, and runs nothing', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('mutation { __typename }')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/blocked as a potential Cross-Site Request Forgery/);
    const simplePost = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: '' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(simplePost.status).toBe(400);
  });

  test('an Authorization a browser may attach on its own (Basic) is no token: 401, nothing runs', async () => {
    const response = await fetch(`${server.url}?query=${query}`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.status).toBe(401);
  });

  test('automatic persisted queries over GET work with only Authorization (Apollo Client’s APQ)', async () => {
    const realm = await createRealm(server);
    const document = 'query RealmName($id: ID!) { realm(id: $id) { name } }';
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(document).digest('hex') } });
    const variables = JSON.stringify({ id: realm.id });
    const get = () =>
      fetch(`${server.url}?operationName=RealmName&variables=${encodeURIComponent(variables)}&extensions=${encodeURIComponent(extensions)}`, {
        headers: { authorization: bearer() },
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

    const unknown = await get();
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // The client then sends the document once, with its hash.
    const registered = await fetch(`${server.url}?query=${encodeURIComponent(document)}&variables=${encodeURIComponent(variables)}&extensions=${encodeURIComponent(extensions)}`, {
      headers: { authorization: bearer() },
    });
    expect(registered.status).toBe(200);
    expect(await get()).toEqual({ status: 200, body: { data: { realm: { name: realm.name } } } });
  });
});

describe('compression', () => {
  /** An answer well past the threshold: a realm's identities with their fields. */
  let query: string;
  beforeAll(async () => {
    const realm = await createRealm(server);
    await createIdentities(server, realm.id, 30);
    query = `{ realm(id: "${realm.id}") { identities(first: 30) { edges { cursor node { id username displayName primaryEmail status role source createdAt updatedAt version } } } } }`;
  });

  test.each([
    ['gzip', 'gzip', gunzipSync],
    ['br', 'br', brotliDecompressSync],
    ['gzip, deflate, br', 'br', brotliDecompressSync],
    ['gzip;q=1, br;q=0.5', 'gzip', gunzipSync],
  ] as const)('Accept-Encoding: %s gets a %s answer that decodes to the same JSON', async (acceptEncoding, encoding, decode) => {
    const identity = await postJson(query, { 'accept-encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    const compressed = await postJson(query, { 'accept-encoding': acceptEncoding });
    expect(compressed.status).toBe(200);
    expect(compressed.headers['content-encoding']).toBe(encoding);
    expect(compressed.headers.vary).toMatch(/Accept-Encoding/);
    expect(compressed.body.length).toBeLessThan(identity.body.length / 3);
    expect(JSON.parse(decode(compressed.body).toString())).toEqual(JSON.parse(identity.body.toString()));
  });

  test('a GET answer and a page are compressed; a tiny answer is not', async () => {
    const get = await raw(`${server.url}?query=${encodeURIComponent(query)}`, { headers: { authorization: bearer(), 'accept-encoding': 'gzip' } });
    expect(get.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(get.body).toString()).data.realm.identities.edges).toHaveLength(30);

    const page = await raw(`${base()}/invitations/accept?token=abc`, { headers: { 'accept-encoding': 'br' } });
    expect(page.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(page.body).toString()).toContain('acceptInvitation(input: $input)');

    const tiny = await postJson('{ __typename }', { 'accept-encoding': 'gzip, br' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(tiny.body.toString())).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('security headers', () => {
  test('every answer — pages, GraphQL, probes, refusals, errors, 404s — forbids framing and sniffing, sends no Referer, and does not name Express', async () => {
    const answers: Record<string, RawResponse> = {
      'POST /graphql': await postJson('{ __typename }'),
      'GET /graphql (CSRF)': await raw(`${server.url}?query=%7B__typename%7D`),
      'POST /graphql 401': await postJson('{ __typename }', { authorization: 'Bearer nope' }),
      'POST /graphql bad JSON': await raw(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      'PUT /graphql': await raw(server.url, { method: 'PUT' }),
      'OPTIONS /graphql listed': await preflight(allowed),
      'OPTIONS /graphql refused': await preflight(stranger),
      'GET /healthz': await raw(`${base()}/healthz`),
      'GET /readyz': await raw(`${base()}/readyz`),
      'GET /invitations/accept': await raw(`${base()}/invitations/accept?token=abc`),
      'GET /dashboard': await raw(`${base()}/dashboard`),
      'GET /graphiql': await raw(`${base()}/graphiql`),
      'GET /dashboard/nope.js': await raw(`${base()}/dashboard/nope.js`),
      'GET /nowhere': await raw(`${base()}/nowhere`),
    };
    const summary = Object.fromEntries(
      Object.entries(answers).map(([name, { headers }]) => [
        name,
        {
          nosniff: headers['x-content-type-options'],
          referrer: headers['referrer-policy'],
          frames: /frame-ancestors 'none'/.test(String(headers['content-security-policy'])),
          frameOptions: headers['x-frame-options'],
          poweredBy: headers['x-powered-by'],
        },
      ]),
    );
    const expected = { nosniff: 'nosniff', referrer: 'no-referrer', frames: true, frameOptions: 'DENY', poweredBy: undefined };
    expect(summary).toEqual(Object.fromEntries(Object.keys(answers).map((name) => [name, expected])));
    expect(answers['GET /nowhere'].status).toBe(404);
    expect(answers['GET /nowhere'].body.toString()).toBe('Not found. The API is at /graphql.\n');
    expect(answers['POST /graphql'].headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  test('the accept page, whose address holds a secret, runs only its own script and style, posts nowhere and is never stored', async () => {
    const page = await raw(`${base()}/invitations/accept?token=abc`);
    const policy = String(page.headers['content-security-policy']);
    const html = page.body.toString();
    const hash = (tag: string) => `'sha256-${createHash('sha256').update(html.match(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`))![1]).digest('base64')}'`;
    expect(policy.split('; ')).toEqual([
      "default-src 'none'",
      `script-src ${hash('script')}`,
      `style-src ${hash('style')}`,
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });
});
