import fc from 'fast-check';
import { createClient } from 'graphql-ws';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import WebSocket from 'ws';
import { ErrorCode } from '../../src/common/errors';
import { toGlobalId } from '../../src/common/global-id';
import { getSchema } from '../../src/schema/build';
import { scopes } from '../../src/auth/scopes';
import { createGroup, createIdentity, createRealm, inviteIdentity, uuidOf } from '../factories/graph';
import { databaseChecksums } from '../helpers/db-checksum';
import { argumentsOf, rootFields, sampleValue, selectionOf, type ValueChoices } from '../helpers/schema-operations';
import { startTestServer, type TestServer } from '../helpers/server';
import { firstOutcome, type WsOutcome } from '../helpers/ws-outcome';

/**
 * Bad input never crashes the server or gets a 500 (issue #4): operations built from the schema,
 * whose arguments and variables fast-check replaces with random strings (unicode, huge, empty),
 * huge and odd numbers, wrong types, malformed IDs, cursors and dates, over HTTP and WebSocket.
 * Every answer must be JSON whose errors carry a code from the known set — never
 * INTERNAL_SERVER_ERROR, never a stack trace — and a mutation that failed must leave the database
 * as it was.
 *
 * Seeded, so a failure is reproducible: fast-check prints the seed and the path of the smallest
 * failing case; run again with FUZZ_SEED=<seed> (and FUZZ_RUNS=<n> to search longer).
 */
const seed = Number(process.env.FUZZ_SEED ?? 20_261_123);
const runs = (base: number) => Math.max(1, Math.round(base * Number(process.env.FUZZ_RUNS ?? 200) / 200));

/** Codes a client may meet (README "Errors"): ours, and those GraphQL and Apollo give before a resolver runs. */
const knownCodes = new Set<string>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  // Apollo's, for an operationName the document does not define.
  'OPERATION_RESOLUTION_FAILURE',
]);

let server: TestServer;
let schema: GraphQLSchema;
let fixture: { realm: string; identity: string; group: string; spareGroup: string; invitation: string; token: string; otherRealm: string; otherIdentity: string };
let realmToken: string;
let firstCursor: string;

beforeAll(async () => {
  server = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } });
  schema = await getSchema();
  const realm = await createRealm(server);
  const identity = await createIdentity(server, realm.id);
  const group = await createGroup(server, realm.id, undefined, [identity.id]);
  const invitation = await inviteIdentity(server, realm.id, { groupIds: [group.id] });
  const token = await server.createToken(['realms:read'], realm.id);
  const other = await createRealm(server);
  const otherIdentity = await createIdentity(server, other.id);
  const spareGroup = await createGroup(server, realm.id);
  fixture = { realm: realm.id, identity: identity.id, group: group.id, spareGroup: spareGroup.id, invitation: invitation.id, token: token.id, otherRealm: other.id, otherIdentity: otherIdentity.id };
  realmToken = (await server.createToken([...scopes], realm.id)).token;
  firstCursor = (await server.ok(`query($id: ID!) { realm(id: $id) { events(first: 1) { edges { cursor } } } }`, { id: realm.id })).realm.events.edges[0].cursor;
});
afterAll(() => server.close());

// ---------------------------------------------------------------------------------------------
// Values

const edgeStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF\uD800',
  '\u202E\u0041',
  '\r\n\t',
  '%',
  '_',
  '\\',
  'a\\',
  "'; DROP TABLE realms; --",
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '-1',
  '1e309',
  '💥'.repeat(300),
  'ß'.repeat(65),
  'x'.repeat(100_000),
];

const strings = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...edgeStrings) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 200, maxLength: 5000 }) },
);

const numbers = fc.oneof(
  fc.integer(),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e308, -0, 0.5, 1e-7, 8761, 1001),
);

