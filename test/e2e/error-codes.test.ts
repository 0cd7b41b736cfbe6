import { ErrorCode } from '../../src/common/errors';
import { startTestServer, type TestServer } from '../helpers/server';
import { firstOutcome } from '../helpers/ws-outcome';

/**
 * The codes Apollo Server gives the requests it refuses before any resolver — and the WebSocket
 * edge the same ones — are members of the schema's ErrorCode, as read from the running server.
 * Ours are checked by every other end-to-end test: the helpers refuse a code ErrorCode does not
 * list (test/helpers/known-codes.ts).
 */

let server: TestServer;
let published: string[];
beforeAll(async () => {
  server = await startTestServer({ runJobs: false });
  published = (await server.ok(`{ __type(name: "ErrorCode") { enumValues { name } } }`)).__type.enumValues.map((value: { name: string }) => value.name);
});
afterAll(() => server.close());

/** One POST to /graphql with the admin token, the body as given (a string is sent as is). */
async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { errors?: Array<{ extensions: { code: string } }> } };
}

const codesOf = (errors: ReadonlyArray<{ extensions?: { code?: unknown } }> | undefined) => (errors ?? []).map((error) => error.extensions?.code);

test('errorCodes lists the enum’s values, as the enum in the schema does', async () => {
  expect(published).toEqual(Object.values(ErrorCode));
  expect((await server.ok(`{ errorCodes }`)).errorCodes).toEqual(Object.values(ErrorCode));
});

const twoOperations = `query A { __typename } query B { __typename }`;

describe.each([
  { what: 'a document that does not parse', request: { query: '{ realms(' }, code: 'GRAPHQL_PARSE_FAILED' },
  { what: 'a field the schema does not have', request: { query: '{ realms { nope } }' }, code: 'GRAPHQL_VALIDATION_FAILED' },
  {
    what: 'a variable of the wrong type',
    request: { query: 'query($n: Int) { realms(first: $n) { totalCount } }', variables: { n: 'ten' } },
    code: 'BAD_USER_INPUT',
  },
  { what: 'an operationName the document does not have', request: { query: twoOperations, operationName: 'C' }, code: 'OPERATION_RESOLUTION_FAILURE' },
  { what: 'two operations and no operationName', request: { query: twoOperations }, code: 'OPERATION_RESOLUTION_FAILURE' },
])('$what', ({ request, code }) => {
  test(`is ${code} over HTTP (400), a member of ErrorCode`, async () => {
    const { status, body } = await post(request);
    expect({ status, codes: codesOf(body.errors) }).toEqual({ status: 400, codes: [code] });
    expect(published).toContain(code);
  });

  test(`is ${code} over WebSocket too`, async () => {
    const outcome = await firstOutcome(server.wsClient(), request);
    expect(outcome.kind === 'result' && codesOf(outcome.result.errors)).toEqual([code]);
  });
});

describe('over HTTP only', () => {
  test('a body that is not JSON is BAD_REQUEST', async () => {
    const { status, body } = await post('{"query": ');
    expect({ status, codes: codesOf(body.errors) }).toEqual({ status: 400, codes: ['BAD_REQUEST'] });
    expect(published).toContain('BAD_REQUEST');
  });

  test('a request a page of another site could send without a preflight (a GET without Authorization or a preflight header) is BAD_REQUEST', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`);
    const body = (await response.json()) as { errors?: Array<{ extensions: { code: string } }> };
    expect({ status: response.status, codes: codesOf(body.errors) }).toEqual({ status: 400, codes: ['BAD_REQUEST'] });
  });

  test('an automatic persisted query the server does not hold is PERSISTED_QUERY_NOT_FOUND (so they are on, and PERSISTED_QUERY_NOT_SUPPORTED never comes)', async () => {
    const { body } = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(codesOf(body.errors)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(published).toContain('PERSISTED_QUERY_NOT_FOUND');
    expect(published).not.toContain('PERSISTED_QUERY_NOT_SUPPORTED');
  });
});
