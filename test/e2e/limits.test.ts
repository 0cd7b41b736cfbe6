import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import type { Client } from 'graphql-ws';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import { createGroup, createIdentity, createRealm } from '../factories/graph';
import { eventually } from '../helpers/eventually';
import { RawConnection } from '../helpers/raw-connection';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  // No background jobs: their statements on the same data source would be counted too.
  server = await startTestServer({ runJobs: false });
});
afterAll(() => server.close());

const mib = 1024 * 1024;

/** POSTs without a token (so that no authentication statement runs either), or with the headers given. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: any; errors?: any[] } };
}

/** One operation through a graphql-ws client: its result, or the errors it was refused with. */
function runOver(client: Client, query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: any; errors?: any[] } = {};
    client.subscribe(
      { query, variables },
      {
        next: (value) => (result = value as typeof result),
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => resolve(result),
      },
    );
  });
}

/** The connection_init payload that authenticates as `target`'s admin token. */
const asAdmin = (target: TestServer) => ({ authorization: `Bearer ${target.adminToken}` });

const deepQuery = `{ realms(first: 1) { edges { node { groups(first: 1) { edges { node {
  members(first: 1) { edges { node { groups(first: 1) { edges { node { name } } } } } } } } } } } } }`;
const pageQuery = `query($size: Int) { realms(first: $size) { edges { node { groups(first: $size) { edges { node {
  members(first: $size) { edges { node { id } } } } } } } } } }`;
const aliasedQuery = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const hugeQuery = `{ ${'__typename '.repeat(5000)}}`;

// Each refused document, its code, the limit (the default) and what the document has.
const refusals = [
  { what: 'a document nested deeper than 12 levels', query: deepQuery, variables: {}, code: 'QUERY_TOO_DEEP', limit: 12, found: 13 },
  // 1 + 100 × (1 + 1 + 1 + 100 × (1 + 1 + 1 + 100 × (1 + 1 + 1)))
  { what: 'pages of 100 × 100 × 100', query: pageQuery, variables: { size: 100 }, code: 'QUERY_TOO_COMPLEX', limit: 500_000, found: 3_030_301 },
  { what: 'a document with 31 aliases', query: aliasedQuery, variables: {}, code: 'TOO_MANY_ALIASES', limit: 30, found: 31 },
  { what: 'a document of 5 002 tokens', query: hugeQuery, variables: {}, code: 'DOCUMENT_TOO_LARGE', limit: 5000, found: undefined },
  {
    what: 'a list of 1 001 IDs in the variables',
    query: `mutation($groupId: ID!, $ids: [ID!]!) { addGroupMembers(input: { groupId: $groupId, identityIds: $ids }) { group { id } } }`,
    variables: { groupId: 'g', ids: Array.from({ length: 1001 }, (_, i) => `id-${i}`) },
    code: 'LIST_TOO_LONG',
    limit: 1000,
    found: 1001,
  },
] as const;