const uuids = fc.uuid();
const nodeTypes = ['Realm', 'Identity', 'Group', 'Invitation', 'ApiToken'] as const;
const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** IDs that must all be refused or not found: malformed, of no object, non-canonical, or of another type than asked. */
const ids = fc.oneof(
  strings,
  fc.tuple(fc.constantFrom(...nodeTypes), uuids).map(([type, uuid]) => toGlobalId(type, uuid)),
  fc.tuple(fc.constantFrom(...nodeTypes, 'Nope', ''), strings).map(([type, rest]) => base64url(`${type}:${rest}`)),
  // Real IDs, of the wrong type where they go, or of another realm (the fixture's realm is left out: deleteRealm would take it).
  fc.constantFrom('identity', 'group', 'invitation', 'token', 'otherRealm', 'otherIdentity').map((key) => fixture[key as keyof typeof fixture]),
  fc.constantFrom('realm', 'identity', 'group').map((key) => {
    const id = fixture[key as 'realm' | 'identity' | 'group'];
    return [`${id}=`, id.toUpperCase(), ` ${id}`, base64url(Buffer.from(id, 'base64url').toString().toUpperCase())][id.length % 4];
  }),
);

const orderingKeys = [
  'realm.name',
  'identity.CREATED_AT.asc',
  'identity.USERNAME.desc',
  'group.NAME.asc',
  'group.CREATED_AT.desc',
  'member.added',
  'identityGroup.added',
  'invitation.created',
  'apiToken.created',
];
const timestampish = fc.oneof(
  fc.constantFrom('2024-13-45 25:61:61+00', '9999-12-31 23:59:59.999999+14', '0000-00-00 00:00:00+00', '2024-01-01 00:00:00+99:99:99'),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString().replace('T', ' ').replace('Z', '+00')),
);

/** Cursors: garbage, and ones shaped like ours with odd values inside. */
const cursors = fc.oneof(
  strings,
  fc.base64String(),
  fc.tuple(fc.constantFrom(...orderingKeys), fc.oneof(strings, timestampish), fc.oneof(uuids, strings)).map((parts) => base64url(JSON.stringify(parts))),
  fc.tuple(fc.oneof(uuids, fc.constant('')), fc.oneof(fc.bigInt().map(String), strings)).map(([uuid, seq]) => base64url(`${uuid}:${seq}`)),
  fc.constant(null).map(() => base64url(`${uuidOf(fixture.realm)}:99999999999999999`)),
);

const dates = fc.oneof(
  strings,
  fc.constantFrom('2099-13-01T00:00:00Z', '0000-01-01T00:00:00Z', '275760-09-13T00:00:00.001Z', '-271821-04-20T00:00:00Z', '2020-01-01T00:00:00Z', '2099-01-01'),
  fc.date().map((date) => (Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString())),
);

const wrongShapes = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(strings, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), strings, { maxKeys: 3 }),
  fc.constant(Array.from({ length: 1001 }, (_, index) => toGlobalId('Identity', `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`))),
);

/** A value to put where a value of `type` goes: mostly of its own kind but wrong, sometimes valid, sometimes of another kind. */
function fuzzValueFor(type: GraphQLInputType, name: string, field: string): fc.Arbitrary<unknown> {
  const inner = isNonNullType(type) ? type.ofType : type;
  const named = getNamedType(type);
  let own: fc.Arbitrary<unknown>;
  if (isListType(inner)) own = fc.array(fuzzValueFor(inner.ofType, name, field), { maxLength: 3 });
  // An input object whole is mostly replaced by a valid one: its fields are slots of their own.
  else if (isInputObjectType(inner)) own = fc.oneof(fc.constant(null).map(() => sampleValue(type, name, field, choices())), fc.dictionary(fc.constantFrom(...Object.keys(inner.getFields()), 'nope'), strings, { maxKeys: 2 }));
  else if (named.name === 'ID') own = ids;
  else if (named.name === 'Int' || named.name === 'Float') own = numbers;
  else if (named.name === 'DateTimeISO') own = dates;
  else if (name === 'after' || name === 'before') own = cursors;
  else if (isEnumType(named)) own = fc.oneof(strings, fc.constantFrom(...named.getValues().map((value) => value.name.toLowerCase())));
  else own = strings;
  // Mostly a value of the right type, so that it passes GraphQL and reaches the resolvers and SQL.
  return fc.oneof(
    { weight: 8, arbitrary: own },
    { weight: 1, arbitrary: fc.constant(null).map(() => sampleValue(type, name, field, choices())) },
    { weight: 1, arbitrary: fc.oneof(strings, numbers, wrongShapes) },
  );
}

