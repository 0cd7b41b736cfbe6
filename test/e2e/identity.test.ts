import {
  addMembers,
  changeIdentityStatus,
  createGroup,
  createIdentity,
  createRealm,
  deleteRealm,
  insertIdentities,
  type StatusChange,
} from '../factories/graph';
import { refusedData } from '../helpers/refusal';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const identityFields = 'id displayName username primaryEmail fullName phoneNumber role status source externalId version realm { id }';

const createMutation = `mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { ${identityFields} } } }`;
const updateMutation = `mutation($input: UpdateIdentityInput!) { updateIdentity(input: $input) { identity { ${identityFields} } } }`;
const statusMutation = (change: StatusChange) => {
  const name = `${change[0].toUpperCase()}${change.slice(1)}IdentityInput`;
  return `mutation($input: ${name}!) { result: ${change}Identity(input: $input) { identity { status version } } }`;
};
const deleteMutation = `mutation($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`;

let sequence = 0;
/** Valid create input with a fresh username and email; `fields` overrides. */
const newIdentity = (realmId: string, fields: Record<string, unknown> = {}) => {
  const username = `person${++sequence}`;
  return { realmId, displayName: `Person ${sequence}`, username, primaryEmail: `${username}@example.com`, ...fields };
};

/** The one error of a refused operation; a refused mutation's field is null, and nothing else is answered. */
function refusal(result: GraphQLResponse) {
  expect(result.errors).toHaveLength(1);
  expect(result.data ?? null).toEqual(refusedData(result.errors));
  return result.errors![0].extensions;
}

async function readIdentity(id: string) {
  const data = await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { ${identityFields} } } }`, { id });
  return data.node;
}

const listQuery = `query($realmId: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: IdentityFilter, $orderBy: IdentityOrder) {
  realm(id: $realmId) {
    identities(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id username } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

interface ListArgs {
  first?: number;
  after?: string | null;
  last?: number;
  before?: string | null;
  filter?: Record<string, unknown>;
  orderBy?: { field: string; direction?: string };
}

interface IdentityPage {
  totalCount: number;
  edges: Array<{ cursor: string; node: { id: string; username: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

async function listIdentities(realmId: string, args: ListArgs = {}): Promise<IdentityPage> {
  return (await server.ok(listQuery, { realmId, ...args })).realm.identities;
}

const listRaw = (realmId: string, args: ListArgs) => server.graphql(listQuery, { realmId, ...args });

/** The one error of a refused `realm { identities }` read: the list comes back null (it is nullable), the realm stands. */
function listRefusal(result: GraphQLResponse) {
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0].path).toEqual(['realm', 'identities']);
  expect(result.data).toEqual({ realm: { identities: null } });
  return result.errors![0].extensions;
}

const usernames = (page: IdentityPage) => page.edges.map((edge) => edge.node.username);

/** Walks the list with first/after; checks each page's size and flags on the way. */
async function walkForward(realmId: string, args: ListArgs, pageSize: number) {
  const seen: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const page = await listIdentities(realmId, { ...args, first: pageSize, after });
    expect(page.edges.length).toBeLessThanOrEqual(pageSize);
    expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
    seen.push(...usernames(page));
    if (!page.pageInfo.hasNextPage) return seen;
    expect(page.edges).toHaveLength(pageSize);
    after = page.pageInfo.endCursor;
  }
  throw new Error('more than 20 pages: the cursor does not move forward');
}

/** Walks the list with last/before, from its end to its start. */
async function walkBackward(realmId: string, args: ListArgs, pageSize: number) {
  const seen: string[] = [];
  let before: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const page = await listIdentities(realmId, { ...args, last: pageSize, before });
    expect(page.edges.length).toBeLessThanOrEqual(pageSize);
    expect(page.pageInfo.hasNextPage).toBe(before !== null);
    seen.unshift(...usernames(page));
    if (!page.pageInfo.hasPreviousPage) return seen;
    expect(page.edges).toHaveLength(pageSize);
    before = page.pageInfo.startCursor;
  }
  throw new Error('more than 20 pages: the cursor does not move backward');
}

describe('createIdentity', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  test('a new identity is an ACTIVE, MANUAL GRANTEE at version 1 unless told otherwise', async () => {
    const input = newIdentity(realmId);
    const data = await server.ok(createMutation, { input });
    expect(data.createIdentity.identity).toMatchObject({
      displayName: input.displayName,
      username: input.username,
      primaryEmail: input.primaryEmail,
      fullName: null,
      phoneNumber: null,
      role: 'GRANTEE',
      source: 'MANUAL',
      status: 'ACTIVE',
      externalId: null,
      version: 1,
      realm: { id: realmId },
    });
  });

  test('the created identity reads back the same through node(id)', async () => {
    const created = (await server.ok(createMutation, { input: newIdentity(realmId, { role: 'ADMIN', fullName: 'Ada Lovelace' }) })).createIdentity.identity;
    expect(await readIdentity(created.id)).toEqual(created);
  });

  test('text values are trimmed', async () => {
    const data = await server.ok(createMutation, {
      input: { realmId, displayName: '  Trim Me  ', username: '  trimmed  ', primaryEmail: '  trimmed@example.com  ', fullName: '  Trimmed Person  ' },
    });
    expect(data.createIdentity.identity).toMatchObject({
      displayName: 'Trim Me',
      username: 'trimmed',
      primaryEmail: 'trimmed@example.com',
      fullName: 'Trimmed Person',
    });
  });

  test('an E.164 phone number is kept as given', async () => {
    const data = await server.ok(createMutation, { input: newIdentity(realmId, { phoneNumber: '+14155550100' }) });
    expect(data.createIdentity.identity.phoneNumber).toBe('+14155550100');
  });

  test('spaces, dashes, dots and parentheses in a phone number are dropped', async () => {
    const data = await server.ok(createMutation, { input: newIdentity(realmId, { phoneNumber: '+1 (415) 555-01.00' }) });
    expect(data.createIdentity.identity.phoneNumber).toBe('+14155550100');
  });

  test.each(['555-1234', '14155550100', '+0123456', '+1415555010012345', '+1-415-CALL-NOW'])(
    'a phone number that is not E.164 (%j) is refused',
    async (phoneNumber) => {
      const result = await server.graphql(createMutation, { input: newIdentity(realmId, { phoneNumber }) });
      expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'phoneNumber'] });
    },
  );

  test.each(['not-an-email', 'a@b', 'two@@example.com', 'with space@example.com', '@example.com', '   '])(
    'an invalid email (%j) is refused',
    async (primaryEmail) => {
      const result = await server.graphql(createMutation, { input: newIdentity(realmId, { primaryEmail }) });
      expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'primaryEmail'] });
    },
  );

  test('a display name of 64 characters is accepted', async () => {
    const displayName = 'd'.repeat(64);
    const data = await server.ok(createMutation, { input: newIdentity(realmId, { displayName }) });
    expect(data.createIdentity.identity.displayName).toBe(displayName);
  });

  test('a display name over 64 characters is refused', async () => {
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { displayName: 'd'.repeat(65) }) });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'displayName'] });
  });

  // "1–64 characters", and the database's CHECK counts characters (char_length), not UTF-16 units.
  test('a display name of 64 characters outside the Basic Multilingual Plane is accepted', async () => {
    const displayName = '𝒜'.repeat(64);
    const data = await server.ok(createMutation, { input: newIdentity(realmId, { displayName }) });
    expect(data.createIdentity.identity.displayName).toBe(displayName);
  });

  test('a blank display name is refused', async () => {
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { displayName: '   ' }) });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'displayName'] });
  });

  test.each(['john smith', 'tab\there', 'new\nline'])('a username with whitespace (%j) is refused', async (username) => {
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { username }) });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'username'] });
  });

  test('a refused create leaves no identity behind', async () => {
    const realm = await createRealm(server);
    await server.graphql(createMutation, { input: newIdentity(realm.id, { phoneNumber: '555-1234' }) });
    expect((await listIdentities(realm.id)).totalCount).toBe(0);
  });

  test('an identity cannot be created in a realm that no longer exists', async () => {
    const gone = await createRealm(server);
    await deleteRealm(server, gone.id);
    const result = await server.graphql(createMutation, { input: newIdentity(gone.id) });
    expect(refusal(result)).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'realmId'] });
  });
});

