import { generateDemoData, type DemoIdentity } from '../../src/seed/demo-data';
import { seedDemo } from '../../src/seed/seed';
import { createIdentity, createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Search as a search bar uses it, on the realm `npm run seed` makes (src/seed): what each term
 * should find is worked out here from the seed's own data, folded in JavaScript (NFD, marks
 * removed, lower case), not by the SQL under test.
 */

let server: TestServer;
let realmId: string;
const demo = generateDemoData();

beforeAll(async () => {
  // No jobs, and a token looked up on every request: the statement counts are the requests' own.
  server = await startTestServer({ runJobs: false, env: { TOKEN_CACHE_TTL_MS: '0' } });
  await seedDemo(server.db.dataSource);
  realmId = (await server.ok(`{ realm(name: "demo") { id } }`)).realm.id;
});
afterAll(() => server.close());

const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** The identities of the seed a term of three characters or more should find. */
const containing = (term: string, people: readonly DemoIdentity[] = demo.identities) =>
  people.filter((person) =>
    [person.displayName, person.username, person.primaryEmail, person.fullName, person.externalId].some(
      (field) => field !== null && fold(field).includes(fold(term)),
    ),
  );

/** Usernames as USERNAME order sorts them: lower-cased, by code point. */
const byUsername = (people: readonly DemoIdentity[]) =>
  people.map((person) => person.username).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));

const searchQuery = `query($realmId: ID!, $filter: IdentityFilter, $orderBy: IdentityOrder, $first: Int, $after: String, $last: Int, $before: String) {
  realm(id: $realmId) {
    identities(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { username displayName fullName externalId status } }
    }
  }
}`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: Array<{ cursor: string; node: { username: string; displayName: string; fullName: string | null; externalId: string | null; status: string } }>;
}

async function page(filter: Record<string, unknown>, args: Record<string, unknown> = {}, realm = realmId): Promise<Page> {
  return (await server.ok(searchQuery, { realmId: realm, filter, orderBy: { field: 'USERNAME' }, first: 100, ...args })).realm.identities;
}

const usernames = (result: Page) => result.edges.map((edge) => edge.node.username);

async function found(search: string, realm = realmId): Promise<string[]> {
  const result = await page({ search }, {}, realm);
  expect(result.totalCount).toBe(result.edges.length);
  return usernames(result);
}