// ---------------------------------------------------------------------------------------------
// Operations

type Caller = 'admin' | 'realm' | 'none';
const tokenOf = (caller: Caller): string | null => (caller === 'admin' ? server.adminToken : caller === 'realm' ? realmToken : null);

/** A place a value can go, present in the base operation or not: an argument, an input field, a list's first item. */
interface Slot {
  readonly path: Array<string | number>;
  readonly type: GraphQLInputType;
  readonly name: string;
}

interface Target {
  readonly name: string;
  readonly kind: 'query' | 'mutation';
  readonly field: GraphQLField<unknown, unknown>;
  /** Builds the document for the variables' declarations and the arguments' text. */
  readonly document: (definitions: string[], args: string[]) => string;
  /** A valid call: the required arguments with sample values. */
  readonly variables: Record<string, unknown>;
  readonly slots: readonly Slot[];
}

/**
 * The fixture's objects for ID arguments; optional arguments are left to the fuzzer. Deletions aim at
 * the other realm, so that a fuzzed call that happens to be valid cannot take the fixture (and the
 * realm token with it) away from the runs after it.
 */
const choices = (): ValueChoices => ({
  id: (name, field) => {
    if (name === 'ids') return [fixture.identity, fixture.group, fixture.realm];
    if (field === 'deleteRealm') return fixture.otherRealm;
    if (field === 'deleteIdentity') return fixture.otherIdentity;
    if (field === 'deleteGroup') return fixture.spareGroup;
    // linkIdentities deletes its duplicate: one of the other realm (CROSS_REALM), never the fixture's.
    if (name === 'duplicateId') return fixture.otherIdentity;
    const subject = name === 'id' ? field : name;
    if (/token/i.test(subject)) return fixture.token;
    if (/invitation/i.test(subject)) return fixture.invitation;
    if (/group/i.test(subject)) return fixture.group;
    if (/identit|member/i.test(subject)) return fixture.identity;
    return fixture.realm;
  },
});

function slotsOf(type: GraphQLInputType, path: Array<string | number>, name: string): Slot[] {
  const slots: Slot[] = [{ path, type, name }];
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) slots.push(...slotsOf(inner.ofType, [...path, 0], name));
  else if (isInputObjectType(inner)) for (const child of Object.values(inner.getFields())) slots.push(...slotsOf(child.type, [...path, child.name], child.name));
  return slots;
}

function target(name: string, kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, document: Target['document'], extra: Record<string, unknown> = {}): Target {
  // A valid call: argumentsOf fills the required arguments and the optional IDs; keep the required ones.
  const { variables } = argumentsOf(field.args, field.name, choices());
  field.args.forEach((arg, index) => {
    if (!isNonNullType(arg.type)) delete variables[`v${index}`];
  });
  const slots = field.args.flatMap((arg, index) => slotsOf(arg.type, [`v${index}`], arg.name));
  // fast-check prints a counterexample with this: the target's name, not the schema objects it holds.
  return { name, kind, field, document, variables: { ...variables, ...extra }, slots, [fc.toStringMethod]: () => name } as Target;
}