describe('uniqueness in a realm', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  test('a username taken in another case is refused with DUPLICATE_USERNAME', async () => {
    await createIdentity(server, realmId, { username: 'jdoe', primaryEmail: 'jdoe@example.com' });
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { username: 'JDoe' }) });
    expect(refusal(result)).toMatchObject({ code: 'DUPLICATE_USERNAME', inputPath: ['input', 'username'] });
  });

  test('an email taken in another case is refused with DUPLICATE_EMAIL', async () => {
    await createIdentity(server, realmId, { username: 'mail-owner', primaryEmail: 'Owner@Example.com' });
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { primaryEmail: 'owner@EXAMPLE.COM' }) });
    expect(refusal(result)).toMatchObject({ code: 'DUPLICATE_EMAIL', inputPath: ['input', 'primaryEmail'] });
  });

  test('a username that differs only in the case of a non-ASCII letter is a duplicate', async () => {
    await createIdentity(server, realmId, { username: 'Élodie' });
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { username: 'éLODIE' }) });
    expect(refusal(result)).toMatchObject({ code: 'DUPLICATE_USERNAME', inputPath: ['input', 'username'] });
  });

  test('the same username and email are free in another realm', async () => {
    const other = await createRealm(server);
    await createIdentity(server, realmId, { username: 'shared', primaryEmail: 'shared@example.com' });
    const data = await server.ok(createMutation, { input: newIdentity(other.id, { username: 'shared', primaryEmail: 'shared@example.com' }) });
    expect(data.createIdentity.identity).toMatchObject({ username: 'shared', realm: { id: other.id } });
  });

  test('of two concurrent creates with one username, exactly one succeeds', async () => {
    const realm = await createRealm(server);
    const results = await Promise.all(
      ['racer', 'RACER'].map((username, i) => server.graphql(createMutation, { input: newIdentity(realm.id, { username, primaryEmail: `racer${i}@example.com` }) })),
    );
    const codes = results.map((result) => result.errors?.[0].extensions.code ?? 'OK').sort();
    expect(codes).toEqual(['DUPLICATE_USERNAME', 'OK']);
    expect((await listIdentities(realm.id)).totalCount).toBe(1);
  });

  test('a MANUAL identity with the username of an IDP identity is refused with IDP_IDENTITY_CONFLICT', async () => {
    await createIdentity(server, realmId, { username: 'from-okta', primaryEmail: 'okta-user@example.com', source: 'IDP', externalId: 'okta|1' });
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { username: 'From-Okta' }) });
    expect(refusal(result)).toMatchObject({ code: 'IDP_IDENTITY_CONFLICT', inputPath: ['input', 'username'] });
  });

  test('a MANUAL identity with the email of an IDP identity is refused with IDP_IDENTITY_CONFLICT', async () => {
    await createIdentity(server, realmId, { username: 'from-azure', primaryEmail: 'azure-user@example.com', source: 'IDP', externalId: 'azure|1' });
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { primaryEmail: 'AZURE-USER@example.com' }) });
    expect(refusal(result)).toMatchObject({ code: 'IDP_IDENTITY_CONFLICT', inputPath: ['input', 'primaryEmail'] });
  });

  test('an IDP identity with the username of a MANUAL identity is a plain DUPLICATE_USERNAME', async () => {
    await createIdentity(server, realmId, { username: 'manual-first', primaryEmail: 'manual-first@example.com' });
    const result = await server.graphql(createMutation, {
      input: newIdentity(realmId, { username: 'manual-first', source: 'IDP', externalId: 'okta|manual-first' }),
    });
    expect(refusal(result)).toMatchObject({ code: 'DUPLICATE_USERNAME', inputPath: ['input', 'username'] });
  });

  test('an IDP identity keeps its externalId', async () => {
    const data = await server.ok(createMutation, { input: newIdentity(realmId, { source: 'IDP', externalId: '  okta|keep  ' }) });
    expect(data.createIdentity.identity).toMatchObject({ source: 'IDP', externalId: 'okta|keep' });
  });

  test.each([undefined, null, '', '   '])('an IDP identity without an externalId (%j) is refused', async (externalId) => {
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { source: 'IDP', externalId }) });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'externalId'] });
  });

  test('a MANUAL identity with an externalId is refused', async () => {
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { source: 'MANUAL', externalId: 'okta|manual' }) });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'externalId'] });
  });

  test('an externalId taken in the realm is refused with DUPLICATE_EXTERNAL_ID', async () => {
    await createIdentity(server, realmId, { source: 'IDP', externalId: 'okta|dup' });
    const result = await server.graphql(createMutation, { input: newIdentity(realmId, { source: 'IDP', externalId: 'okta|dup' }) });
    expect(refusal(result)).toMatchObject({ code: 'DUPLICATE_EXTERNAL_ID', inputPath: ['input', 'externalId'] });
  });

  test('the same externalId is free in another realm', async () => {
    const other = await createRealm(server);
    await createIdentity(server, realmId, { source: 'IDP', externalId: 'okta|elsewhere' });
    const data = await server.ok(createMutation, { input: newIdentity(other.id, { source: 'IDP', externalId: 'okta|elsewhere' }) });
    expect(data.createIdentity.identity.externalId).toBe('okta|elsewhere');
  });
});