describe('search on the seeded realm', () => {
  test('a surname is found anywhere in a name: "Yilmaz" finds every Yilmaz, whose display names start with a first name', async () => {
    const yilmaz = containing('Yilmaz');
    expect(yilmaz.length).toBeGreaterThan(1);
    expect(yilmaz.every((person) => !fold(person.displayName).startsWith('yilmaz'))).toBe(true);
    expect(await found('Yilmaz')).toEqual(byUsername(yilmaz));
  });

  test('case and accents are ignored on both sides', async () => {
    const dvorak = containing('dvorak');
    expect(dvorak.some((person) => person.displayName.includes('Dvořák'))).toBe(true);
    expect(await found('DVORAK')).toEqual(byUsername(dvorak));
    expect(await found('dvořák')).toEqual(byUsername(dvorak));
    const fernandez = containing('fernandez');
    expect(fernandez.some((person) => person.displayName.includes('Fernández'))).toBe(true);
    expect(await found('Fernandez')).toEqual(byUsername(fernandez));
  });

  test('an external ID is found whole or by a part of it', async () => {
    const idp = demo.identities.filter((person) => person.externalId !== null);
    expect(idp.length).toBeGreaterThan(10);
    const person = idp[3];
    expect(await found(person.externalId!)).toEqual([person.username]);
    const part = person.externalId!.slice(10, 17);
    expect(await found(part)).toEqual(byUsername(containing(part)));
    expect(containing(part)).toContain(person);
  });

  test('the full name is searched: a middle initial only it holds finds the person', async () => {
    const person = demo.identities.find((p) => p.fullName !== null && /^\S+ [A-Z]\. /.test(p.fullName))!;
    const term = person.fullName!.split(' ').slice(0, 2).join(' ');
    expect(fold(person.displayName).includes(fold(term))).toBe(false);
    const result = await found(term);
    expect(result).toContain(person.username);
    expect(result).toEqual(byUsername(containing(term)));
  });

  test('a search combines with the other filters, and with a group’s members', async () => {
    const active = containing('son').filter((person) => person.status === 'ACTIVE' && person.role === 'GRANTEE');
    expect(active.length).toBeGreaterThan(5);
    expect(usernames(await page({ search: 'son', status: 'ACTIVE', role: 'GRANTEE' }))).toEqual(byUsername(active));

    const group = demo.groups.find((g) => g.name === 'Engineering')!;
    const engineers = demo.identities.filter((person) => group.members.includes(person.username));
    const expected = byUsername(containing('son', engineers));
    expect(expected.length).toBeGreaterThan(0);
    const { groups } = (await server.ok(`query($id: ID!) { realm(id: $id) { groups(filter: { search: "Engineering" }) { edges { node { id } } } } }`, { id: realmId })).realm;
    const groupId = groups.edges[0].node.id;
    expect(usernames(await page({ search: 'son', groupId }))).toEqual(expected);
    const members = (
      await server.ok(
        `query($id: ID!) { node(id: $id) { ... on Group { members(first: 100, filter: { search: "son" }, orderBy: { field: USERNAME }) { totalCount edges { node { username } } } } } }`,
        { id: groupId },
      )
    ).node.members;
    expect(members.edges.map((edge: { node: { username: string } }) => edge.node.username)).toEqual(expected);
    expect(members.totalCount).toBe(expected.length);
  });

  test.each([
    ['by username', { field: 'USERNAME' }],
    ['by display name, descending', { field: 'DISPLAY_NAME', direction: 'DESC' }],
    ['by creation time (the default)', null],
  ])('keyset pages through the results %s: forward and back, the same rows as one page', async (_what, orderBy) => {
    const filter = { search: 'ana' };
    const whole = await page(filter, { orderBy, first: 100 });
    expect(whole.totalCount).toBe(containing('ana').length);
    expect(whole.edges.length).toBe(whole.totalCount);
    expect(whole.totalCount).toBeGreaterThan(6);

    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const next: Page = await page(filter, { orderBy, first: 4, after });
      expect(next.totalCount).toBe(whole.totalCount);
      forward.push(...usernames(next));
      if (!next.pageInfo.hasNextPage) break;
      after = next.pageInfo.endCursor;
    }
    expect(forward).toEqual(usernames(whole));

    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const previous: Page = await page(filter, { orderBy, first: null, last: 4, before });
      backward.unshift(...usernames(previous));
      if (!previous.pageInfo.hasPreviousPage) break;
      before = previous.pageInfo.startCursor;
    }
    expect(backward).toEqual(usernames(whole));
  });

  test('one or two characters match the start of a display name, username or email, as before', async () => {
    const starting = (term: string) =>
      demo.identities.filter((person) => [person.displayName, person.username, person.primaryEmail].some((field) => field.toLowerCase().startsWith(term)));
    expect(await found('Yi')).toEqual(byUsername(starting('yi')));
    // "ez" ends many surnames, and starts none of the fields.
    expect(containing('ez').length).toBeGreaterThan(0);
    expect(await found('ez')).toEqual(byUsername(starting('ez')));
  });

  test('"%" and "_" are plain characters, not wildcards', async () => {
    for (const term of ['___', '%%%', '_%_', 'a_a', 'a%a']) {
      expect(await found(term)).toEqual([]);
    }
    const realm = await createRealm(server);
    await createIdentity(server, realm.id, { displayName: 'Sale 50%_off', username: 'sale' });
    await createIdentity(server, realm.id, { displayName: 'Sale 50 off', username: 'plain' });
    await createIdentity(server, realm.id, { displayName: 'Sale 50%Xoff', username: 'other' });
    expect(await found('0%_o', realm.id)).toEqual(['sale']);
    expect(await found('50%', realm.id)).toEqual(['other', 'sale']);
  });

  test('white space in a term counts as one space, and a term never runs from one field into the next', async () => {
    const realm = await createRealm(server);
    await createIdentity(server, realm.id, { displayName: 'Ada Yilmaz', username: 'ada.y', primaryEmail: 'ada@example.com' });
    expect(await found('  ada  \t yilmaz ', realm.id)).toEqual(['ada.y']);
    // The display name ends "yilmaz" and the username starts "ada".
    expect(await found('yilmaz ada', realm.id)).toEqual([]);
    expect(await found('yilmazada', realm.id)).toEqual([]);
  });

  test('a search costs the statements an unfiltered list costs: one page and one count', async () => {
    const plain = await server.countStatements(() => page({}));
    const searched = await server.countStatements(() => page({ search: 'yilmaz' }));
    const short = await server.countStatements(() => page({ search: 'yi' }));
    // The token, the realm, the page, the count.
    expect(plain).toBe(4);
    expect(searched).toBe(plain);
    expect(short).toBe(plain);
  });
});
