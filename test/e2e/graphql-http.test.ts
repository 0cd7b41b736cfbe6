import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/server';

/** /graphql's own HTTP path (src/server/graphql-http.ts): the body as a client may send it. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ runJobs: false, env: { MAX_BODY_BYTES: '4096' } });
});
afterAll(() => server.close());

/** A POST through node:http, so that the test chooses the framing (chunked or not) and the headers. */
function post(headers: Record<string, string>, chunks: Array<string | Buffer>, path = '/graphql'): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text.startsWith('{') ? JSON.parse(text) : text });
      });
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const typename = JSON.stringify({ query: '{ __typename }' });

describe('request bodies', () => {
  test('a chunked body (no Content-Length) is read', async () => {
    const answer = await post({ 'content-type': 'application/json' }, [typename.slice(0, 5), typename.slice(5)]);
    expect(answer).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  test('a chunked body over MAX_BODY_BYTES is 413 BODY_TOO_LARGE, answered after the client has sent it', async () => {
    const padding = 'x'.repeat(1000);
    const answer = await post({ 'content-type': 'application/json' }, ['{"query":"{ __typename }","variables":{"p":"', ...Array.from({ length: 8 }, () => padding), '"}}']);
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      errors: [{ message: 'The request body is larger than the 4096 bytes the server accepts (MAX_BODY_BYTES).', extensions: { code: 'BODY_TOO_LARGE', limit: 4096 } }],
    });
  });

  test('a gzip-encoded body is read, and its limit applies to what it decodes to', async () => {
    const small = await post({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, [gzipSync(typename)]);
    expect(small).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
    const bomb = gzipSync(JSON.stringify({ query: '{ __typename }', variables: { p: 'x'.repeat(100_000) } }));
    expect(bomb.length).toBeLessThan(4096);
    const big = await post({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, [bomb]);
    expect(big.status).toBe(413);
    expect(big.body.errors[0].extensions).toEqual({ code: 'BODY_TOO_LARGE', limit: 4096 });
  });

  test.each([
    ['a bare JSON value', { 'content-type': 'application/json' }, '"{ __typename }"'],
    ['an encoding the server does not know', { 'content-type': 'application/json', 'content-encoding': 'zstd' }, typename],
    ['a corrupt gzip stream', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'not gzip'],
  ])('%s is 400 BAD_REQUEST, and nothing runs', async (_name, headers, body) => {
    const answer = await post(headers, [body]);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  test('an empty JSON body is an empty request: Apollo says what is missing', async () => {
    const answer = await post({ 'content-type': 'application/json', 'content-length': '0' }, []);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toEqual({ message: 'POST body missing, invalid Content-Type, or JSON object has no keys.', extensions: { code: 'BAD_REQUEST' } });
  });

  test('/graphql below and in another case is still /graphql', async () => {
    for (const path of ['/GraphQL', '/graphql/']) {
      expect(await post({ 'content-type': 'application/json' }, [typename], path)).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
    }
  });

  test('the answer has a Content-Length, the security headers and the request ID', async () => {
    const answer = await post({ 'content-type': 'application/json', 'x-request-id': 'req-42' }, [typename]);
    expect(answer.headers).toMatchObject({
      'content-length': String(JSON.stringify({ data: { __typename: 'Query' } }).length + 1),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'x-request-id': 'req-42',
    });
  });
});