describe('updateIdentity', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  async function createFull() {
    const input = newIdentity(realmId, { fullName: 'Full Name', phoneNumber: '+442079460000', role: 'GRANTEE' });
    return (await server.ok(createMutation, { input })).createIdentity.identity;
  }

  test('only the given fields change', async () => {
    const before = await createFull();
    const data = await server.ok(updateMutation, { input: { id: before.id, displayName: 'New Name' } });
    expect(data.updateIdentity.identity).toEqual({ ...before, displayName: 'New Name', version: 2 });
    expect(await readIdentity(before.id)).toEqual(data.updateIdentity.identity);
  });

  test('every given field changes, trimmed and normalised', async () => {
    const before = await createFull();
    const data = await server.ok(updateMutation, {
      input: {
        id: before.id,
        displayName: ' Renamed ',
        username: ' renamed-user ',
        primaryEmail: ' renamed@example.com ',
        fullName: ' Renamed Person ',
        phoneNumber: '+49 30 901820',
        role: 'ADMIN',
      },
    });
    expect(data.updateIdentity.identity).toEqual({
      ...before,
      displayName: 'Renamed',
      username: 'renamed-user',
      primaryEmail: 'renamed@example.com',
      fullName: 'Renamed Person',
      phoneNumber: '+4930901820',
      role: 'ADMIN',
      version: 2,
    });
  });

  test('null clears fullName and phoneNumber', async () => {
    const before = await createFull();
    const data = await server.ok(updateMutation, { input: { id: before.id, fullName: null, phoneNumber: null } });
    expect(data.updateIdentity.identity).toEqual({ ...before, fullName: null, phoneNumber: null, version: 2 });
  });

  test('the version goes up by one with every update', async () => {
    const { id } = await createFull();
    const versions: number[] = [];
    for (const displayName of ['One', 'Two', 'Three']) {
      versions.push((await server.ok(updateMutation, { input: { id, displayName } })).updateIdentity.identity.version);
    }
    expect(versions).toEqual([2, 3, 4]);
  });

  test('an update with the current version is applied', async () => {
    const { id } = await createFull();
    const data = await server.ok(updateMutation, { input: { id, version: 1, displayName: 'Checked' } });
    expect(data.updateIdentity.identity).toMatchObject({ displayName: 'Checked', version: 2 });
  });

  test('an update with a stale version is refused with VERSION_CONFLICT and changes nothing', async () => {
    const { id } = await createFull();
    await server.ok(updateMutation, { input: { id, version: 1, displayName: 'First Writer' } });
    const before = await readIdentity(id);

    const stale = await server.graphql(updateMutation, { input: { id, version: 1, displayName: 'Lost Update', role: 'ADMIN' } });
    expect(refusal(stale)).toMatchObject({ code: 'VERSION_CONFLICT', inputPath: ['input', 'version'], currentVersion: 2 });
    expect(await readIdentity(id)).toEqual(before);
  });

  test('renaming to a username taken in another case is refused with DUPLICATE_USERNAME and changes nothing', async () => {
    await createIdentity(server, realmId, { username: 'taken-name' });
    const mine = await createFull();
    const result = await server.graphql(updateMutation, { input: { id: mine.id, username: 'Taken-Name', displayName: 'Would Change' } });
    expect(refusal(result)).toMatchObject({ code: 'DUPLICATE_USERNAME', inputPath: ['input', 'username'] });
    expect(await readIdentity(mine.id)).toEqual(mine);
  });

  test('changing to an email taken in the realm is refused with DUPLICATE_EMAIL and changes nothing', async () => {
    await createIdentity(server, realmId, { primaryEmail: 'taken-mail@example.com' });
    const mine = await createFull();
    const result = await server.graphql(updateMutation, { input: { id: mine.id, primaryEmail: 'TAKEN-MAIL@example.com' } });
    expect(refusal(result)).toMatchObject({ code: 'DUPLICATE_EMAIL', inputPath: ['input', 'primaryEmail'] });
    expect(await readIdentity(mine.id)).toEqual(mine);
  });

  test('an identity may change the case of its own username', async () => {
    const mine = await createFull();
    const data = await server.ok(updateMutation, { input: { id: mine.id, username: mine.username.toUpperCase() } });
    expect(data.updateIdentity.identity.username).toBe(mine.username.toUpperCase());
  });

  test('a MANUAL identity cannot take the email of an IDP identity', async () => {
    await createIdentity(server, realmId, { primaryEmail: 'idp-owned@example.com', source: 'IDP', externalId: 'okta|owned' });
    const mine = await createFull();
    const result = await server.graphql(updateMutation, { input: { id: mine.id, primaryEmail: 'idp-owned@example.com' } });
    expect(refusal(result)).toMatchObject({ code: 'IDP_IDENTITY_CONFLICT', inputPath: ['input', 'primaryEmail'] });
  });

  test('a username taken in another realm is free to take', async () => {
    const other = await createRealm(server);
    await createIdentity(server, other.id, { username: 'elsewhere-name' });
    const mine = await createFull();
    const data = await server.ok(updateMutation, { input: { id: mine.id, username: 'elsewhere-name' } });
    expect(data.updateIdentity.identity.username).toBe('elsewhere-name');
  });

  test.each([
    ['phoneNumber', '555-1234'],
    ['primaryEmail', 'nope'],
    ['username', 'has space'],
    ['displayName', 'x'.repeat(65)],
  ])('an invalid %s is refused and changes nothing', async (field, value) => {
    const mine = await createFull();
    const result = await server.graphql(updateMutation, { input: { id: mine.id, [field]: value } });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', field] });
    expect(await readIdentity(mine.id)).toEqual(mine);
  });

  test('updating a deleted identity is refused with NOT_FOUND', async () => {
    const { id } = await createFull();
    await server.ok(deleteMutation, { id });
    const result = await server.graphql(updateMutation, { input: { id, displayName: 'Ghost' } });
    expect(refusal(result)).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'id'] });
  });
});

