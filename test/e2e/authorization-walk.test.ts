import { parse, validate, type GraphQLSchema } from 'graphql';
import { getSchema } from '../../src/schema/build';
import { scopes } from '../../src/auth/scopes';
import { parseGlobalId, toGlobalId } from '../../src/common/global-id';
import { createGroup, createIdentity, createRealm, inviteIdentity } from '../factories/graph';
import { databaseChecksums, type Checksums } from '../helpers/db-checksum';
import { holdsNothing } from '../helpers/refusal';
import { operationFor, rootFields, type Operation } from '../helpers/schema-operations';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';
import { firstOutcome, type WsOutcome } from '../helpers/ws-outcome';

/**
 * Issue #4's generic check: every root field of the schema — a field added tomorrow included — is
 * called with arguments that name realm B's objects, by a caller with no token, by a token bound to
 * realm A with every scope, and by an all-realms read-only token. None of them may get B's data or
 * change anything.
 */

let server: TestServer;
let schema: GraphQLSchema;
let realmA: { id: string };
let b: { realm: string; identity: string; group: string; invitation: string; token: string; webhookEndpoint: string; webhookDelivery: string };
let bIds: string[];
/** The cursor of realm B's first event: a subscription allowed by mistake replays B's events at once. */
let bFirstCursor: string;
let tokenA: string;
let readAll: string;
let operations: Operation[];
let before: Checksums;

beforeAll(async () => {
  server = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } });
  schema = await getSchema();

  realmA = await createRealm(server);
  const identityA = await createIdentity(server, realmA.id);
  await createGroup(server, realmA.id, undefined, [identityA.id]);

  const realmB = await createRealm(server);
  const identityB = await createIdentity(server, realmB.id);
  const groupB = await createGroup(server, realmB.id, undefined, [identityB.id]);
  const invitationB = await inviteIdentity(server, realmB.id, { groupIds: [groupB.id] });
  const tokenB = await server.createToken(['realms:read'], realmB.id);
  const webhookEndpointB = (
    await server.ok(`mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } } }`, {
      input: { realmId: realmB.id, url: 'https://93.184.215.14/hook' },
    })
  ).createWebhookEndpoint.webhookEndpoint.id;
  // A FAILED delivery, as the job (which this server does not run) would leave it: retryWebhookDelivery's subject.
  const [{ id: webhookDeliveryUuid }] = await server.db.dataSource.query(
    `INSERT INTO webhook_deliveries (endpoint_id, realm_id, event_seq, event_id, event_type, status, attempts)
     SELECT w.id, w.realm_id, e.seq, e.id, e.type, 'FAILED', 3 FROM webhook_endpoints w JOIN events e ON e.realm_id = w.realm_id
      WHERE w.realm_id = $1 ORDER BY e.seq LIMIT 1 RETURNING id`,
    [uuidOfGlobal(realmB.id)],
  );
  b = {
    realm: realmB.id,
    identity: identityB.id,
    group: groupB.id,
    invitation: invitationB.id,
    token: tokenB.id,
    webhookEndpoint: webhookEndpointB,
    webhookDelivery: toGlobalId('WebhookDelivery', webhookDeliveryUuid),
  };
  bIds = Object.values(b);
  bFirstCursor = (await server.ok(`query($id: ID!) { realm(id: $id) { events(first: 1) { edges { cursor } } } }`, { id: realmB.id })).realm.events.edges[0].cursor;

  tokenA = (await server.createToken([...scopes], realmA.id)).token;
  readAll = (await server.createToken(scopes.filter((scope) => scope.endsWith(':read')))).token;

  const subscriptionFields = new Set(Object.keys(schema.getSubscriptionType()?.getFields() ?? {}));
  operations = rootFields(schema).map((root) =>
    operationFor(root, {
      id: (name, field) => idOfB(name, field),
      optional: (name, _type, field) => (name === 'after' && subscriptionFields.has(field) ? bFirstCursor : undefined),
    }),
  );
  before = await databaseChecksums(server.db);
});
afterAll(() => server.close());

const uuidOfGlobal = (id: string) => parseGlobalId(id)!.uuid;

/** Realm B's object for an ID argument or input field, by its name (a bare `id` by the root field's). */
function idOfB(name: string, field: string): string | string[] | undefined {
  if (name === 'ids') return bIds;
  const subject = name === 'id' ? field : name;
  if (/webhookdelivery/i.test(subject)) return b.webhookDelivery;
  if (/webhook/i.test(subject)) return b.webhookEndpoint;
  if (/apitoken|token/i.test(subject)) return b.token;
  if (/invitation/i.test(subject)) return b.invitation;
  if (/group/i.test(subject)) return b.group;
  if (/identit|member|duplicate/i.test(subject)) return b.identity;
  if (/realm/i.test(subject)) return b.realm;
  // `node(id)`, and any other field that takes an ID of any type.
  if (name === 'id') return b.identity;
  return undefined;
}

/** Its credential is the invitation's own token: with a made-up one, it fails with that token's code. */
const invitationTokenCodes = ['INVALID_TOKEN', 'INVITATION_ALREADY_ACCEPTED', 'INVITATION_REVOKED', 'INVITATION_EXPIRED'];
const anonymousFields = new Set(['acceptInvitation']);

type Answer = { over: 'http'; response: GraphQLResponse } | { over: 'ws'; outcome: WsOutcome };

async function run(operation: Operation, token: string | null): Promise<Answer> {
  if (operation.kind === 'subscription') {
    const client = server.wsClient(token);
    try {
      return { over: 'ws', outcome: await firstOutcome(client, { query: operation.query, variables: operation.variables }) };
    } finally {
      await client.dispose();
    }
  }
  return { over: 'http', response: await server.graphql(operation.query, operation.variables, { authorization: token === null ? '' : `Bearer ${token}` }) };
}

