import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { testAdminToken } from '../helpers/server';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

/*
 * Issue #16: the access log, read from a real server process's stdout: one JSON line per HTTP
 * request and per WebSocket operation, in the one format of every log line, without secrets.
 */

let db: TestDatabase;
let server: ServerProcess;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServerProcess({ DATABASE_URL: db.url });
});
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  await db.drop();
});

type Line = Record<string, unknown>;

/** The line the process writes for `requestId`, once it has (it is written as the answer ends). */
async function lineOf(requestId: string): Promise<Line> {
  for (;;) {
    const found = server.output.map((line) => JSON.parse(line) as Line).find((line) => line.requestId === requestId && (line.message === 'request' || line.message === 'websocket operation'));
    if (found) return found;
    await new Promise((resolve) => server.child.stdout!.once('data', resolve));
  }
}

/** The admin token's global ID, as apiTokens lists it (the one set from ADMIN_TOKEN). */
const adminTokenId = async (): Promise<string> =>
  (await server.query('{ apiTokens(first: 100) { edges { node { id fromEnvironment } } } }')).data.apiTokens.edges.find((edge: { node: { fromEnvironment: boolean } }) => edge.node.fromEnvironment).node.id;

test('an HTTP request: one line with its request ID, method, path, status, duration, operation, token ID and address — and no credential', async () => {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${testAdminToken}`, 'x-request-id': 'access-log-1', cookie: 'session=cookie-secret' },
    body: JSON.stringify({ query: 'query Realms { realms { totalCount } }' }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-request-id')).toBe('access-log-1');
  const line = await lineOf('access-log-1');
  expect(line).toEqual({
    level: 'info',
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    message: 'request',
    requestId: 'access-log-1',
    method: 'POST',
    path: '/graphql',
    status: 200,
    durationMs: expect.any(Number),
    operationName: 'Realms',
    operationType: 'query',
    outcome: 'ok',
    tokenId: expect.any(String),
    clientAddress: '127.0.0.1',
  });
  expect(line.tokenId).toBe(await adminTokenId());
  const output = server.output.join('\n');
  expect(output).not.toContain(testAdminToken);
  expect(output).not.toContain('cookie-secret');
});

test('a refused request is logged with its status and error code; the query string is not logged', async () => {
  const refused = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'access-log-2' },
    body: JSON.stringify({ query: 'query Broken { nope }' }),
  });
  expect(refused.status).toBe(400);
  expect(await lineOf('access-log-2')).toMatchObject({ status: 400, operationName: 'Broken', outcome: 'GRAPHQL_VALIDATION_FAILED' });

  const page = await fetch(new URL('/invitations/accept?token=invitation-secret-123', server.url), { headers: { 'x-request-id': 'access-log-3' } });
  expect(page.status).toBe(200);
  const line = await lineOf('access-log-3');
  expect(line).toMatchObject({ method: 'GET', path: '/invitations/accept', status: 200 });
  expect(line).not.toHaveProperty('tokenId');
  expect(server.output.join('\n')).not.toContain('invitation-secret-123');
});

test('a WebSocket operation: one line when it ends, with its operation, outcome and token ID', async () => {
  const client = createClient({ url: server.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${testAdminToken}` } });
  const result = await new Promise<unknown>((resolve, reject) => {
    let data: unknown;
    client.subscribe({ query: 'query OverSocket { realms { totalCount } }' }, { next: (value) => (data = value), error: reject, complete: () => resolve(data) });
  });
  expect(result).toEqual({ data: { realms: { totalCount: expect.any(Number) } } });
  await client.dispose();
  let line: Line | undefined;
  while (!line) {
    line = server.output.map((entry) => JSON.parse(entry) as Line).find((entry) => entry.message === 'websocket operation' && entry.operationName === 'OverSocket');
    if (!line) await new Promise((resolve) => server.child.stdout!.once('data', resolve));
  }
  expect(line).toEqual({
    level: 'info',
    time: expect.any(String),
    message: 'websocket operation',
    requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    operationName: 'OverSocket',
    operationType: 'query',
    outcome: 'ok',
    durationMs: expect.any(Number),
    tokenId: await adminTokenId(),
    clientAddress: '127.0.0.1',
  });
  expect(server.output.join('\n')).not.toContain(testAdminToken);
});

test('ACCESS_LOG=false: no access lines, the other lines as before', async () => {
  const quiet = await startServerProcess({ DATABASE_URL: db.url, ACCESS_LOG: 'false' });
  try {
    expect(await quiet.query('{ realms { totalCount } }')).toEqual({ data: { realms: { totalCount: expect.any(Number) } } });
    expect(quiet.output.map((line) => JSON.parse(line) as Line).some((line) => line.message === 'realmgraph is serving')).toBe(true);
  } finally {
    quiet.child.kill('SIGTERM');
    await quiet.exited;
  }
  // Read once the process has exited: a line, were there one, is written as the answer ends.
  expect(quiet.output.map((line) => JSON.parse(line) as Line).filter((line) => line.message === 'request')).toEqual([]);
});