describe('document limits, before anything runs', () => {
  test.each(refusals)('HTTP refuses $what with $code and no SQL', async ({ query, variables, code, limit, found }) => {
    let response: Awaited<ReturnType<typeof post>> | undefined;
    const statements = await server.countStatements(async () => {
      response = await post(server.url, { query, variables });
    });
    expect(statements).toBe(0);
    expect(response!.status).toBe(400);
    expect(response!.body.data).toBeUndefined();
    expect(response!.body.errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining(limit.toLocaleString('en-US')), extensions: { code, limit, ...(found ? { found } : {}) } }),
    ]);
    if (found) expect(response!.body.errors![0].message).toContain(found.toLocaleString('en-US'));
  });

  test.each(refusals)('WebSocket refuses $what with $code and no SQL', async ({ query, variables, code, limit, found }) => {
    const connection = await RawConnection.open(server.wsUrl, asAdmin(server));
    try {
      let result: { data?: any; errors?: any[] } | undefined;
      const statements = await server.countStatements(async () => {
        result = await connection.run(query, variables);
      });
      expect(statements).toBe(0);
      expect(result!.errors).toEqual([expect.objectContaining({ extensions: { code, limit, ...(found ? { found } : {}) } })]);
    } finally {
      await connection.close();
    }
  });

  test('the cost counts page sizes given as variables', async () => {
    const small = await server.graphql(pageQuery, { size: 10 });
    expect(small.errors).toBeUndefined();
    const large = await post(server.url, { query: pageQuery, variables: { size: 100 } });
    expect(large.body.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('graphql-js’ own parse and validation errors over WebSocket carry the codes they have over HTTP', async () => {
    const connection = await RawConnection.open(server.wsUrl, asAdmin(server));
    try {
      expect((await connection.run('{ realms { '))?.errors?.[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      expect((await connection.run('{ realmz { totalCount } }'))?.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      // The connection survives both.
      expect((await connection.run('{ __typename }')).data).toEqual({ __typename: 'Query' });
    } finally {
      await connection.close();
    }
  });
});

describe('what the limits let through', () => {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const nestedRead = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]).find((block) => block.includes('query NestedRead'))!;

  test('the README’s nested read (realm → groups(50) → members(100) → groups(10)) passes over HTTP and WebSocket', async () => {
    const realm = await createRealm(server);
    const ann = await createIdentity(server, realm.id);
    await createGroup(server, realm.id, 'Engineering', [ann.id]);
    const overHttp = await server.ok(nestedRead, { name: realm.name });
    expect(overHttp.realm.groups.edges[0].node.members.edges[0].node.groups.totalCount).toBe(1);
    const overWs = await runOver(server.wsClient(), nestedRead, { name: realm.name });
    expect(overWs).toEqual({ data: overHttp });
  });

  test('GraphiQL’s introspection query passes over HTTP and WebSocket', async () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    const overHttp = await server.graphql(query);
    expect(overHttp.errors).toBeUndefined();
    expect(overHttp.data.__schema.types.length).toBeGreaterThan(10);
    const overWs = await runOver(server.wsClient(), query);
    expect(overWs.errors).toBeUndefined();
    expect(overWs.data.__schema.types).toEqual(overHttp.data.__schema.types);
  });
});

describe('sizes', () => {
  test('a body over MAX_BODY_BYTES (1 MiB) gets 413 and a coded JSON error', async () => {
    const response = await post(server.url, { query: '{ __typename }', variables: { padding: 'x'.repeat(mib) } });
    expect(response.status).toBe(413);
    expect(response.body).toEqual({
      errors: [{ message: expect.stringMatching(/^The request body is \d+ bytes; the server accepts at most 1048576/), extensions: { code: 'BODY_TOO_LARGE', limit: mib } }],
    });
  });

  test('a WebSocket message over MAX_WS_MESSAGE_BYTES (1 MiB) closes the connection with 1009', async () => {
    const connection = await RawConnection.connect(server.wsUrl);
    connection.send({ type: 'connection_init', payload: { padding: 'x'.repeat(mib) } });
    expect(await connection.closed).toMatchObject({ code: 1009 });
  });
});

describe('configured limits', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({
      db: server.db,
      runJobs: false,
      env: {
        MAX_QUERY_DEPTH: '3',
        MAX_BODY_BYTES: '4096',
        MAX_WS_MESSAGE_BYTES: '4096',
        MAX_WS_CONNECTIONS_PER_TOKEN: '2',
        MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
      },
    });
  });
  afterAll(() => small.close());

  test('MAX_QUERY_DEPTH, MAX_BODY_BYTES and MAX_WS_MESSAGE_BYTES take effect', async () => {
    const deep = await post(small.url, { query: '{ realms { edges { node { name } } } }' });
    expect(deep.body.errors?.[0].extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: 3, found: 4 });
    const big = await post(small.url, { query: '{ __typename }', variables: { padding: 'x'.repeat(5000) } });
    expect(big.status).toBe(413);
    expect(big.body.errors?.[0].extensions).toEqual({ code: 'BODY_TOO_LARGE', limit: 4096 });
    const connection = await RawConnection.connect(small.wsUrl);
    connection.send({ type: 'connection_init', payload: { padding: 'x'.repeat(5000) } });
    expect(await connection.closed).toMatchObject({ code: 1009 });
  });

  test('a token’s connections over MAX_WS_CONNECTIONS_PER_TOKEN are closed with 1013 TOO_MANY_CONNECTIONS, until one closes', async () => {
    const init = asAdmin(small);
    const first = await RawConnection.open(small.wsUrl, init);
    const second = await RawConnection.open(small.wsUrl, init);
    try {
      await expect(RawConnection.open(small.wsUrl, init)).rejects.toMatchObject({ code: 1013, reason: expect.stringMatching(/^TOO_MANY_CONNECTIONS: 2 connections/) });
      // Another token has a count of its own.
      const { token } = await small.createToken(['realms:read']);
      const other = await RawConnection.open(small.wsUrl, { authorization: `Bearer ${token}` });
      await other.close();
      // Closing one frees its place (the server learns of the close a moment after the client).
      await first.close();
      const third = await eventually(
        () => RawConnection.open(small.wsUrl, init).catch((error: { code: number }) => error),
        (outcome) => outcome instanceof RawConnection,
        100,
      );
      await (third as RawConnection).close();
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('operations over MAX_SUBSCRIPTIONS_PER_CONNECTION get TOO_MANY_SUBSCRIPTIONS until one completes', async () => {
    const realm = await createRealm(small);
    const connection = await RawConnection.open(small.wsUrl, asAdmin(small));
    try {
      const subscription = 'subscription($realmId: ID!) { realmEvents(realmId: $realmId) { id } }';
      const first = connection.start(subscription, { realmId: realm.id });
      connection.start(subscription, { realmId: realm.id });
      const refused = await connection.run('{ __typename }');
      expect(refused.errors).toEqual([expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2, found: 3 } })]);
      connection.send({ type: 'complete', id: first });
      expect(await connection.run('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await connection.close();
    }
  });
});