describe('lifecycle', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  const change = async (id: string, how: StatusChange, version?: number) =>
    server.graphql(statusMutation(how), { input: { id, ...(version === undefined ? {} : { version }) } });

  async function statuses(id: string, steps: StatusChange[]) {
    const seen: Array<{ status: string; version: number }> = [];
    for (const step of steps) {
      const result = await change(id, step);
      expect(result.errors).toBeUndefined();
      seen.push(result.data.result.identity);
    }
    return seen;
  }

  test('ACTIVE → SUSPENDED → ACTIVE by suspend and reactivate', async () => {
    const { id } = await createIdentity(server, realmId);
    expect(await statuses(id, ['suspend', 'reactivate'])).toEqual([
      { status: 'SUSPENDED', version: 2 },
      { status: 'ACTIVE', version: 3 },
    ]);
  });

  test('ACTIVE → DEPROVISIONED → ACTIVE by deprovision and reactivate', async () => {
    const { id } = await createIdentity(server, realmId);
    expect(await statuses(id, ['deprovision', 'reactivate'])).toEqual([
      { status: 'DEPROVISIONED', version: 2 },
      { status: 'ACTIVE', version: 3 },
    ]);
  });

  test('SUSPENDED → DEPROVISIONED by deprovision', async () => {
    const { id } = await createIdentity(server, realmId);
    expect(await statuses(id, ['suspend', 'deprovision'])).toEqual([
      { status: 'SUSPENDED', version: 2 },
      { status: 'DEPROVISIONED', version: 3 },
    ]);
  });

  test.each<[string, StatusChange, StatusChange[]]>([
    ['ACTIVE', 'reactivate', []],
    ['SUSPENDED', 'suspend', ['suspend']],
    ['DEPROVISIONED', 'deprovision', ['deprovision']],
    ['DEPROVISIONED', 'suspend', ['deprovision']],
  ])('from %s, %s is refused with INVALID_STATUS_TRANSITION and changes nothing', async (from, refused, setup) => {
    const { id } = await createIdentity(server, realmId);
    for (const step of setup) await changeIdentityStatus(server, id, step);
    const before = await readIdentity(id);
    expect(before.status).toBe(from);

    const result = await change(id, refused);
    expect(refusal(result)).toMatchObject({ code: 'INVALID_STATUS_TRANSITION', inputPath: ['input', 'id'], status: from });
    expect(await readIdentity(id)).toEqual(before);
  });

  test('a status change with a stale version is refused with VERSION_CONFLICT', async () => {
    const { id } = await createIdentity(server, realmId);
    await server.ok(updateMutation, { input: { id, displayName: 'Edited Meanwhile' } });
    const result = await change(id, 'suspend', 1);
    expect(refusal(result)).toMatchObject({ code: 'VERSION_CONFLICT', inputPath: ['input', 'version'], currentVersion: 2 });
    expect((await readIdentity(id)).status).toBe('ACTIVE');
  });

  test('a status change of a deleted identity is refused with NOT_FOUND', async () => {
    const { id } = await createIdentity(server, realmId);
    await server.ok(deleteMutation, { id });
    expect(refusal(await change(id, 'suspend'))).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'id'] });
  });

  test('a deprovisioned identity keeps its groups', async () => {
    const { id } = await createIdentity(server, realmId);
    const group = await createGroup(server, realmId, undefined, [id]);
    await changeIdentityStatus(server, id, 'deprovision');
    const data = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { memberCount members { edges { node { id status } } } } } }`, {
      id: group.id,
    });
    expect(data.node).toEqual({ memberCount: 1, members: { edges: [{ node: { id, status: 'DEPROVISIONED' } }] } });
  });
});

describe('deleteIdentity', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  const groupQuery = `query($id: ID!) { node(id: $id) { ... on Group { memberCount members { totalCount edges { node { id } } } } } }`;

  test('deleting an identity returns its ID and it is gone from node and from the realm', async () => {
    const { id } = await createIdentity(server, realmId);
    const deleted = await server.ok(deleteMutation, { id });
    expect(deleted.deleteIdentity.deletedIdentityId).toBe(id);
    expect(await readIdentity(id)).toBeNull();
    expect((await listIdentities(realmId)).edges.map((edge) => edge.node.id)).not.toContain(id);
  });

  test('deleting an identity removes its memberships and lowers the member counts', async () => {
    const leaving = await createIdentity(server, realmId);
    const staying = await createIdentity(server, realmId);
    const first = await createGroup(server, realmId, undefined, [leaving.id, staying.id]);
    const second = await createGroup(server, realmId, undefined, [leaving.id]);

    await server.ok(deleteMutation, { id: leaving.id });

    expect((await server.ok(groupQuery, { id: first.id })).node).toEqual({
      memberCount: 1,
      members: { totalCount: 1, edges: [{ node: { id: staying.id } }] },
    });
    expect((await server.ok(groupQuery, { id: second.id })).node).toEqual({ memberCount: 0, members: { totalCount: 0, edges: [] } });
  });

  test('deleting it again is refused with NOT_FOUND', async () => {
    const { id } = await createIdentity(server, realmId);
    await server.ok(deleteMutation, { id });
    const again = await server.graphql(deleteMutation, { id });
    expect(refusal(again)).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'id'] });
  });

  test('a deleted username and email are free again', async () => {
    const { id } = await createIdentity(server, realmId, { username: 'recycled', primaryEmail: 'recycled@example.com' });
    await server.ok(deleteMutation, { id });
    const data = await server.ok(createMutation, { input: newIdentity(realmId, { username: 'recycled', primaryEmail: 'recycled@example.com' }) });
    expect(data.createIdentity.identity.id).not.toBe(id);
  });
});

/**
 * One realm with nine identities whose names are chosen so that each filter and each ordering
 * gives a distinct answer: mixed case (case-insensitive order differs from byte order), "%" and
 * "_" in names (they must not act as wildcards), and prefixes found only in one of the three
 * searched fields.
 */
describe('Realm.identities', () => {
  let realmId: string;
  let groupId: string;
  const ids = new Map<string, string>();

  // In creation order.
  const people = [
    { username: 'zadams', displayName: 'Zoe Adams', primaryEmail: 'zoe@example.com', role: 'ADMIN' },
    { username: 'Alice.B', displayName: 'alice Brown', primaryEmail: 'ab@corp.example' },
    { username: 'bcarter', displayName: 'Bob Carter', primaryEmail: 'Bob@Example.com', source: 'IDP', externalId: 'okta|bob' },
    { username: 'cotton', displayName: '100% Cotton', primaryEmail: 'cotton@example.com' },
    { username: 'islands', displayName: '1000 Islands', primaryEmail: 'islands@example.com' },
    { username: 'a_b', displayName: 'Under Score', primaryEmail: 'us@example.com' },
    { username: 'axb', displayName: 'Axe Bee', primaryEmail: 'axb@example.com' },
    { username: 'DEvans', displayName: 'Dave Evans', primaryEmail: 'dave@example.com' },
    { username: 'efrost', displayName: 'E. Frost', primaryEmail: 'Erin@example.com', role: 'ADMIN' },
  ];
  const createdOrder = people.map((person) => person.username);

  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
    for (const person of people) ids.set(person.username, (await createIdentity(server, realmId, person)).id);
    await changeIdentityStatus(server, ids.get('DEvans')!, 'suspend');
    await changeIdentityStatus(server, ids.get('efrost')!, 'deprovision');
    groupId = (await createGroup(server, realmId, 'engineering', ['zadams', 'bcarter', 'efrost'].map((name) => ids.get(name)!))).id;
  });

  test('without arguments, every identity comes in creation order', async () => {
    const page = await listIdentities(realmId);
    expect(usernames(page)).toEqual(createdOrder);
    expect(page.totalCount).toBe(9);
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  describe('filter.search', () => {
    test.each([
      ['a display name prefix, in any case', 'UNDER', ['a_b']],
      ['a username prefix, in any case', 'dev', ['DEvans']],
      ['an email prefix, in any case', 'ERIN', ['efrost']],
      ['one character: a prefix of whichever field matches', 'a', ['Alice.B', 'a_b', 'axb']],
      ['three characters or more: a word inside', 'adams', ['zadams']],
      ['a part of the external ID', 'a|b', ['bcarter']],
      ['"%" as itself, not as a wildcard', '100%', ['cotton']],
      ['a lone "%" matching nothing', '%', []],
      ['"_" as itself, not as a wildcard', 'a_b', ['a_b']],
      ['a lone "_" matching nothing', '_', []],
      ['surrounding spaces trimmed', '  zoe  ', ['zadams']],
      ['an email domain, inside', 'corp.ex', ['Alice.B']],
    ])('matches %s (%j)', async (_what, search, expected) => {
      const page = await listIdentities(realmId, { filter: { search } });
      expect(usernames(page)).toEqual(expected);
      expect(page.totalCount).toBe(expected.length);
    });

    test('matches non-ASCII letters in any case', async () => {
      const realm = await createRealm(server);
      await createIdentity(server, realm.id, { displayName: 'Ömer Şahin', username: 'oemer' });
      await createIdentity(server, realm.id, { displayName: 'Omar Sharif', username: 'omar' });
      expect(usernames(await listIdentities(realm.id, { filter: { search: 'öMER' } }))).toEqual(['oemer']);
    });

    test('a search over 254 characters is refused with INVALID_INPUT', async () => {
      const result = await listRaw(realmId, { filter: { search: 'a'.repeat(255) } });
      expect(listRefusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['filter', 'search'] });
    });

    test('a blank search is no filter', async () => {
      const page = await listIdentities(realmId, { filter: { search: '   ' } });
      expect(usernames(page)).toEqual(createdOrder);
    });
  });

  test.each([
    ['status SUSPENDED', { status: 'SUSPENDED' }, ['DEvans']],
    ['status DEPROVISIONED', { status: 'DEPROVISIONED' }, ['efrost']],
    ['status ACTIVE', { status: 'ACTIVE' }, ['zadams', 'Alice.B', 'bcarter', 'cotton', 'islands', 'a_b', 'axb']],
    ['role ADMIN', { role: 'ADMIN' }, ['zadams', 'efrost']],
    ['role GRANTEE', { role: 'GRANTEE' }, ['Alice.B', 'bcarter', 'cotton', 'islands', 'a_b', 'axb', 'DEvans']],
    ['source IDP', { source: 'IDP' }, ['bcarter']],
    ['source MANUAL', { source: 'MANUAL' }, createdOrder.filter((name) => name !== 'bcarter')],
    ['role ADMIN and status ACTIVE', { role: 'ADMIN', status: 'ACTIVE' }, ['zadams']],
    ['search and source', { search: 'b', source: 'IDP' }, ['bcarter']],
  ])('filters by %s, and totalCount counts the same', async (_what, filter, expected) => {
    const page = await listIdentities(realmId, { filter });
    expect(usernames(page)).toEqual(expected);
    expect(page.totalCount).toBe(expected.length);
  });

  test('filters by group', async () => {
    const page = await listIdentities(realmId, { filter: { groupId } });
    expect(usernames(page)).toEqual(['zadams', 'bcarter', 'efrost']);
    expect(page.totalCount).toBe(3);
  });

  test('filters by group and status together', async () => {
    const page = await listIdentities(realmId, { filter: { groupId, status: 'ACTIVE' } });
    expect(usernames(page)).toEqual(['zadams', 'bcarter']);
    expect(page.totalCount).toBe(2);
  });

  test('an identity added to a group after it was created is found by the group filter', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const late = await createIdentity(server, realm.id);
    await addMembers(server, group.id, [late.id]);
    expect((await listIdentities(realm.id, { filter: { groupId: group.id } })).edges.map((edge) => edge.node.id)).toEqual([late.id]);
  });

  test('a group with no members yields nothing', async () => {
    const empty = await createGroup(server, realmId);
    const page = await listIdentities(realmId, { filter: { groupId: empty.id } });
    expect(page).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, startCursor: null, endCursor: null } });
  });

  // Case-insensitive, by code point: "a_b" < "alice.b" ("_" is U+005F) and "DEvans" sorts as "devans".
  const ascending: Record<string, string[]> = {
    USERNAME: ['a_b', 'Alice.B', 'axb', 'bcarter', 'cotton', 'DEvans', 'efrost', 'islands', 'zadams'],
    // '100% cotton' < '1000 islands' ("%" < "0"), 'alice brown' < 'axe bee' < 'bob carter'.
    DISPLAY_NAME: ['cotton', 'islands', 'Alice.B', 'axb', 'bcarter', 'DEvans', 'efrost', 'a_b', 'zadams'],
    // 'Bob@…' and 'Erin@…' sort as lower case, between the others rather than before them all.
    PRIMARY_EMAIL: ['Alice.B', 'axb', 'bcarter', 'cotton', 'DEvans', 'efrost', 'islands', 'a_b', 'zadams'],
    CREATED_AT: createdOrder,
  };
  const orderings = Object.entries(ascending).flatMap(([field, order]) => [
    { field, direction: 'ASC', expected: order },
    { field, direction: 'DESC', expected: [...order].reverse() },
  ]);

  test.each(orderings)('orders by $field $direction', async ({ field, direction, expected }) => {
    const page = await listIdentities(realmId, { orderBy: { field, direction } });
    expect(usernames(page)).toEqual(expected);
  });

  test('the direction defaults to ascending', async () => {
    const page = await listIdentities(realmId, { orderBy: { field: 'USERNAME' } });
    expect(usernames(page)).toEqual(ascending.USERNAME);
  });

  // Page sizes 2 (the last page is partial) and 3 (it is full: the end must still be detected).
  const walks = orderings.flatMap((ordering) => [2, 3].map((pageSize) => ({ ...ordering, pageSize })));

  test.each(walks)('first/after pages through $field $direction by $pageSize, every identity once, in order', async ({ field, direction, expected, pageSize }) => {
    expect(await walkForward(realmId, { orderBy: { field, direction } }, pageSize)).toEqual(expected);
  });

  test.each(walks)('last/before pages back through $field $direction by $pageSize, every identity once, in order', async ({ field, direction, expected, pageSize }) => {
    expect(await walkBackward(realmId, { orderBy: { field, direction } }, pageSize)).toEqual(expected);
  });

  test('pages through a filtered list with the filter kept', async () => {
    expect(await walkForward(realmId, { filter: { status: 'ACTIVE' }, orderBy: { field: 'USERNAME' } }, 2)).toEqual(
      ['a_b', 'Alice.B', 'axb', 'bcarter', 'cotton', 'islands', 'zadams'],
    );
  });

  test('last/before from a cursor in the middle gives the items just before it', async () => {
    const all = await listIdentities(realmId, { orderBy: { field: 'USERNAME' } });
    const page = await listIdentities(realmId, { orderBy: { field: 'USERNAME' }, last: 2, before: all.edges[4].cursor });
    expect(usernames(page)).toEqual(['axb', 'bcarter']);
    expect(page.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  test('totalCount is the whole list, not the page', async () => {
    const page = await listIdentities(realmId, { first: 2, filter: { role: 'GRANTEE' } });
    expect(page.edges).toHaveLength(2);
    expect(page.totalCount).toBe(7);
  });

  test.each([
    ['another field', { field: 'USERNAME', direction: 'ASC' }, { field: 'DISPLAY_NAME', direction: 'ASC' }],
    ['the other direction', { field: 'USERNAME', direction: 'ASC' }, { field: 'USERNAME', direction: 'DESC' }],
    ['a text field after the default order', undefined, { field: 'PRIMARY_EMAIL', direction: 'ASC' }],
  ])('a cursor used with %s is refused with INVALID_CURSOR', async (_what, from, to) => {
    const page = await listIdentities(realmId, { first: 2, ...(from ? { orderBy: from } : {}) });
    const result = await listRaw(realmId, { first: 2, after: page.pageInfo.endCursor, orderBy: to });
    expect(listRefusal(result)).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['after'] });
  });

  test('a cursor used as before with another ordering is refused with INVALID_CURSOR', async () => {
    const page = await listIdentities(realmId, { first: 2 });
    const result = await listRaw(realmId, { last: 2, before: page.pageInfo.startCursor, orderBy: { field: 'USERNAME' } });
    expect(listRefusal(result)).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['before'] });
  });

  test.each([
    'garbage',
    '',
    Buffer.from('["identity.USERNAME.asc","x"]').toString('base64url'),
  ])(
    'a cursor this list never gave out (%j) is refused with INVALID_CURSOR',
    async (after) => {
      const result = await listRaw(realmId, { first: 2, after, orderBy: { field: 'USERNAME' } });
      expect(listRefusal(result)).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['after'] });
    },
  );

  // A client that edits a cursor gets the cursor refused, not a server error.
  test.each([
    ['USERNAME', ['x', 'not-a-uuid']],
    ['CREATED_AT', ['not-a-time', '0b7c1f5e-2a4d-4e8b-9c3f-6d5a4b3c2e1f']],
  ])('a %s cursor of the right shape with values of the wrong type is refused with INVALID_CURSOR', async (field, values) => {
    const after = Buffer.from(JSON.stringify([`identity.${field}.asc`, ...values])).toString('base64url');
    const result = await listRaw(realmId, { first: 2, after, orderBy: { field } });
    expect(listRefusal(result)).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['after'] });
  });

  test('first: 100 is allowed', async () => {
    expect((await listIdentities(realmId, { first: 100 })).edges).toHaveLength(9);
  });

  test.each([
    ['first', { first: 101 }],
    ['last', { last: 101 }],
    ['first', { first: -1 }],
  ])('%s out of range is refused with INVALID_INPUT', async (name, args) => {
    const result = await listRaw(realmId, args);
    expect(listRefusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: [name] });
  });

  test('first and last together are refused with INVALID_INPUT', async () => {
    const result = await listRaw(realmId, { first: 2, last: 2 });
    expect(listRefusal(result)).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['last'] });
  });

  test('first: 0 gives no edges but the count', async () => {
    const page = await listIdentities(realmId, { first: 0 });
    expect(page).toMatchObject({ edges: [], totalCount: 9, pageInfo: { hasNextPage: true } });
  });
});

describe('Realm.identities with ties in the sort key', () => {
  test.each(['ASC', 'DESC'])('display names equal but for case page through %s, every identity once', async (direction) => {
    const realm = await createRealm(server);
    for (const displayName of ['Twin', 'TWIN', 'twin', 'tWin', 'twiN']) await createIdentity(server, realm.id, { displayName });
    const orderBy = { field: 'DISPLAY_NAME', direction };
    const whole = usernames(await listIdentities(realm.id, { orderBy }));
    expect(whole).toHaveLength(5);
    expect(await walkForward(realm.id, { orderBy }, 2)).toEqual(whole);
    expect(await walkBackward(realm.id, { orderBy }, 2)).toEqual(whole);
  });

  test.each(['ASC', 'DESC'])('identities created in one statement (one created_at) page through %s, every identity once', async (direction) => {
    const realm = await createRealm(server);
    await insertIdentities(server, realm.id, 7);
    const orderBy = { field: 'CREATED_AT', direction };
    const whole = usernames(await listIdentities(realm.id, { orderBy }));
    expect(new Set(whole).size).toBe(7);
    expect(await walkForward(realm.id, { orderBy }, 3)).toEqual(whole);
    expect(await walkBackward(realm.id, { orderBy }, 3)).toEqual(whole);
  });
});

describe('IDs', () => {
  let realmId: string;
  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
  });

  test('a Group ID given as realmId is refused with INVALID_ID', async () => {
    const group = await createGroup(server, realmId);
    const result = await server.graphql(createMutation, { input: newIdentity(group.id) });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'realmId'] });
  });

  test('a Realm ID given as an identity ID is refused with INVALID_ID', async () => {
    const result = await server.graphql(updateMutation, { input: { id: realmId, displayName: 'Nope' } });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'id'] });
  });

  test.each<[string, StatusChange]>([
    ['suspend', 'suspend'],
    ['reactivate', 'reactivate'],
    ['deprovision', 'deprovision'],
  ])('%s refuses a Group ID with INVALID_ID', async (_name, how) => {
    const group = await createGroup(server, realmId);
    const result = await server.graphql(statusMutation(how), { input: { id: group.id } });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'id'] });
  });

  test('deleteIdentity refuses a Realm ID with INVALID_ID', async () => {
    const result = await server.graphql(deleteMutation, { id: realmId });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'id'] });
  });

  test('an Identity ID given as the groupId filter is refused with INVALID_ID', async () => {
    const identity = await createIdentity(server, realmId);
    const result = await listRaw(realmId, { filter: { groupId: identity.id } });
    expect(listRefusal(result)).toMatchObject({ code: 'INVALID_ID', inputPath: ['filter', 'groupId'] });
  });

  const uuid = '0b7c1f5e-2a4d-4e8b-9c3f-6d5a4b3c2e1f';
  test.each([
    ['plain text', 'not-an-id'],
    ['a bare UUID', uuid],
    ['an unknown type', Buffer.from(`User:${uuid}`).toString('base64url')],
    ['a type without a UUID', Buffer.from('Identity:42').toString('base64url')],
    ['an upper-case UUID', Buffer.from(`Identity:${uuid.toUpperCase()}`).toString('base64url')],
    ['a padded spelling', `${Buffer.from(`Identity:${uuid}`).toString('base64url')}=`],
  ])('a malformed ID (%s) is refused with INVALID_ID', async (_what, id) => {
    const result = await server.graphql(updateMutation, { input: { id, displayName: 'Nope' } });
    expect(refusal(result)).toMatchObject({ code: 'INVALID_ID', inputPath: ['input', 'id'] });
  });

  test('node(id) with a malformed ID is refused with INVALID_ID', async () => {
    const result = await server.graphql(`{ node(id: "not-an-id") { id } }`);
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_ID', inputPath: ['id'] });
  });

  test('node(id) of a deleted identity is null', async () => {
    const { id } = await createIdentity(server, realmId);
    await server.ok(deleteMutation, { id });
    expect(await server.ok(`query($id: ID!) { node(id: $id) { id } }`, { id })).toEqual({ node: null });
  });

  test('an identity ID read back through node(id) is the same ID, typed Identity', async () => {
    const { id } = await createIdentity(server, realmId);
    expect(await server.ok(`query($id: ID!) { node(id: $id) { __typename id } }`, { id })).toEqual({ node: { __typename: 'Identity', id } });
  });
});

describe('cross-realm isolation', () => {
  let realmA: string;
  let realmB: string;
  let groupA: string;
  let aliceA: string;
  let bobB: string;

  beforeAll(async () => {
    realmA = (await createRealm(server)).id;
    realmB = (await createRealm(server)).id;
    aliceA = (await createIdentity(server, realmA, { username: 'iso-alice', primaryEmail: 'iso-alice@example.com' })).id;
    bobB = (await createIdentity(server, realmB, { username: 'iso-bob', primaryEmail: 'iso-bob@example.com' })).id;
    groupA = (await createGroup(server, realmA, 'iso-group', [aliceA])).id;
  });

  test("realm B's identities list holds only its own", async () => {
    const page = await listIdentities(realmB);
    expect(page.edges.map((edge) => edge.node.id)).toEqual([bobB]);
    expect(page.totalCount).toBe(1);
  });

  test("a search in realm B does not find realm A's identities", async () => {
    for (const search of ['iso-alice', 'iso', 'iso-alice@example.com']) {
      const page = await listIdentities(realmB, { filter: { search } });
      expect(page.edges.map((edge) => edge.node.id)).not.toContain(aliceA);
    }
    expect((await listIdentities(realmB, { filter: { search: 'iso-alice' } })).totalCount).toBe(0);
  });

  test("a groupId filter with realm A's group yields nothing in realm B", async () => {
    const page = await listIdentities(realmB, { filter: { groupId: groupA } });
    expect(page).toMatchObject({ totalCount: 0, edges: [] });
  });

  test('identities of two realms read in one request stay with their realm', async () => {
    const data = await server.ok(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Realm { id identities { totalCount edges { node { id realm { id } } } } } } }`,
      { ids: [realmA, realmB] },
    );
    expect(data.nodes).toEqual([
      { id: realmA, identities: { totalCount: 1, edges: [{ node: { id: aliceA, realm: { id: realmA } } }] } },
      { id: realmB, identities: { totalCount: 1, edges: [{ node: { id: bobB, realm: { id: realmB } } }] } },
    ]);
  });

  test("a realm B identity cannot join realm A's group", async () => {
    const result = await server.graphql(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, {
      input: { groupId: groupA, identityIds: [bobB] },
    });
    expect(result.errors?.[0].extensions.code).toBe('CROSS_REALM');
    expect((await listIdentities(realmA, { filter: { groupId: groupA } })).edges.map((edge) => edge.node.id)).toEqual([aliceA]);
  });
});