function targets(): Target[] {
  const found: Target[] = [];
  // Every Query and Mutation root field.
  for (const root of rootFields(schema)) {
    if (root.kind === 'subscription') continue;
    const selection = selectionOf(root.field.type, 1);
    found.push(
      target(`${root.kind}.${root.name}`, root.kind, root.field, (definitions, args) =>
        `${root.kind} Fuzz${definitions.length ? `(${definitions.join(', ')})` : ''} { ${root.name}${args.length ? `(${args.join(', ')})` : ''}${selection ? ` { ${selection} }` : ''} }`,
      ),
    );
  }
  // Every field with arguments under the objects node() returns: the lists and their pages, filters, orders.
  for (const [typeName, id] of [['Realm', fixture.realm], ['Group', fixture.group], ['Identity', fixture.identity]] as const) {
    const type = schema.getType(typeName);
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const selection = selectionOf(field.type, 2);
      found.push(
        target(
          `${typeName}.${field.name}`,
          'query',
          field,
          (definitions, args) =>
            `query Fuzz($node: ID!${definitions.map((definition) => `, ${definition}`).join('')}) { node(id: $node) { ... on ${typeName} { ` +
            `${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection ? ` { ${selection} }` : ''} } } }`,
          { node: id },
        ),
      );
    }
  }
  return found;
}

type Change = { path: Array<string | number>; action: 'drop' } | { path: Array<string | number>; action: 'set'; value: unknown };

/** The base variables with the changes made in order; a change under a missing object or list creates it. */
function applyChanges(variables: Record<string, unknown>, changes: readonly Change[]): Record<string, unknown> {
  const copy = structuredClone(variables);
  for (const change of changes) {
    let parent: any = copy;
    const steps = change.path.slice(0, -1);
    steps.forEach((step, index) => {
      if (parent === null || typeof parent !== 'object') return;
      if (parent[step] === undefined || parent[step] === null) parent[step] = typeof change.path[index + 1] === 'number' ? [] : {};
      parent = parent[step];
    });
    if (parent === null || typeof parent !== 'object') continue;
    const last = change.path[change.path.length - 1];
    if (change.action === 'set') parent[last] = change.value;
    else if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  }
  return copy;
}

