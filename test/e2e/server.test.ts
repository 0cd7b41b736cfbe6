import { createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const base = () => server.url.replace(/\/graphql$/, '');

describe('HTTP', () => {
  test('/healthz says the process is alive and /readyz that the database is reachable and migrated', async () => {
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  test('GET serves queries (with a token or a CSRF preflight header) and refuses simple cross-site GETs', async () => {
    const query = encodeURIComponent('{ realms(first: 1) { totalCount } }');
    const allowed = await fetch(`${server.url}?query=${query}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${server.adminToken}` },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ data: { realms: { totalCount: expect.any(Number) } } });
    const simple = await fetch(`${server.url}?query=${query}`);
    expect(simple.status).toBe(400);
  });

  test('a browser opening /graphql is sent to /graphiql, served from this server', async () => {
    const redirect = await fetch(server.url, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/graphiql');
    const page = await fetch(`${base()}/graphiql`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).not.toMatch(/(src|href)="(https?:)?\/\//);
    // A client asking for JSON still gets GraphQL.
    const json = await fetch(server.url, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toMatch(/json/);
  });

  test('the dashboard is served, and a missing page is a 404', async () => {
    const page = await fetch(`${base()}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(`${base()}/dashboard/nope.js`)).status).toBe(404);
  });

  test('an invitation link lands on a page whose form accepts the invitation', async () => {
    const page = await fetch(`${base()}/invitations/accept?token=abc`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('acceptInvitation(input: $input)');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });

  test('a body that is not JSON gets a coded JSON error, not a stack trace', async () => {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
    expect(text).not.toMatch(/node_modules|at .*\(/);
  });

  test('an invalid document gets GRAPHQL_VALIDATION_FAILED and nothing internal', async () => {
    const result = await server.graphql('{ realms { nope } }');
    expect(result.status).toBe(400);
    expect(result.errors?.[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  test('an unexpected failure is masked for the client and logged with the request ID', async () => {
    const realm = await createRealm(server);
    await server.db.dataSource.query('ALTER TABLE identities RENAME TO identities_away');
    try {
      const result = await server.graphql(`query($id: ID!) { realm(id: $id) { name identities { totalCount } } }`, { id: realm.id });
      expect(result.status).toBe(200);
      const [error] = result.errors!;
      expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: result.headers.get('x-request-id') });
      expect(error.message).not.toMatch(/identities|relation|SELECT/);
      expect(JSON.stringify(result)).not.toMatch(/stacktrace|at .*\(/);
      // The rest of the answer still arrives: `identities` may fail alone (it is nullable).
      expect(result.data).toEqual({ realm: { name: realm.name, identities: null } });
      const logged = server.logs.map((line) => JSON.parse(line)).find((entry) => entry.requestId === error.extensions.requestId);
      expect(logged).toMatchObject({ level: 'error', message: 'unexpected error', error: expect.stringMatching(/identities/) });
    } finally {
      await server.db.dataSource.query('ALTER TABLE identities_away RENAME TO identities');
    }
  });

  test('a caller’s X-Request-ID is kept', async () => {
    const result = await server.graphql('{ realms { totalCount } }', undefined, { 'x-request-id': 'trace-123' });
    expect(result.headers.get('x-request-id')).toBe('trace-123');
  });
});

describe('WebSocket (graphql-ws) on the same port and path', () => {
  test('runs queries and mutations', async () => {
    const client = server.wsClient();
    const result = await new Promise<any>((resolve, reject) => {
      let value: unknown;
      client.subscribe(
        { query: 'mutation { createRealm(input: { name: "over-ws", displayName: "WS" }) { realm { name } } }' },
        { next: (data) => (value = data), error: reject, complete: () => resolve(value) },
      );
    });
    expect(result).toEqual({ data: { createRealm: { realm: { name: 'over-ws' } } } });
  });

  test('sends coded errors', async () => {
    const client = server.wsClient();
    const result = await new Promise<any>((resolve, reject) => {
      let value: unknown;
      client.subscribe({ query: '{ realm { id } }' }, { next: (data) => (value = data), error: reject, complete: () => resolve(value) });
    });
    expect(result.errors[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT' } });
    expect(JSON.stringify(result)).not.toMatch(/stacktrace/);
  });
});

describe('production mode', () => {
  test('introspection is off and field suggestions are hidden', async () => {
    const production = await startTestServer({ production: true });
    try {
      const introspection = await production.graphql('{ __schema { types { name } } }');
      expect(introspection.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const typo = await production.graphql('{ realmz { totalCount } }');
      expect(typo.errors?.[0].message).not.toMatch(/Did you mean/);
      // No playground without introspection; the dashboard, which needs a token, stays.
      const base = production.url.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/graphiql`)).status).toBe(404);
      expect((await fetch(production.url, { headers: { accept: 'text/html' }, redirect: 'manual' })).status).not.toBe(302);
      expect((await fetch(`${base}/dashboard`)).status).toBe(200);
    } finally {
      await production.close();
    }
  });
});

describe('readiness', () => {
  test('/readyz answers 503 when the database is gone', async () => {
    const lonely = await startTestServer();
    try {
      await lonely.db.dataSource.destroy();
      const ready = await fetch(`${lonely.url.replace(/\/graphql$/, '')}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await lonely.close();
    }
  });
});
