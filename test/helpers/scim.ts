import { createRealm } from '../factories/graph';
import { startTestServer, type TestServer, type TestServerOptions } from './server';

/**
 * A SCIM 2.0 client for the conformance suite (test/scim): every request over real HTTP with
 * Node's fetch, as an identity provider sends it. Every error it receives is checked against
 * RFC 7644 §3.12 — the error schema, `status` as a string equal to the HTTP status, a `detail`, a
 * `scimType` among the registered ones — and for what a detail must never show (a stack trace, a
 * file path, SQL, an address): a test that meets a malformed error fails there, whatever it asserts.
 */

export const urn = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** RFC 7644 §3.12 Table 9, and the three RFC 9865 (cursor pagination) adds. */
const scimTypes = new Set([
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
  'invalidCursor',
  'expiredCursor',
  'invalidCount',
]);

/** What a detail written for a person never contains: traces, source paths, SQL, addresses. */
const leaks: Array<[RegExp, string]> = [
  [/\n\s+at\s/, 'a stack trace'],
  [/\bat\s+\S+\s+\(.*:\d+:\d+\)/, 'a stack frame'],
  [/node_modules|\/src\/|\/dist\/|\.[jt]s:\d+/, 'a source path'],
  [/QueryFailedError|duplicate key|violates .* constraint|syntax error at or near|relation "|pg_|SQLSTATE/i, 'a database message'],
  [/\b\d{1,3}(\.\d{1,3}){3}\b|localhost|::1\b/, 'an address'],
  [/TypeError|ReferenceError|SyntaxError: Unexpected|Cannot read propert/, 'a JavaScript error'],
];

export interface ScimResponse<T = any> {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when there is none, or it is not JSON (see `text`). */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as it is, instead of `body`: malformed JSON. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface ScimClient {
  /** `http://127.0.0.1:<port>/scim/v2`, no trailing slash. */
  readonly baseUrl: string;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ScimResponse<T>>;
  get<T = any>(path: string, headers?: Record<string, string>): Promise<ScimResponse<T>>;
  post<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimResponse<T>>;
  put<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimResponse<T>>;
  /** A PatchOp with these operations (or a whole body, when given one with `Operations`). */
  patch<T = any>(path: string, operations: unknown[] | Record<string, unknown>, headers?: Record<string, string>): Promise<ScimResponse<T>>;
  delete<T = any>(path: string, headers?: Record<string, string>): Promise<ScimResponse<T>>;
}

/** The SCIM base URL of a test server: its origin (server.url is `<origin>/graphql`) and /scim/v2. */
export function scimBaseUrl(server: TestServer): string {
  return `${new URL(server.url).origin}/scim/v2`;
}

/**
 * A client sending `Authorization: Bearer <token>` (none when the token is null) and
 * `Content-Type: application/scim+json` on requests with a body. `headers` are sent with every
 * request (an IdP's User-Agent, Accept); a request's own headers win ('' drops one).
 */
export function scimClient(server: TestServer, token: string | null, headers: Record<string, string> = {}): ScimClient {
  const baseUrl = scimBaseUrl(server);
  const request = async <T>(method: string, path: string, options: RequestOptions = {}): Promise<ScimResponse<T>> => {
    const hasBody = options.rawBody !== undefined || options.body !== undefined;
    const sent: Record<string, string> = {
      accept: 'application/scim+json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(hasBody ? { 'content-type': 'application/scim+json' } : {}),
      ...lowerCased(headers),
      ...lowerCased(options.headers ?? {}),
    };
    for (const [name, value] of Object.entries(sent)) if (value === '') delete sent[name];
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: sent,
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    let body: any;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    const answer = { status: response.status, headers: response.headers, body, text };
    if (response.status >= 400) expectScimErrorShape(answer, `${method} ${path}`);
    return answer;
  };
  return {
    baseUrl,
    request,
    get: (path, extra) => request('GET', path, { headers: extra }),
    post: (path, body, extra) => request('POST', path, { body, headers: extra }),
    put: (path, body, extra) => request('PUT', path, { body, headers: extra }),
    patch: (path, operations, extra) =>
      request('PATCH', path, { body: Array.isArray(operations) ? { schemas: [urn.patchOp], Operations: operations } : operations, headers: extra }),
    delete: (path, extra) => request('DELETE', path, { headers: extra }),
  };
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Throws unless the answer is a well-formed SCIM error (RFC 7644 §3.12) that leaks nothing. */
export function expectScimErrorShape(answer: ScimResponse, request: string): void {
  const fail = (why: string): never => {
    throw new Error(`${request} answered ${answer.status} ${answer.headers.get('content-type') ?? '(no content type)'} with ${why}: ${answer.text.slice(0, 500)}`);
  };
  const contentType = answer.headers.get('content-type') ?? '';
  if (!/^application\/scim\+json\b/i.test(contentType)) fail('an error that is not application/scim+json');
  const body = answer.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) fail('a body that is not a SCIM error object');
  const extra = Object.keys(body).filter((key) => !['schemas', 'status', 'scimType', 'detail'].includes(key));
  if (extra.length > 0) fail(`members a SCIM error does not have (${extra.join(', ')})`);
  if (!Array.isArray(body.schemas) || body.schemas.length !== 1 || body.schemas[0] !== urn.error) fail(`schemas other than ["${urn.error}"]`);
  if (body.status !== String(answer.status)) fail(`a "status" other than the string "${answer.status}"`);
  if (body.scimType !== undefined && !scimTypes.has(body.scimType)) fail(`a scimType RFC 7644 does not define (${JSON.stringify(body.scimType)})`);
  if (typeof body.detail !== 'string' || body.detail.trim() === '') fail('no detail for a person to read');
  for (const [pattern, what] of leaks) if (pattern.test(answer.text)) fail(`${what} in it`);
}

/** Asserts an error's status and, when given, its scimType (the shape is checked on every answer). */
export function expectScimError(answer: ScimResponse, status: number, scimType?: string): void {
  expect({ status: answer.status, scimType: answer.body?.scimType }).toEqual({ status, scimType: scimType ?? answer.body?.scimType });
}

/** The SCIM suite's server: real, with the rate limit off — an IdP's burst is not what these tests are about. */
export function startScimServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ runJobs: false, ...options, env: { RATE_LIMIT_PER_MINUTE: '0', ...options.env } });
}