/** The errors' codes and the data, whichever transport answered (a closed socket: `closed:<code>`). */
function summary(answer: Answer): { codes: string[]; data: unknown; status?: number } {
  if (answer.over === 'http') {
    return { codes: (answer.response.errors ?? []).map((error) => error.extensions.code), data: answer.response.data ?? null, status: answer.response.status };
  }
  const { outcome } = answer;
  if (outcome.kind === 'closed') return { codes: [`closed:${outcome.code}`], data: null };
  if (outcome.kind === 'complete') return { codes: [], data: null };
  return { codes: (outcome.result.errors ?? []).map((error) => String(error.extensions?.code)), data: outcome.result.data ?? null };
}

/** Runs every operation as `token`; returns, per field, what was wrong with its answer. */
async function walk(token: string | null, judge: (operation: Operation, answer: ReturnType<typeof summary>) => string | undefined) {
  const problems: Record<string, string> = {};
  const walked: string[] = [];
  for (const operation of operations) {
    const answer = summary(await run(operation, token));
    walked.push(`${operation.kind}.${operation.field}`);
    const problem = judge(operation, answer);
    if (problem) problems[`${operation.kind}.${operation.field}`] = `${problem} — got ${JSON.stringify(answer).slice(0, 400)}`;
  }
  return { problems, walked };
}

const schemaRootFields = () =>
  (['query', 'mutation', 'subscription'] as const).flatMap((kind) => {
    const type = kind === 'query' ? schema.getQueryType() : kind === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    return Object.keys(type?.getFields() ?? {}).map((name) => `${kind}.${name}`);
  });

test('every generated operation is valid GraphQL for the schema, and there is one per root field', () => {
  for (const operation of operations) expect({ field: operation.field, errors: validate(schema, parse(operation.query)).map(String) }).toEqual({ field: operation.field, errors: [] });
  expect(operations.map((operation) => `${operation.kind}.${operation.field}`).sort()).toEqual(schemaRootFields().sort());
  // The walk has teeth only if it reaches all three kinds.
  expect(new Set(operations.map((operation) => operation.kind))).toEqual(new Set(['query', 'mutation', 'subscription']));
});

test('no token: every root field is UNAUTHENTICATED with no data (acceptInvitation fails on its own token)', async () => {
  const { problems, walked } = await walk(null, (operation, answer) => {
    if (!holdsNothing(answer.data)) return 'data came back';
    if (anonymousFields.has(operation.field)) {
      return answer.codes.length === 1 && invitationTokenCodes.includes(answer.codes[0]) ? undefined : 'expected an invitation-token error';
    }
    // Over WebSocket, a connection without a token is closed with 4401 before anything runs.
    if (operation.kind === 'subscription') return answer.codes.join() === 'closed:4401' ? undefined : 'expected close 4401';
    if (answer.status !== 401) return 'expected HTTP 401';
    return answer.codes.join() === 'UNAUTHENTICATED' ? undefined : 'expected UNAUTHENTICATED';
  });
  expect(problems).toEqual({});
  expect(walked.sort()).toEqual(schemaRootFields().sort());
});

test('a token of realm A with every scope gets nothing of realm B: reads find nothing, writes are FORBIDDEN or NOT_FOUND', async () => {
  const { problems, walked } = await walk(tokenA, (operation, answer) => {
    const text = JSON.stringify(answer.data);
    const leaked = bIds.filter((id) => text.includes(id));
    if (leaked.length > 0) return `realm B's ${leaked.join(', ')} came back`;
    if (operation.kind === 'query') return answer.codes.length === 0 ? undefined : 'a query with every scope failed';
    if (!holdsNothing(answer.data)) return 'data came back';
    if (anonymousFields.has(operation.field)) {
      return answer.codes.length === 1 && invitationTokenCodes.includes(answer.codes[0]) ? undefined : 'expected an invitation-token error';
    }
    return answer.codes.length === 1 && ['FORBIDDEN', 'NOT_FOUND'].includes(answer.codes[0]) ? undefined : 'expected FORBIDDEN or NOT_FOUND';
  });
  expect(problems).toEqual({});
  expect(walked.sort()).toEqual(schemaRootFields().sort());
});

test('an all-realms read-only token reads, subscribes, and every mutation is FORBIDDEN', async () => {
  const { problems, walked } = await walk(readAll, (operation, answer) => {
    if (operation.kind === 'query') {
      // apiTokens needs tokens:write, which no read-only token has.
      return answer.codes.every((code) => code === 'FORBIDDEN') ? undefined : 'a query failed otherwise than FORBIDDEN';
    }
    if (operation.kind === 'subscription') {
      // Allowed, it replays realm B's events after the first one at once.
      return answer.codes.length === 0 && answer.data !== null ? undefined : 'the subscription did not deliver';
    }
    if (!holdsNothing(answer.data)) return 'data came back';
    if (anonymousFields.has(operation.field)) {
      return answer.codes.length === 1 && invitationTokenCodes.includes(answer.codes[0]) ? undefined : 'expected an invitation-token error';
    }
    return answer.codes.join() === 'FORBIDDEN' ? undefined : 'expected FORBIDDEN';
  });
  expect(problems).toEqual({});
  expect(walked.sort()).toEqual(schemaRootFields().sort());
});

// Last: after all three walks.
test('the database did not change', async () => {
  expect(await databaseChecksums(server.db)).toEqual(before);
});
