import { addMembers, createGroup, createRealm, inviteIdentity } from '../factories/graph';
import { logViolations } from '../helpers/log-invariants';
import { refusedData } from '../helpers/refusal';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';

/*
 * Issue #13's duplicates: Identity.possibleDuplicates, Realm.possibleDuplicates and linkIdentities
 * (docs/decisions.md 103). The races of linkIdentities with the membership writes are in
 * test/e2e/membership-races.test.ts, on two instances.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => server.close());

let sequence = 0;

interface Person {
  id: string;
  version: number;
}

/** An identity through createIdentity: MANUAL unless `externalId` is given (then IDP); a fresh username and email unless given. */
async function person(realmId: string, fields: Record<string, unknown> = {}): Promise<Person> {
  const n = ++sequence;
  const input = {
    realmId,
    displayName: `Someone ${n}`,
    username: `someone${n}`,
    primaryEmail: `someone${n}@example.com`,
    ...(fields.externalId ? { source: 'IDP' } : {}),
    ...fields,
  };
  const data = await server.ok(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id version } } }`, { input });
  return data.createIdentity.identity;
}

const duplicatesQuery = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  node(id: $id) { ... on Identity {
    possibleDuplicates(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      edges { cursor reasons node { id source } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  } }
}`;

interface DuplicatePage {
  totalCount: number;
  edges: Array<{ cursor: string; reasons: string[]; node: { id: string; source: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

async function duplicatesOf(id: string, args: Record<string, unknown> = {}): Promise<DuplicatePage> {
  return (await server.ok(duplicatesQuery, { id, ...args })).node.possibleDuplicates;
}

/** An identity's duplicates as `{ id: reasons }`. */
async function reasonsOf(id: string): Promise<Record<string, string[]>> {
  return Object.fromEntries((await duplicatesOf(id)).edges.map((edge) => [edge.node.id, edge.reasons]));
}

const pairsQuery = `query($realmId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  realm(id: $realmId) {
    possibleDuplicates(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      edges { cursor node { reasons identity { id source } duplicate { id source } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

interface PairPage {
  totalCount: number;
  edges: Array<{ cursor: string; node: { reasons: string[]; identity: { id: string; source: string }; duplicate: { id: string; source: string } } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

async function pairsOf(realmId: string, args: Record<string, unknown> = {}): Promise<PairPage> {
  return (await server.ok(pairsQuery, { realmId, ...args })).realm.possibleDuplicates;
}

const pairKey = (edge: PairPage['edges'][number]) => `${edge.node.identity.id} ${edge.node.duplicate.id} ${edge.node.reasons.join(',')}`;

/** Every pair of the realm, paged `size` at a time forward. */
async function allPairs(realmId: string, size: number): Promise<string[]> {
  const keys: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: PairPage = await pairsOf(realmId, { first: size, after });
    keys.push(...page.edges.map(pairKey));
    if (!page.pageInfo.hasNextPage) return keys;
    after = page.pageInfo.endCursor;
  }
}

const linkMutation = `mutation($input: LinkIdentitiesInput!) {
  linkIdentities(input: $input) {
    identity { id source externalId version groups(first: 20) { totalCount edges { node { id } } } }
    mergedIdentityId
    addedEdges { cursor addedAt node { id name } }
  }
}`;

function link(input: Record<string, unknown>, token?: string) {
  return server.graphql(linkMutation, { input }, token ? { authorization: `Bearer ${token}` } : {});
}

/** The one error of a refused operation; its field is null, and nothing else is answered. */
function refusal(result: GraphQLResponse) {
  expect(result.errors).toHaveLength(1);
  expect(result.data ?? null).toEqual(refusedData(result.errors));
  return result.errors![0].extensions;
}

const eventsQuery = `query($id: ID!, $after: String) {
  realm(id: $id) { lastEventCursor events(first: 100, after: $after) { edges { node { type identityId groupId data } } } }
}`;

async function lastEventCursor(realmId: string): Promise<string> {
  return (await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor;
}

async function eventsAfter(realmId: string, after: string): Promise<Array<{ type: string; identityId: string | null; groupId: string | null; data: any }>> {
  return (await server.ok(eventsQuery, { id: realmId, after })).realm.events.edges.map((edge: any) => edge.node);
}

async function groupOf(id: string): Promise<{ memberCount: number; members: string[] } | null> {
  const data = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { memberCount members(first: 50) { edges { node { id } } } } } }`, { id });
  return data.node && { memberCount: data.node.memberCount, members: data.node.members.edges.map((edge: any) => edge.node.id) };
}

describe('Identity.possibleDuplicates', () => {
  let realmId: string;
  let ada: { manual: Person; idp: Person };
  let strangers: Person[];

  beforeAll(async () => {
    realmId = (await createRealm(server)).id;
    // The case: a hand-made identity and the provider's, under other usernames and emails.
    ada = {
      manual: await person(realmId, { displayName: 'Ada Lovelace', username: 'ada', primaryEmail: 'ada@gmail.com' }),
      idp: await person(realmId, {
        displayName: 'Ada Lovelace',
        fullName: 'Ada Lovelace',
        username: 'ada.lovelace@corp.example',
        primaryEmail: 'ada.lovelace@corp.example',
        externalId: 'okta|00u-ada',
      }),
    };
    strangers = [
      await person(realmId, { displayName: 'Grace Hopper', externalId: 'okta|00u-grace' }),
      // One word is a first name, not a person: not compared.
      await person(realmId, { displayName: 'Ada', externalId: 'okta|00u-ada2' }),
      // The same name, but both made by hand: not listed.
      await person(realmId, { displayName: 'Ada Lovelace', username: 'ada2', primaryEmail: 'ada2@example.com' }),
      // Another Lovelace, from the provider.
      await person(realmId, { displayName: 'Byron Lovelace', externalId: 'okta|00u-byron' }),
    ];
  });

  test('finds the issue’s Ada, both ways, with its reasons, and not the others', async () => {
    expect(await reasonsOf(ada.manual.id)).toEqual({ [ada.idp.id]: ['SAME_DISPLAY_NAME'] });
    // The provider's Ada sees both hand-made ones of that name: the pair of two MANUAL ones is not its business.
    expect(await reasonsOf(ada.idp.id)).toEqual({ [ada.manual.id]: ['SAME_DISPLAY_NAME'], [strangers[2].id]: ['SAME_DISPLAY_NAME'] });
    for (const stranger of [strangers[0], strangers[1], strangers[3]]) expect(await reasonsOf(stranger.id)).toEqual({});
  });

  test('case, accents, punctuation and spacing are ignored; every rule is a reason', async () => {
    const realm = (await createRealm(server)).id;
    const manual = await person(realm, {
      displayName: 'Jose-Maria  Nunez',
      fullName: 'José María Núñez',
      primaryEmail: 'Jose.Maria+hr@gmail.com',
      phoneNumber: '+34600111222',
      employeeNumber: ' e 1042 ',
    });
    const idp = await person(realm, {
      displayName: 'JOSÉ MARÍA NÚÑEZ',
      givenName: 'José María',
      familyName: 'Núñez',
      username: 'jmn',
      primaryEmail: 'josemaria@corp.example',
      phoneNumber: '+34600111222',
      employeeNumber: 'E1042',
      externalId: 'entra|jmn',
    });
    // "Jose-Maria  Nunez" and "José María Núñez" fold alike; the IdP's full name is its given and family names.
    expect(await reasonsOf(manual.id)).toEqual({
      [idp.id]: ['SAME_FULL_NAME', 'SAME_DISPLAY_NAME', 'SAME_EMAIL_LOCAL_PART', 'SAME_PHONE_NUMBER', 'SAME_EMPLOYEE_NUMBER'],
    });
    expect(await reasonsOf(idp.id)).toEqual({ [manual.id]: ['SAME_FULL_NAME', 'SAME_DISPLAY_NAME', 'SAME_EMAIL_LOCAL_PART', 'SAME_PHONE_NUMBER', 'SAME_EMPLOYEE_NUMBER'] });
  });

  test('two identities of the identity provider, and INVITED identities, are not pairs', async () => {
    const realm = (await createRealm(server)).id;
    const a = await person(realm, { displayName: 'Alan Turing', primaryEmail: 'alan.turing@corp.example', externalId: 'okta|a' });
    const b = await person(realm, { displayName: 'Alan Turing', externalId: 'okta|b' });
    expect(await reasonsOf(a.id)).toEqual({});
    expect(await reasonsOf(b.id)).toEqual({});
    // A pending invitation's identity (MANUAL, its email's local part a's) has none, and is none: its invitation owns it.
    const invited = await inviteIdentity(server, realm, { email: 'alan.turing@example.com' });
    expect(await reasonsOf(invited.identity!.id)).toEqual({});
    expect(await reasonsOf(a.id)).toEqual({});
    const manual = await person(realm, { displayName: 'Someone Else', primaryEmail: 'alan.turing@gmail.com' });
    expect(await reasonsOf(a.id)).toEqual({ [manual.id]: ['SAME_EMAIL_LOCAL_PART'] });
  });

  test('pages forward and backward, oldest first, with totalCount', async () => {
    const realm = (await createRealm(server)).id;
    const subject = await person(realm, { displayName: 'Edsger Dijkstra' });
    const others: string[] = [];
    for (let n = 0; n < 5; n++) others.push((await person(realm, { displayName: 'Edsger Dijkstra', externalId: `okta|ed${n}` })).id);
    const seen: string[] = [];
    let page = await duplicatesOf(subject.id, { first: 2 });
    expect(page.totalCount).toBe(5);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    seen.push(...page.edges.map((edge) => edge.node.id));
    while (page.pageInfo.hasNextPage) {
      page = await duplicatesOf(subject.id, { first: 2, after: page.pageInfo.endCursor });
      seen.push(...page.edges.map((edge) => edge.node.id));
    }
    expect(seen).toEqual(others);
    const last = await duplicatesOf(subject.id, { last: 2 });
    expect(last.edges.map((edge) => edge.node.id)).toEqual(others.slice(3));
    const before = await duplicatesOf(subject.id, { last: 2, before: last.pageInfo.startCursor });
    expect(before.edges.map((edge) => edge.node.id)).toEqual(others.slice(1, 3));
    expect(before.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    // A cursor of another list is refused.
    const other = await server.graphql(duplicatesQuery, { id: subject.id, after: 'WyJpZGVudGl0eS5DUkVBVEVEX0FULmFzYyIsIjIwMjAtMDEtMDEiXQ' });
    expect(other.errors?.[0].extensions.code).toBe('INVALID_CURSOR');
  });

  test('a page of identities reads all their duplicates in one statement, however many there are', async () => {
    const realm = (await createRealm(server)).id;
    for (let n = 0; n < 12; n++) {
      await person(realm, { displayName: `Person Number${n}` });
      await person(realm, { displayName: `Person Number${n}`, externalId: `okta|p${n}` });
    }
    const query = `query($id: ID!, $first: Int!) { realm(id: $id) { identities(first: $first) { edges { node { id
      possibleDuplicates(first: 5) { totalCount edges { reasons node { username } } } } } } } }`;
    const few = await server.countStatements(() => server.ok(query, { id: realm, first: 2 }));
    const many = await server.countStatements(() => server.ok(query, { id: realm, first: 24 }));
    // The realm, the page of identities, their duplicates' pages, their counts.
    expect(few).toBe(4);
    expect(many).toBe(few);
    const data = await server.ok(query, { id: realm, first: 24 });
    expect(data.realm.identities.edges.every((edge: any) => edge.node.possibleDuplicates.totalCount === 1)).toBe(true);
  });

  test('another realm’s namesakes are not duplicates, and another realm’s token sees none', async () => {
    const other = (await createRealm(server)).id;
    const namesake = await person(other, { displayName: 'Ada Lovelace', externalId: 'okta|00u-ada' });
    expect(await reasonsOf(namesake.id)).toEqual({});
    expect(await reasonsOf(ada.manual.id)).toEqual({ [ada.idp.id]: ['SAME_DISPLAY_NAME'] });
    const otherToken = (await server.createToken(['identities:read'], other)).token;
    const read = await server.graphql(duplicatesQuery, { id: ada.manual.id }, { authorization: `Bearer ${otherToken}` });
    expect(read.errors).toBeUndefined();
    expect(read.data.node).toBeNull();
  });

  test('needs identities:read', async () => {
    const idToken = (await server.createToken(['realms:read'], realmId)).token;
    const result = await server.graphql(`query($id: ID!) { realm(id: $id) { possibleDuplicates(first: 5) { totalCount } } }`, { id: realmId }, {
      authorization: `Bearer ${idToken}`,
    });
    expect(result.data.realm.possibleDuplicates).toBeNull();
    expect(result.errors?.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
  });
});

describe('Realm.possibleDuplicates', () => {
  test('lists each pair once — the provider’s identity, the hand-made one, the reasons — and pages through them', async () => {
    const realm = (await createRealm(server)).id;
    const manual: Person[] = [];
    const idp: Person[] = [];
    for (let n = 0; n < 4; n++) manual.push(await person(realm, { displayName: `Hand Made${n}`, phoneNumber: `+1415555010${n}` }));
    for (let n = 0; n < 4; n++) idp.push(await person(realm, { displayName: `Hand Made${n}`, externalId: `okta|h${n}`, phoneNumber: n === 0 ? '+14155550100' : null }));
    // One hand-made identity that looks like two of the provider's.
    idp.push(await person(realm, { displayName: 'Someone Other', phoneNumber: '+14155550101', externalId: 'okta|h9' }));
    await person(realm, { displayName: 'Nobody Alike' });
    const expected = [
      `${idp[0].id} ${manual[0].id} SAME_DISPLAY_NAME,SAME_PHONE_NUMBER`,
      `${idp[1].id} ${manual[1].id} SAME_DISPLAY_NAME`,
      `${idp[4].id} ${manual[1].id} SAME_PHONE_NUMBER`,
      `${idp[2].id} ${manual[2].id} SAME_DISPLAY_NAME`,
      `${idp[3].id} ${manual[3].id} SAME_DISPLAY_NAME`,
    ];
    const page = await pairsOf(realm, { first: 10 });
    expect(page.edges.map(pairKey)).toEqual(expected);
    expect(page.totalCount).toBe(5);
    expect(page.edges.every((edge) => edge.node.identity.source === 'IDP' && edge.node.duplicate.source === 'MANUAL')).toBe(true);
    expect(await allPairs(realm, 2)).toEqual(expected);
    expect(await allPairs(realm, 1)).toEqual(expected);
    const last = await pairsOf(realm, { last: 2 });
    expect(last.edges.map(pairKey)).toEqual(expected.slice(3));
    expect((await pairsOf(realm, { last: 2, before: last.pageInfo.startCursor })).edges.map(pairKey)).toEqual(expected.slice(1, 3));
  });

  test('walks the smaller side: the same pairs, in that side’s order', async () => {
    const realm = (await createRealm(server)).id;
    // Many hand-made identities, two from the provider: the walk goes through the provider's.
    const manual: Person[] = [];
    for (let n = 0; n < 6; n++) manual.push(await person(realm, { displayName: `Walk Side${n % 3}` }));
    const idp = [await person(realm, { displayName: 'Walk Side2', externalId: 'okta|w2' }), await person(realm, { displayName: 'Walk Side0', externalId: 'okta|w0' })];
    const expected = [
      `${idp[0].id} ${manual[2].id} SAME_DISPLAY_NAME`,
      `${idp[0].id} ${manual[5].id} SAME_DISPLAY_NAME`,
      `${idp[1].id} ${manual[0].id} SAME_DISPLAY_NAME`,
      `${idp[1].id} ${manual[3].id} SAME_DISPLAY_NAME`,
    ];
    expect(await allPairs(realm, 3)).toEqual(expected);
    expect((await pairsOf(realm)).totalCount).toBe(4);
  });

  test('a realm with no identity of one source has no pairs; another realm’s pairs are not listed', async () => {
    const handMade = (await createRealm(server)).id;
    await person(handMade, { displayName: 'Ada Lovelace' });
    await person(handMade, { displayName: 'Ada Lovelace' });
    expect(await pairsOf(handMade)).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
    const other = (await createRealm(server)).id;
    await person(other, { displayName: 'Ada Lovelace', externalId: 'okta|other-ada' });
    expect((await pairsOf(handMade)).totalCount).toBe(0);
    expect((await pairsOf(other)).totalCount).toBe(0);
  });
});

describe('linkIdentities', () => {
  test('merges the duplicate into the identity: the union of their groups, the duplicate deleted, the log exact', async () => {
    const realm = (await createRealm(server)).id;
    const identity = await person(realm, { displayName: 'Ada Lovelace', username: 'ada', primaryEmail: 'ada@gmail.com' });
    const duplicate = await person(realm, { displayName: 'Ada Lovelace', primaryEmail: 'ada.lovelace@corp.example', externalId: 'okta|00u-ada' });
    const other = await person(realm);
    const both = await createGroup(server, realm, 'both', [identity.id, duplicate.id, other.id]);
    const mine = await createGroup(server, realm, 'identity only', [identity.id]);
    const theirs = await createGroup(server, realm, 'duplicate only', [duplicate.id]);
    const also = await createGroup(server, realm, 'duplicate too', [other.id]);
    await addMembers(server, also.id, [duplicate.id]);
    const from = await lastEventCursor(realm);

    const result = await link({ identityId: identity.id, duplicateId: duplicate.id, version: identity.version, duplicateVersion: duplicate.version });
    expect(result.errors).toBeUndefined();
    const payload = result.data.linkIdentities;
    expect(payload.mergedIdentityId).toBe(duplicate.id);
    // The hand-made identity takes the provider's source and external ID, and keeps its ID.
    expect(payload.identity).toMatchObject({ id: identity.id, source: 'IDP', externalId: 'okta|00u-ada', version: identity.version + 1 });
    expect(payload.identity.groups.edges.map((edge: any) => edge.node.id).sort()).toEqual([both.id, mine.id, theirs.id, also.id].sort());
    expect(payload.addedEdges.map((edge: any) => edge.node.id).sort()).toEqual([theirs.id, also.id].sort());
    // An added edge's cursor is one of Identity.groups: the groups after it follow.
    const edgeCursors = (
      await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { groups(first: 10) { edges { cursor node { id } } } } } }`, { id: identity.id })
    ).node.groups.edges;
    for (const added of payload.addedEdges) expect(edgeCursors.find((edge: any) => edge.node.id === added.node.id).cursor).toBe(added.cursor);

    expect((await server.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: duplicate.id })).node).toBeNull();
    expect(await groupOf(both.id)).toMatchObject({ memberCount: 2 });
    expect(await groupOf(mine.id)).toMatchObject({ memberCount: 1, members: [identity.id] });
    expect(await groupOf(theirs.id)).toMatchObject({ memberCount: 1, members: [identity.id] });
    expect((await groupOf(also.id))?.members.sort()).toEqual([other.id, identity.id].sort());
    expect((await groupOf(also.id))?.memberCount).toBe(2);

    const events = await eventsAfter(realm, from);
    const removedFrom = [both.id, theirs.id, also.id].sort();
    expect(events.map((event) => [event.type, event.identityId, event.groupId])).toEqual([
      ['IDENTITIES_LINKED', identity.id, null],
      ...payload.addedEdges.map((edge: any) => ['MEMBERSHIP_ADDED', identity.id, edge.node.id]),
      ...events.filter((event) => event.type === 'MEMBERSHIP_REMOVED').map((event) => ['MEMBERSHIP_REMOVED', duplicate.id, event.groupId]),
      ['IDENTITY_DELETED', duplicate.id, null],
      ['IDENTITY_UPDATED', identity.id, null],
    ]);
    expect(events.filter((event) => event.type === 'MEMBERSHIP_REMOVED').map((event) => event.groupId).sort()).toEqual(removedFrom);
    expect(events[0].data).toEqual({
      mergedIdentityId: duplicate.id,
      mergedIdentity: expect.objectContaining({ displayName: 'Ada Lovelace', primaryEmail: 'ada.lovelace@corp.example', source: 'IDP' }),
      membershipsAdded: 2,
      membershipsRemoved: 3,
    });
    expect(events.at(-1)!.data).toEqual({ changes: { source: { before: 'MANUAL', after: 'IDP' }, externalId: { before: null, after: 'okta|00u-ada' } } });
    // Replayed from the realm's first event, the log is the tables.
    expect(await logViolations(server.db.dataSource, realm)).toEqual([]);
    // The pair is gone from the review list.
    expect((await pairsOf(realm)).totalCount).toBe(0);
  });

  test('the provider’s identity merging a hand-made one keeps its fields: no IDENTITY_UPDATED; two hand-made ones merge too', async () => {
    const realm = (await createRealm(server)).id;
    const idp = await person(realm, { displayName: 'Grace Hopper', externalId: 'okta|grace' });
    const manual = await person(realm, { displayName: 'Grace Hopper' });
    const group = await createGroup(server, realm, undefined, [manual.id]);
    const from = await lastEventCursor(realm);
    const result = await link({ identityId: idp.id, duplicateId: manual.id });
    expect(result.errors).toBeUndefined();
    expect(result.data.linkIdentities.identity).toMatchObject({ id: idp.id, source: 'IDP', externalId: 'okta|grace', version: idp.version });
    expect((await eventsAfter(realm, from)).map((event) => event.type)).toEqual(['IDENTITIES_LINKED', 'MEMBERSHIP_ADDED', 'MEMBERSHIP_REMOVED', 'IDENTITY_DELETED']);
    expect(await groupOf(group.id)).toEqual({ memberCount: 1, members: [idp.id] });

    const a = await person(realm, { displayName: 'Hand Made' });
    const b = await person(realm, { displayName: 'Hand Made' });
    const again = await link({ identityId: a.id, duplicateId: b.id });
    expect(again.errors).toBeUndefined();
    expect(again.data.linkIdentities.identity).toMatchObject({ id: a.id, source: 'MANUAL', externalId: null });
    expect(await logViolations(server.db.dataSource, realm)).toEqual([]);
  });

  test('refuses the same identity twice, two of the provider’s, another realm, INVITED identities and stale versions — and changes nothing', async () => {
    const realm = (await createRealm(server)).id;
    const identity = await person(realm, { displayName: 'Refused Person' });
    const duplicate = await person(realm, { displayName: 'Refused Person', externalId: 'okta|refused' });
    const idp2 = await person(realm, { displayName: 'Refused Person', externalId: 'okta|refused2' });
    const invited = await inviteIdentity(server, realm);
    const otherRealm = (await createRealm(server)).id;
    const stranger = await person(otherRealm, { displayName: 'Refused Person', externalId: 'okta|refused' });
    const from = await lastEventCursor(realm);

    expect(refusal(await link({ identityId: identity.id, duplicateId: identity.id }))).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'duplicateId'] });
    expect(refusal(await link({ identityId: duplicate.id, duplicateId: idp2.id }))).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['input', 'duplicateId'] });
    expect(refusal(await link({ identityId: identity.id, duplicateId: stranger.id }))).toMatchObject({ code: 'CROSS_REALM', inputPath: ['input', 'duplicateId'] });
    expect(refusal(await link({ identityId: identity.id, duplicateId: invited.identity!.id }))).toMatchObject({
      code: 'INVALID_STATUS_TRANSITION',
      inputPath: ['input', 'duplicateId'],
      status: 'INVITED',
    });
    expect(refusal(await link({ identityId: invited.identity!.id, duplicateId: identity.id }))).toMatchObject({ code: 'INVALID_STATUS_TRANSITION', inputPath: ['input', 'identityId'] });
    expect(refusal(await link({ identityId: identity.id, duplicateId: duplicate.id, version: identity.version + 1 }))).toMatchObject({
      code: 'VERSION_CONFLICT',
      inputPath: ['input', 'version'],
      currentVersion: identity.version,
    });
    expect(refusal(await link({ identityId: identity.id, duplicateId: duplicate.id, duplicateVersion: 7 }))).toMatchObject({
      code: 'VERSION_CONFLICT',
      inputPath: ['input', 'duplicateVersion'],
    });
    expect(refusal(await link({ identityId: identity.id, duplicateId: 'nonsense' }))).toMatchObject({ code: 'INVALID_ID' });
    // A token of the other realm: the identity does not exist for it.
    const otherToken = (await server.createToken(['identities:write', 'groups:write'], otherRealm)).token;
    expect(refusal(await link({ identityId: stranger.id, duplicateId: identity.id }, otherToken))).toMatchObject({ code: 'NOT_FOUND', inputPath: ['input', 'duplicateId'] });
    // Both scopes are needed.
    const identitiesOnly = (await server.createToken(['identities:write'], realm)).token;
    expect(refusal(await link({ identityId: identity.id, duplicateId: duplicate.id }, identitiesOnly))).toMatchObject({ code: 'FORBIDDEN', scope: 'groups:write' });

    expect(await eventsAfter(realm, from)).toEqual([]);
    expect(Object.keys(await reasonsOf(identity.id)).sort()).toEqual([duplicate.id, idp2.id].sort());
  });
});