export interface ScimRealm {
  realm: { id: string; name: string };
  /** The realm-bound API token with the scope `scim`, as an IdP is given it. */
  token: { id: string; token: string };
  scim: ScimClient;
}

/** A new realm, a SCIM token bound to it, and a client with that token. */
export async function scimRealm(server: TestServer, headers: Record<string, string> = {}): Promise<ScimRealm> {
  const realm = await createRealm(server);
  const token = await server.createToken(['scim'], realm.id);
  return { realm, token, scim: scimClient(server, token.token, headers) };
}

let sequence = 0;
/** A name no other test uses: lower case letters and digits after the prefix. */
export function unique(prefix: string): string {
  return `${prefix}${++sequence}${Math.random().toString(36).slice(2, 7)}`;
}

/** A minimal valid User: a unique userName that is also its work email, and a name. */
export function userBody(fields: Record<string, unknown> = {}): Record<string, any> {
  const userName = (fields.userName as string | undefined) ?? `${unique('user')}@example.com`;
  return {
    schemas: [urn.user],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ value: userName.includes('@') ? userName : `${userName}@example.com`, type: 'work', primary: true }],
    active: true,
    ...fields,
  };
}

/** POSTs a user and fails the test unless it is created; the created representation. */
export async function createUser(scim: ScimClient, fields: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const created = await scim.post('/Users', userBody(fields));
  if (created.status !== 201) throw new Error(`POST /Users answered ${created.status}: ${created.text}`);
  return created.body;
}

/** POSTs a group with these members and fails the test unless it is created. */
export async function createScimGroup(scim: ScimClient, displayName = unique('group-'), memberIds: string[] = [], fields: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const created = await scim.post('/Groups', { schemas: [urn.group], displayName, members: memberIds.map((value) => ({ value })), ...fields });
  if (created.status !== 201) throw new Error(`POST /Groups answered ${created.status}: ${created.text}`);
  return created.body;
}

/** `?filter=…&…` with each value percent-encoded (a space as %20, as Okta sends it). */
export function query(params: Record<string, string | number>): string {
  return `?${Object.entries(params)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&')}`;
}

/** The ids of a ListResponse's resources, in its order. */
export const idsOf = (list: { Resources?: Array<{ id: string }> }): string[] => (list.Resources ?? []).map((resource) => resource.id);

/** The member ids of a group representation, sorted. */
export const memberIdsOf = (group: { members?: Array<{ value: string }> | null }): string[] => (group.members ?? []).map((member) => member.value).sort();

/** An identity as GraphQL shows it (admin token), with the fields SCIM maps; null when none has the id. */
export async function graphIdentity(server: TestServer, id: string): Promise<Record<string, any> | null> {
  const data = await server.ok(
    `query($id: ID!) { node(id: $id) { ... on Identity {
      id username displayName fullName givenName familyName primaryEmail phoneNumber status role source externalId
      title userType preferredLanguage locale timezone department employeeNumber costCenter organization division
      realm { id }
    } } }`,
    { id },
  );
  return data.node;
}

/** A group as GraphQL shows it, with its member ids; null when none has the id. */
export async function graphGroup(server: TestServer, id: string): Promise<{ id: string; name: string; memberIds: string[] } | null> {
  const data = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { id name members(first: 100) { edges { node { id } } } } } }`, { id });
  if (!data.node) return null;
  return { id: data.node.id, name: data.node.name, memberIds: data.node.members.edges.map((edge: any) => edge.node.id).sort() };
}

export interface LoggedEvent {
  type: string;
  identityId: string | null;
  groupId: string | null;
  actor: { id: string; name: string } | null;
  data: Record<string, any>;
}

/** The realm's newest events (at most `last`), oldest first, as the GraphQL event log shows them. */
export async function latestEvents(server: TestServer, realmId: string, last = 10): Promise<LoggedEvent[]> {
  const data = await server.ok(
    `query($id: ID!, $last: Int) { realm(id: $id) { events(last: $last) { edges { node { type identityId groupId actor { id name } data } } } } }`,
    { id: realmId, last },
  );
  return data.realm.events.edges.map((edge: any) => edge.node);
}

/** The realm's lastEventCursor: subscribe after it, or compare it before and after a request. */
export async function lastEventCursor(server: TestServer, realmId: string): Promise<string | null> {
  return (await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor;
}