/** GraphQL literal text for a value (enum-like strings bare where an enum goes), for operations that inline arguments. */
function literal(value: unknown, type: GraphQLInputType | undefined): string {
  const inner = type && isNonNullType(type) ? type.ofType : type;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return inner && isEnumType(inner) && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => literal(item, inner && isListType(inner) ? inner.ofType : undefined)).join(', ')}]`;
  const fields = inner && isInputObjectType(inner) ? inner.getFields() : {};
  return `{${Object.entries(value as Record<string, unknown>)
    .filter(([key]) => /^[_A-Za-z][_0-9A-Za-z]*$/.test(key))
    .map(([key, item]) => `${key}: ${literal(item, fields[key]?.type)}`)
    .join(', ')}}`;
}

interface FuzzCase {
  target: Target;
  changes: Change[];
  caller: Caller;
  transport: 'http' | 'ws';
  inline: boolean;
}

/** A target, one or two of its values set (added or replaced) or dropped, a caller, a transport, variables or literals. */
function fuzzCases(all: Target[]): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom(...all).chain((target) => {
    const change =
      target.slots.length > 0
        ? fc.constantFrom(...target.slots).chain((slot) =>
            fc.oneof(
              { weight: 1, arbitrary: fc.constant<Change>({ path: slot.path, action: 'drop' }) },
              { weight: 6, arbitrary: fuzzValueFor(slot.type, slot.name, target.field.name).map((value): Change => ({ path: slot.path, action: 'set', value })) },
            ),
          )
        : fc.constant<Change | null>(null);
    return fc.record({
      target: fc.constant(target),
      changes: fc.oneof({ weight: 3, arbitrary: fc.tuple(change) }, { weight: 1, arbitrary: fc.tuple(change, change) }).map((list) =>
        list.filter((item): item is Change => item !== null),
      ),
      // Mostly a caller whose operations reach the resolvers; the walk covers who may call what.
      caller: fc.constantFrom<Caller>('admin', 'admin', 'admin', 'admin', 'admin', 'realm', 'realm', 'none'),
      transport: fc.constantFrom<'http' | 'ws'>('http', 'http', 'ws'),
      inline: fc.boolean(),
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Checks

interface Answer {
  status?: number;
  text: string;
  body: { data?: unknown; errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> } | null;
  closed?: number;
}

/** Everything every answer must be: JSON, coded errors from the known set, no stack trace, no 5xx. */
function checkAnswer(answer: Answer, allowedCloses: readonly number[] = []): void {
  if (answer.closed !== undefined) {
    if (!allowedCloses.includes(answer.closed)) throw new Error(`the WebSocket closed with ${answer.closed}: ${answer.text}`);
    return;
  }
  if (answer.status !== undefined && answer.status >= 500) throw new Error(`HTTP ${answer.status}: ${answer.text.slice(0, 500)}`);
  if (answer.body === null || typeof answer.body !== 'object') throw new Error(`not a JSON object: ${answer.text.slice(0, 500)}`);
  if (/stacktrace|\bat .+\(.+:\d+:\d+\)|node_modules|\/src\/.+\.ts/.test(answer.text)) throw new Error(`internals leaked: ${answer.text.slice(0, 1000)}`);
  const { data, errors } = answer.body;
  if (data !== undefined && data !== null && typeof data !== 'object') throw new Error(`data is not an object: ${answer.text.slice(0, 500)}`);
  if (errors === undefined) {
    if (data === undefined || data === null) throw new Error(`neither data nor errors: ${answer.text.slice(0, 500)}`);
    return;
  }
  if (!Array.isArray(errors) || errors.length === 0) throw new Error(`errors is not a non-empty list: ${answer.text.slice(0, 500)}`);
  for (const error of errors) {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || !knownCodes.has(code)) throw new Error(`error code ${String(code)}: ${JSON.stringify(error).slice(0, 1000)}`);
    if (typeof error.message !== 'string') throw new Error(`error without a message: ${JSON.stringify(error).slice(0, 500)}`);
  }
}

async function postRaw(body: string, token: string | null): Promise<Answer> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body,
  });
  const text = await response.text();
  let parsed: Answer['body'] = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: response.status, text, body: parsed };
}

async function overWs(payload: { query: string; variables?: unknown }, token: string | null): Promise<Answer> {
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  try {
    const outcome: WsOutcome = await firstOutcome(client, payload as { query: string; variables?: Record<string, unknown> });
    if (outcome.kind === 'closed') return { closed: outcome.code, text: outcome.reason, body: null };
    if (outcome.kind === 'complete') return { text: '', body: { data: null } };
    return { text: JSON.stringify(outcome.result), body: outcome.result as Answer['body'] };
  } finally {
    await client.dispose();
  }
}

/** The mutation, or query, failed as a whole: nothing of it may have been written. */
const failed = (answer: Answer, field: string) =>
  answer.closed !== undefined ||
  (answer.body?.errors !== undefined && (answer.body?.data == null || (answer.body.data as Record<string, unknown>)[field] == null));

// ---------------------------------------------------------------------------------------------
// Properties

const fuzzTimeout = 120_000;

test(
  'operations with fuzzed arguments and variables: coded errors only, and failed mutations change nothing',
  async () => {
    await fc.assert(
      fc.asyncProperty(fuzzCases(targets()), async ({ target, changes, caller, transport, inline }) => {
        const variables = applyChanges(target.variables, changes);
        const args = target.field.args
          .map((arg, index) => ({ arg, name: `v${index}` }))
          .filter(({ name }) => name in variables);
        let query: string;
        let sent: Record<string, unknown>;
        if (inline) {
          // Arguments as literals in the document; only the node's ID stays a variable.
          query = target.document([], args.map(({ arg, name }) => `${arg.name}: ${literal(variables[name], arg.type)}`));
          sent = 'node' in variables ? { node: variables.node } : {};
        } else {
          query = target.document(
            args.map(({ arg, name }) => `$${name}: ${String(arg.type)}`),
            args.map(({ arg, name }) => `${arg.name}: $${name}`),
          );
          sent = variables;
        }
        const before = await databaseChecksums(server.db);
        const token = tokenOf(caller);
        const answer = transport === 'http' ? await postRaw(JSON.stringify({ query, variables: sent }), token) : await overWs({ query, variables: sent }, token);
        // Without a token the WebSocket is closed (4401); a message over MAX_WS_MESSAGE_BYTES closes it with 1009.
        checkAnswer(answer, caller === 'none' ? [4401, 1009] : [1009]);
        if (target.kind === 'query' || failed(answer, target.kind === 'mutation' ? target.field.name : 'node')) {
          expect(await databaseChecksums(server.db)).toEqual(before);
        }
      }),
      { seed, numRuns: runs(150), verbose: 1 },
    );
  },
  fuzzTimeout,
);

test(
  'malformed documents and request bodies: coded errors only',
  async () => {
    const validQuery = `query($id: ID!) { realm(id: $id) { name identities(first: 2) { edges { cursor node { id } } } } }`;
    const bodies = fc.oneof(
      // Documents that are not GraphQL, or barely.
      fc.string({ unit: 'grapheme', maxLength: 200 }).map((query) => JSON.stringify({ query })),
      // A valid document with characters spliced in, cut short or repeated.
      fc.tuple(fc.nat({ max: validQuery.length }), fc.string({ unit: 'grapheme-ascii', maxLength: 10 })).map(([at, text]) =>
        JSON.stringify({ query: validQuery.slice(0, at) + text + validQuery.slice(at), variables: { id: fixture.realm } }),
      ),
      // Variables, operationName and extensions of every wrong shape.
      fc.record({ query: fc.constant(validQuery), variables: fc.oneof(fc.jsonValue(), fc.constant({ id: fixture.realm })), operationName: fc.oneof(fc.constant(undefined), fc.jsonValue()) }).map((body) =>
        JSON.stringify(body),
      ),
      fc.record({ query: fc.jsonValue(), extensions: fc.jsonValue() }).map((body) => JSON.stringify(body)),
      // Not JSON, or JSON that is not an object.
      fc.string({ maxLength: 100 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      // Two operations and no name; deep nesting; many aliases.
      fc.constant(JSON.stringify({ query: '{ realms { totalCount } } { realms { totalCount } }' })),
      fc.nat({ max: 200 }).map((depth) => JSON.stringify({ query: `{ ${'realms { edges { node { '.repeat(depth)}id${' } } }'.repeat(depth)} }` })),
      fc.nat({ max: 300 }).map((count) => JSON.stringify({ query: `{ ${Array.from({ length: count }, (_, i) => `a${i}: __typename`).join(' ')} }` })),
    );
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom<Caller>('admin', 'none'), async (body, caller) => {
        const before = await databaseChecksums(server.db);
        checkAnswer(await postRaw(body, tokenOf(caller)));
        expect(await databaseChecksums(server.db)).toEqual(before);
      }),
      { seed, numRuns: runs(30), verbose: 1 },
    );
  },
  fuzzTimeout,
);

test(
  'subscriptions with fuzzed arguments: coded errors only',
  async () => {
    // `after` is the realm's first event: a subscription that is accepted replays at once.
    const realmIds = fc.oneof({ weight: 1, arbitrary: fc.constant<string | null>(null) }, { weight: 6, arbitrary: ids });
    const types = fc.oneof(fc.constant(undefined), fc.constant([]), fc.array(strings, { maxLength: 2 }), wrongShapes);
    await fc.assert(
      fc.asyncProperty(realmIds, types, fc.constantFrom<Caller>('admin', 'realm'), async (realmId, eventTypes, caller) => {
        const answer = await overWs(
          {
            query: `subscription($realmId: ID!, $types: [RealmEventType!], $after: String) { realmEvents(realmId: $realmId, types: $types, after: $after) { id type } }`,
            variables: { realmId: realmId ?? fixture.realm, types: eventTypes, after: firstCursor },
          },
          tokenOf(caller),
        );
        checkAnswer(answer, [1009]);
      }),
      { seed, numRuns: runs(20), verbose: 1 },
    );
  },
  fuzzTimeout,
);

describe('inputs the fuzzer once turned into INTERNAL_SERVER_ERROR', () => {
  // A group of their own: a fuzzed call above that happens to be valid may have deleted the fixture's
  // (its ID is among the real IDs the fuzzer tries), and which calls are made changes with the schema.
  let group: string;
  beforeAll(async () => {
    group = (await createGroup(server, fixture.realm)).id;
  });
  const cursor = (...parts: string[]) => base64url(JSON.stringify(parts));
  const cases: Array<{ what: string; over: 'http' | 'ws'; query: string; variables: () => Record<string, unknown>; expected: Record<string, unknown> }> = [
    {
      what: 'a variable that does not fit its type, over WebSocket',
      over: 'ws',
      query: `query($first: Int) { realms(first: $first) { totalCount } }`,
      variables: () => ({ first: 'ten' }),
      expected: { code: 'BAD_USER_INPUT' },
    },
    {
      what: 'U+0000 in text to store',
      over: 'http',
      query: `mutation($id: ID!) { createGroup(input: { realmId: $id, name: "nul", description: "a\\u0000b" }) { group { id } } }`,
      variables: () => ({ id: fixture.realm }),
      expected: { code: 'INVALID_INPUT', inputPath: ['input', 'description'] },
    },
    {
      what: 'half a surrogate pair in text to store (the event log’s json refuses it)',
      over: 'http',
      query: `mutation($id: ID!, $name: String) { updateGroup(input: { id: $id, name: $name }) { group { id } } }`,
      variables: () => ({ id: group, name: '\uD800' }),
      expected: { code: 'INVALID_INPUT', inputPath: ['input', 'name'] },
    },
    {
      what: 'U+0000 in a search',
      over: 'http',
      query: `query($id: ID!) { node(id: $id) { ... on Group { members(filter: { search: "\\u0000" }) { totalCount } } } }`,
      variables: () => ({ id: group }),
      expected: { code: 'INVALID_INPUT', inputPath: ['filter', 'search'] },
    },
    {
      what: 'a date that does not exist in a cursor',
      over: 'http',
      query: `query($id: ID!, $after: String) { realm(id: $id) { invitations(after: $after) { totalCount } } }`,
      variables: () => ({ id: fixture.realm, after: cursor('invitation.created', '2024-02-30 00:00:00+00', '00000000-0000-4000-8000-000000000000') }),
      expected: { code: 'INVALID_CURSOR', inputPath: ['after'] },
    },
    {
      what: 'U+0000 in a cursor',
      over: 'http',
      query: `query($after: String) { realms(after: $after) { totalCount } }`,
      variables: () => ({ after: cursor('realm.name', 'a\u0000', '00000000-0000-4000-8000-000000000000') }),
      expected: { code: 'INVALID_CURSOR', inputPath: ['after'] },
    },
  ];

  test.each(cases)('$what', async ({ over, query, variables, expected }) => {
    const answer = over === 'http' ? await postRaw(JSON.stringify({ query, variables: variables() }), server.adminToken) : await overWs({ query, variables: variables() }, server.adminToken);
    checkAnswer(answer);
    expect(answer.body?.errors?.[0].extensions).toMatchObject(expected);
  });

  test('a realm name no realm can have finds none, U+0000 included', async () => {
    const answer = await postRaw(JSON.stringify({ query: `query($name: String!) { realm(name: $name) { id } }`, variables: { name: 'a\u0000b' } }), server.adminToken);
    checkAnswer(answer);
    expect(answer.body).toEqual({ data: { realm: null } });
  });
});