describe('rate limit', () => {
  let limited: TestServer;
  beforeAll(async () => {
    // Behind a proxy on loopback: each test names its own client address in X-Forwarded-For.
    limited = await startTestServer({ db: server.db, runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' } });
  });
  afterAll(() => limited.close());

  const from = (address: string, authorization?: string) => ({ 'x-forwarded-for': address, ...(authorization ? { authorization } : {}) });

  test('every /graphql answer says what is left; past the budget it is 429 RATE_LIMITED with Retry-After', async () => {
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const response = await post(limited.url, { query: '{ realms { totalCount } }' }, from('198.51.100.1', `Bearer ${limited.adminToken}`));
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('3');
      expect(response.headers.get('ratelimit-policy')).toBe('3;w=60');
      remaining.push(response.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await post(limited.url, { query: '{ realms { totalCount } }' }, from('198.51.100.1', `Bearer ${limited.adminToken}`));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^Too many requests: .* 3 a minute\. Try again in \d+ s\.$/),
          extensions: { code: 'RATE_LIMITED', limit: 3, retryAfterSeconds: Number(refused.headers.get('retry-after')) },
        },
      ],
    });

    // The budget is the token's, wherever it comes from and however the header spells it.
    const elsewhere = await post(limited.url, { query: '{ __typename }' }, from('198.51.100.2', `bearer   ${limited.adminToken}`));
    expect(elsewhere.status).toBe(429);
    // A caller without a token from that address has a budget of its own.
    const anonymous = await post(limited.url, { query: '{ __typename }' }, from('198.51.100.1'));
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('ratelimit-remaining')).toBe('2');
  });

  test('guesses get no budget of their own: each spends its address’s', async () => {
    const guesses = [];
    for (let i = 0; i < 4; i++) {
      guesses.push(await post(limited.url, { query: '{ realms { totalCount } }' }, from('198.51.100.3', `Bearer rg_${randomBytes(32).toString('base64url')}`)));
    }
    expect(guesses.map((guess) => guess.status)).toEqual([401, 401, 401, 429]);
    expect(guesses.map((guess) => guess.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(guesses[3].body.errors?.[0].extensions.code).toBe('RATE_LIMITED');
  });

  test('WebSocket operations spend the same budget and are refused with RATE_LIMITED', async () => {
    // Made through the other server, on the same database: a token with its own three.
    const { token } = await server.createToken(['realms:read']);
    const client = limited.wsClient(token);
    const results: Array<{ data?: any; errors?: any[] }> = [];
    while (results.length <= 3 && !results.at(-1)?.errors) results.push(await runOver(client, '{ __typename }'));
    expect(results.map((result) => result.errors?.[0].extensions.code ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
    expect(results.at(-1)!.errors).toEqual([expect.objectContaining({ extensions: { code: 'RATE_LIMITED', limit: 3, retryAfterSeconds: expect.any(Number) } })]);
    // …and HTTP with that token is out of budget too.
    expect((await post(limited.url, { query: '{ __typename }' }, { authorization: `Bearer ${token}` })).status).toBe(429);
  });
});

describe('failed authentications, per client address', () => {
  let guarded: TestServer;
  let unproxied: TestServer;
  beforeAll(async () => {
    // A database of its own, so that countStatements sees this server's statements.
    guarded = await startTestServer({
      runJobs: false,
      env: { AUTH_FAILURES_PER_MINUTE: '5', TRUST_PROXY: 'loopback', TOKEN_CACHE_TTL_MS: '60000' },
    });
    unproxied = await startTestServer({ db: server.db, runJobs: false, env: { AUTH_FAILURES_PER_MINUTE: '5' } });
  });
  afterAll(async () => {
    await unproxied.close();
    await guarded.close();
  });

  const guess = () => `Bearer rg_${randomBytes(32).toString('base64url')}`;
  const query = { query: '{ __typename }' };
  const as = (authorization: string, address?: string) => ({ authorization, ...(address ? { 'x-forwarded-for': address } : {}) });

  test('past AUTH_FAILURES_PER_MINUTE an address’s guesses get 429 without a lookup; tokens this instance knows still pass', async () => {
    const address = '203.0.113.1';
    const admin = `Bearer ${guarded.adminToken}`;
    // The admin token, looked up once: from now on in this instance's cache.
    expect((await post(guarded.url, query, as(admin, address))).status).toBe(200);
    const { token: uncached } = await guarded.createToken(['realms:read']);

    const failed: Array<Awaited<ReturnType<typeof post>>> = [];
    const lookups = await guarded.countStatements(async () => {
      for (let i = 0; i < 5; i++) failed.push(await post(guarded.url, query, as(guess(), address)));
    });
    expect(failed.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
    expect(lookups).toBe(5);

    const refused: Array<Awaited<ReturnType<typeof post>>> = [];
    const refusedStatements = await guarded.countStatements(async () => {
      for (let i = 0; i < 20; i++) refused.push(await post(guarded.url, query, as(guess(), address)));
    });
    expect(refusedStatements).toBe(0);
    expect(new Set(refused.map((answer) => answer.status))).toEqual(new Set([429]));
    const retryAfter = Number(refused[0].headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused[0].body).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^Too many failed authentications from this address \(5 a minute\)\. Try again in \d+ s\.$/),
          extensions: { code: 'RATE_LIMITED', limit: 5, retryAfterSeconds: retryAfter },
        },
      ],
    });

    // A token in the cache costs no lookup: it passes, with no statement.
    let known: Awaited<ReturnType<typeof post>> | undefined;
    expect(await guarded.countStatements(async () => (known = await post(guarded.url, query, as(admin, address))))).toBe(0);
    expect(known!.status).toBe(200);
    // One that would take a lookup waits like the guesses (decision 72)…
    expect((await post(guarded.url, query, as(`Bearer ${uncached}`, address))).status).toBe(429);
    // …and is fine from another address, whose budget is its own.
    expect((await post(guarded.url, query, as(`Bearer ${uncached}`, '203.0.113.2'))).status).toBe(200);
    expect((await post(guarded.url, query, as(guess(), '203.0.113.2'))).status).toBe(401);
  });

  test('many requests at once with one token this instance has not seen yet are one lookup, and none is taken for a guess', async () => {
    const { token } = await guarded.createToken(['realms:read']);
    const answers: Array<Awaited<ReturnType<typeof post>>> = [];
    const statements = await guarded.countStatements(async () => {
      answers.push(...(await Promise.all(Array.from({ length: 30 }, () => post(guarded.url, query, as(`Bearer ${token}`, '203.0.113.9'))))));
    });
    expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(200));
    // The lookup, and the write of its lastUsedAt.
    expect(statements).toBeLessThanOrEqual(2);
  });

  test('WebSocket connection_init guesses spend the same budget, and are closed 1013 RATE_LIMITED without a lookup', async () => {
    const address = '203.0.113.3';
    const headers = { 'x-forwarded-for': address };
    await RawConnection.open(guarded.wsUrl, { authorization: `Bearer ${guarded.adminToken}` }, headers).then((connection) => connection.close());
    for (let i = 0; i < 3; i++) expect((await post(guarded.url, query, as(guess(), address))).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      await expect(RawConnection.open(guarded.wsUrl, { authorization: guess() }, headers)).rejects.toMatchObject({ code: 4401 });
    }
    let outcome: unknown;
    expect(await guarded.countStatements(async () => (outcome = await RawConnection.open(guarded.wsUrl, { authorization: guess() }, headers).catch((error) => error)))).toBe(0);
    expect(outcome).toMatchObject({ code: 1013, reason: expect.stringMatching(/^RATE_LIMITED: Too many failed authentications from this address/) });
    // The cached admin token still connects from there.
    const known = await RawConnection.open(guarded.wsUrl, { authorization: `Bearer ${guarded.adminToken}` }, headers);
    expect(await known.run('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    await known.close();
  });

  test('without TRUST_PROXY, X-Forwarded-For is ignored: naming a fresh address does not buy a fresh budget', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(unproxied.url, query, as(guess(), `192.0.2.${i + 1}`))).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe('statement timeout', () => {
  test('a statement longer than STATEMENT_TIMEOUT_MS is cancelled by PostgreSQL', async () => {
    const config = loadConfig({ DATABASE_URL: server.db.url, STATEMENT_TIMEOUT_MS: '100' });
    const database = await openDatabase(config, createLogger('error'));
    try {
      expect(await database.dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '100ms' }]);
      await expect(database.dataSource.query('SELECT pg_sleep(30)')).rejects.toMatchObject({ code: '57014', message: expect.stringMatching(/statement timeout/) });
      // The pool goes on serving.
      expect(await database.dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  });
});