describe('a realm’s identity count', () => {
  const counts = `query($a: ID!, $b: ID!) {
    a: realm(id: $a) { identities(first: 1) { totalCount } active: identities(first: 1, filter: { status: ACTIVE }) { totalCount } }
    b: realm(id: $b) { identities(first: 1) { totalCount } }
  }`;

  test('unfiltered, it is the realm’s counter — exact through creates, a deprovisioning and a delete, for several realms in one request', async () => {
    const [a, b] = [await createRealm(server), await createRealm(server)];
    const inserted = await insertIdentities(server, a.id, 7);
    await createIdentity(server, a.id);
    await createIdentity(server, b.id);
    await changeIdentityStatus(server, inserted[0], 'deprovision');
    await server.ok(deleteMutation, { id: inserted[1] });

    const answer = await server.ok(counts, { a: a.id, b: b.id });
    const realmUuid = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];
    const [{ count }] = await server.db.dataSource.query(`SELECT count(*)::integer AS count FROM identities WHERE realm_id = $1`, [realmUuid(a.id)]);
    expect(count).toBe(7);
    // Every status counts without a filter (the deprovisioned one too); a filter still counts rows.
    expect(answer).toEqual({ a: { identities: { totalCount: 7 }, active: { totalCount: 6 } }, b: { identities: { totalCount: 1 } } });
  });
});
