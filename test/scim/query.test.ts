/**
 * RFC 7644 §3.4.2 (query resources): §3.4.2.2 filtering, §3.4.2.3 sorting, §3.4.2.4 index
 * pagination, §3.4.2.5 attributes; RFC 9865 cursor pagination; §3.4.3 querying with POST /.search.
 * Read-only tests share one realm of five users whose attributes the filters pick from.
 */
import type { TestServer } from '../helpers/server';
import {
  createScimGroup,
  createUser,
  expectScimError,
  idsOf,
  query,
  scimRealm,
  startScimServer,
  unique,
  urn,
  type ScimClient,
} from '../helpers/scim';

let server: TestServer;
let scim: ScimClient;
/** By first name; created in this order, one request after the other. */
const users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin', Record<string, any>> = {} as any;
let alpha: Record<string, any>;

beforeAll(async () => {
  server = await startScimServer();
  ({ scim } = await scimRealm(server));
  const enterprise = (department: string) => ({ schemas: [urn.user, urn.enterpriseUser], [urn.enterpriseUser]: { department } });
  users.alice = await createUser(scim, {
    userName: 'alice@a.example',
    displayName: 'Alice Archer',
    name: { givenName: 'Alice', familyName: 'Archer' },
    title: 'Engineer',
    externalId: 'ext-alice',
    emails: [{ value: 'alice@a.example', type: 'work', primary: true }],
    ...enterprise('Engineering'),
  });
  users.bob = await createUser(scim, {
    userName: 'bob@b.example',
    displayName: 'Bob Baker',
    name: { givenName: 'Bob', familyName: 'Baker' },
    title: 'Designer',
    active: false,
    externalId: 'ext-bob',
    emails: [{ value: 'bob@b.example', type: 'home', primary: true }],
    ...enterprise('Design'),
  });
  users.carol = await createUser(scim, {
    userName: 'carol@a.example',
    displayName: 'Carol Cooper',
    name: { givenName: 'Carol', familyName: 'Cooper' },
    externalId: 'ext-carol',
    emails: [{ value: 'carol@a.example', type: 'work', primary: true }],
    ...enterprise('Engineering'),
  });
  users.dave = await createUser(scim, {
    userName: 'dave@b.example',
    displayName: 'Dave Dyer',
    name: { givenName: 'Dave', familyName: 'Dyer' },
    externalId: 'ext-dave',
    emails: [{ value: 'dave@b.example', type: 'work', primary: true }],
  });
  users.erin = await createUser(scim, {
    userName: 'erin@c.example',
    displayName: 'Erin Evans',
    name: { givenName: 'Erin', familyName: 'Evans' },
    title: 'Engineering Manager',
    externalId: 'ext-erin',
    emails: [{ value: 'erin@c.example', type: 'work', primary: true }],
  });
  alpha = await createScimGroup(scim, 'Alpha team', [users.alice.id]);
});
afterAll(() => server.close());

type Name = keyof typeof users;
const idOf = (...names: Name[]) => names.map((name) => users[name].id).sort();
const all: Name[] = ['alice', 'bob', 'carol', 'dave', 'erin'];

/** The ids a filter on /Users finds, sorted. */
async function found(filter: string): Promise<string[]> {
  const answer = await scim.get(`/Users${query({ filter })}`);
  if (answer.status !== 200) throw new Error(`filter ${filter} answered ${answer.status}: ${answer.text}`);
  return idsOf(answer.body).sort();
}

describe('§3.4.2 a list', () => {
  test('GET /Users answers a ListResponse with totalResults, startIndex, itemsPerPage and the Resources, as integers', async () => {
    const list = await scim.get('/Users');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ schemas: [urn.listResponse], totalResults: 5, startIndex: 1, itemsPerPage: 5, Resources: expect.any(Array) });
    expect(idsOf(list.body).sort()).toEqual(idOf(...all));
  });

  test('each listed user is the full representation, as GET /Users/<id> answers it', async () => {
    const list = await scim.get(`/Users${query({ filter: 'userName eq "alice@a.example"' })}`);
    expect(list.body.Resources).toEqual([(await scim.get(`/Users/${users.alice.id}`)).body]);
  });

  test('a filter that matches nothing answers an empty ListResponse, not 404', async () => {
    const list = await scim.get(`/Users${query({ filter: 'userName eq "nobody@nowhere.example"' })}`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ schemas: [urn.listResponse], totalResults: 0, itemsPerPage: 0 });
    expect(list.body.Resources ?? []).toEqual([]);
  });
});

describe('§3.4.2.2 filtering', () => {
  test('eq on userName ignores case', async () => {
    expect(await found('userName eq "ALICE@A.Example"')).toEqual(idOf('alice'));
  });

  test('ne', async () => {
    expect(await found('userName ne "alice@a.example"')).toEqual(idOf('bob', 'carol', 'dave', 'erin'));
  });

  test('co', async () => {
    expect(await found('userName co "@a."')).toEqual(idOf('alice', 'carol'));
  });

  test('sw', async () => {
    expect(await found('displayName sw "Ali"')).toEqual(idOf('alice'));
  });

  test('ew', async () => {
    expect(await found('userName ew "b.example"')).toEqual(idOf('bob', 'dave'));
  });

  test('sw on userName ignores case', async () => {
    expect(await found('userName sw "CAR"')).toEqual(idOf('carol'));
  });

  test('pr: the users that have a title', async () => {
    expect(await found('title pr')).toEqual(idOf('alice', 'bob', 'erin'));
  });

  test('gt and le compare strings lexicographically', async () => {
    expect(await found('userName gt "carol@a.example"')).toEqual(idOf('dave', 'erin'));
    expect(await found('userName le "bob@b.example"')).toEqual(idOf('alice', 'bob'));
  });

  test('ge and lt compare meta.created chronologically', async () => {
    expect(await found(`meta.created ge "${users.dave.meta.created}"`)).toEqual(idOf('dave', 'erin'));
    expect(await found(`meta.created lt "${users.carol.meta.created}"`)).toEqual(idOf('alice', 'bob'));
  });

  test('and', async () => {
    expect(await found('title pr and active eq true')).toEqual(idOf('alice', 'erin'));
  });

  test('or', async () => {
    expect(await found('userName eq "alice@a.example" or userName eq "dave@b.example"')).toEqual(idOf('alice', 'dave'));
  });

  test('not', async () => {
    expect(await found('not (title pr)')).toEqual(idOf('carol', 'dave'));
  });

  test('and binds tighter than or; parentheses group', async () => {
    expect(await found('userName sw "a" or userName sw "b" and active eq false')).toEqual(idOf('alice', 'bob'));
    expect(await found('(userName sw "a" or userName sw "b") and active eq false')).toEqual(idOf('bob'));
  });

  test('active eq false finds the suspended users', async () => {
    expect(await found('active eq false')).toEqual(idOf('bob'));
  });

  test('externalId eq', async () => {
    expect(await found('externalId eq "ext-carol"')).toEqual(idOf('carol'));
  });

  test('id eq', async () => {
    expect(await found(`id eq "${users.erin.id}"`)).toEqual(idOf('erin'));
  });

  test('a sub-attribute: name.familyName eq', async () => {
    expect(await found('name.familyName eq "Baker"')).toEqual(idOf('bob'));
  });

  test('a value path: emails[type eq "work"]', async () => {
    expect(await found('emails[type eq "work"]')).toEqual(idOf('alice', 'carol', 'dave', 'erin'));
  });

  test('a value path with a logical expression inside the brackets', async () => {
    expect(await found('emails[type eq "work" and value ew "@a.example"]')).toEqual(idOf('alice', 'carol'));
  });

  test('a multi-valued sub-attribute: emails.value eq', async () => {
    expect(await found('emails.value eq "bob@b.example"')).toEqual(idOf('bob'));
  });

  test('an enterprise attribute by its full name: urn:…:User:department eq', async () => {
    expect(await found(`${urn.enterpriseUser}:department eq "Engineering"`)).toEqual(idOf('alice', 'carol'));
  });

  test('attribute names and operators are case-insensitive', async () => {
    expect(await found('USERNAME Eq "alice@a.example"')).toEqual(idOf('alice'));
  });

  test('a filter sent with + for spaces (form encoding, as Entra sends it) is read the same', async () => {
    const list = await scim.get('/Users?filter=userName+eq+%22alice%40a.example%22');
    expect(idsOf(list.body)).toEqual([users.alice.id]);
  });

  test('a filter combines with paging: totalResults counts the matches, not the realm', async () => {
    const list = await scim.get(`/Users${query({ filter: 'emails[type eq "work"]', startIndex: 1, count: 2 })}`);
    expect(list.body).toMatchObject({ totalResults: 4, itemsPerPage: 2, startIndex: 1 });
  });
});

describe('§3.4.2.3 sorting', () => {
  test('sortBy=userName sorts ascending by default', async () => {
    const list = await scim.get(`/Users${query({ sortBy: 'userName' })}`);
    expect(list.body.Resources.map((user: { userName: string }) => user.userName)).toEqual([
      'alice@a.example',
      'bob@b.example',
      'carol@a.example',
      'dave@b.example',
      'erin@c.example',
    ]);
  });

  test('sortOrder=descending reverses', async () => {
    const list = await scim.get(`/Users${query({ sortBy: 'userName', sortOrder: 'descending' })}`);
    expect(list.body.Resources.map((user: { userName: string }) => user.userName)).toEqual([
      'erin@c.example',
      'dave@b.example',
      'carol@a.example',
      'bob@b.example',
      'alice@a.example',
    ]);
  });

  test('sortBy a sub-attribute: name.familyName descending', async () => {
    const list = await scim.get(`/Users${query({ sortBy: 'name.familyName', sortOrder: 'descending' })}`);
    expect(idsOf(list.body)).toEqual(['erin', 'dave', 'carol', 'bob', 'alice'].map((name) => users[name as Name].id));
  });
});

describe('§3.4.2.4 index pagination', () => {
  test('startIndex and count page through every user exactly once, each page saying where it starts and how many it holds', async () => {
    const pages = [];
    for (const startIndex of [1, 3, 5]) pages.push((await scim.get(`/Users${query({ startIndex, count: 2 })}`)).body);
    expect(pages.map((page) => [page.startIndex, page.itemsPerPage, page.totalResults])).toEqual([
      [1, 2, 5],
      [3, 2, 5],
      [5, 1, 5],
    ]);
    expect(pages.flatMap((page) => idsOf(page)).sort()).toEqual(idOf(...all));
  });

  test('the order is the same from one request to the next', async () => {
    const first = idsOf((await scim.get(`/Users${query({ startIndex: 1, count: 5 })}`)).body);
    const again = [...idsOf((await scim.get(`/Users${query({ startIndex: 1, count: 3 })}`)).body), ...idsOf((await scim.get(`/Users${query({ startIndex: 4, count: 3 })}`)).body)];
    expect(again).toEqual(first);
  });

  test('count=0 answers totalResults and no resources', async () => {
    const list = await scim.get(`/Users${query({ count: 0 })}`);
    expect(list.body).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
    expect(list.body.Resources ?? []).toEqual([]);
  });

  test('a negative count is read as 0', async () => {
    const list = await scim.get(`/Users${query({ count: -3 })}`);
    expect(list.status).toBe(200);
    expect(list.body.Resources ?? []).toEqual([]);
  });

  test('a startIndex below 1 is read as 1', async () => {
    const list = await scim.get(`/Users${query({ startIndex: 0, count: 2 })}`);
    expect(list.body.startIndex).toBe(1);
    expect(idsOf(list.body)).toEqual(idsOf((await scim.get(`/Users${query({ startIndex: 1, count: 2 })}`)).body));
  });

  test('a startIndex past the end answers no resources and the total', async () => {
    const list = await scim.get(`/Users${query({ startIndex: 50, count: 10 })}`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
    expect(list.body.Resources ?? []).toEqual([]);
  });
});

describe('RFC 9865 cursor pagination', () => {
  test('cursor= (empty) starts cursor paging: a page with more after it carries nextCursor', async () => {
    const first = await scim.get(`/Users${query({ cursor: '', count: 2 })}`);
    expect(first.status).toBe(200);
    expect(first.body.Resources).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
  });

  test('following nextCursor visits every user once; the last page has no nextCursor', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const page = await scim.get(`/Users${query({ cursor, count: 2 })}`);
      seen.push(...idsOf(page.body));
      if (page.body.nextCursor === undefined) break;
      cursor = page.body.nextCursor;
    }
    expect(seen.sort()).toEqual(idOf(...all));
  });

  test('a cursor that is not one is 400', async () => {
    expectScimError(await scim.get(`/Users${query({ cursor: 'not-a-cursor', count: 2 })}`), 400);
  });
});

describe('count limits', () => {
  let big: ScimClient;
  beforeAll(async () => {
    ({ scim: big } = await scimRealm(server));
    // 1 001 users, over HTTP as an IdP's initial push sends them, a few at a time.
    const names = Array.from({ length: 1001 }, (_, n) => `bulk${String(n).padStart(4, '0')}@example.com`);
    for (let start = 0; start < names.length; start += 8) {
      await Promise.all(names.slice(start, start + 8).map((userName) => createUser(big, { userName })));
    }
  }, 300_000);

  test('without count, a page holds 100 users', async () => {
    const list = await big.get('/Users');
    expect(list.body).toMatchObject({ totalResults: 1001, itemsPerPage: 100 });
    expect(list.body.Resources).toHaveLength(100);
  });

  test('a count above 1 000 answers at most 1 000', async () => {
    const list = await big.get(`/Users${query({ count: 5000 })}`);
    expect(list.body).toMatchObject({ totalResults: 1001, itemsPerPage: 1000 });
    expect(list.body.Resources).toHaveLength(1000);
  });
});

describe('§3.4.2.5 attributes and excludedAttributes', () => {
  test('attributes=userName answers the id and userName, not the other attributes', async () => {
    const list = await scim.get(`/Users${query({ filter: 'userName eq "alice@a.example"', attributes: 'userName' })}`);
    const [alice] = list.body.Resources;
    expect(alice).toMatchObject({ id: users.alice.id, userName: 'alice@a.example' });
    expect(Object.keys(alice).filter((key) => !['schemas', 'id', 'userName', 'meta'].includes(key))).toEqual([]);
  });

  test('attributes may name a sub-attribute: name.familyName', async () => {
    const read = await scim.get(`/Users/${users.alice.id}${query({ attributes: 'name.familyName' })}`);
    expect(read.body.name).toEqual({ familyName: 'Archer' });
    expect(read.body.emails).toBeUndefined();
  });

  test('attributes may name an enterprise attribute by its full name', async () => {
    const read = await scim.get(`/Users/${users.alice.id}${query({ attributes: `${urn.enterpriseUser}:department` })}`);
    expect(read.body[urn.enterpriseUser]).toEqual({ department: 'Engineering' });
    expect(read.body.title).toBeUndefined();
  });

  test('excludedAttributes=emails leaves emails out and the rest in', async () => {
    const read = await scim.get(`/Users/${users.alice.id}${query({ excludedAttributes: 'emails' })}`);
    expect(read.body.emails).toBeUndefined();
    expect(read.body).toMatchObject({ id: users.alice.id, userName: 'alice@a.example', title: 'Engineer' });
  });

  test('attributes apply to GET of one user too', async () => {
    const read = await scim.get(`/Users/${users.bob.id}${query({ attributes: 'displayName' })}`);
    expect(read.body).toMatchObject({ id: users.bob.id, displayName: 'Bob Baker' });
    expect(read.body.userName).toBeUndefined();
  });

  test('the id is answered even when excluded', async () => {
    const read = await scim.get(`/Users/${users.bob.id}${query({ excludedAttributes: 'id,userName' })}`);
    expect(read.body.id).toBe(users.bob.id);
    expect(read.body.userName).toBeUndefined();
  });
});

describe('§3.4.3 POST /.search', () => {
  test('POST /Users/.search with a SearchRequest answers what GET with the same query answers', async () => {
    const searched = await scim.post('/Users/.search', { schemas: [urn.searchRequest], filter: 'userName ew "a.example"', startIndex: 1, count: 10, sortBy: 'userName' });
    expect(searched.status).toBe(200);
    expect(searched.body).toEqual((await scim.get(`/Users${query({ filter: 'userName ew "a.example"', startIndex: 1, count: 10, sortBy: 'userName' })}`)).body);
  });

  test('a SearchRequest may name the attributes to answer', async () => {
    const searched = await scim.post('/Users/.search', { schemas: [urn.searchRequest], filter: 'userName eq "carol@a.example"', attributes: ['displayName'] });
    expect(searched.body.Resources).toEqual([expect.objectContaining({ id: users.carol.id, displayName: 'Carol Cooper' })]);
    expect(searched.body.Resources[0].emails).toBeUndefined();
  });

  test('POST /Groups/.search finds groups', async () => {
    const searched = await scim.post('/Groups/.search', { schemas: [urn.searchRequest], filter: 'displayName eq "Alpha team"' });
    expect(idsOf(searched.body)).toEqual([alpha.id]);
  });

  test('POST /.search at the root searches users and groups together', async () => {
    const searched = await scim.post('/.search', { schemas: [urn.searchRequest], filter: 'displayName sw "Al"' });
    expect(searched.status).toBe(200);
    expect(searched.body.Resources.map((resource: any) => [resource.meta.resourceType, resource.id]).sort()).toEqual(
      [
        ['Group', alpha.id],
        ['User', users.alice.id],
      ].sort(),
    );
  });

  test('a bad filter in a SearchRequest is 400 invalidFilter', async () => {
    expectScimError(await scim.post('/Users/.search', { schemas: [urn.searchRequest], filter: 'userName eq' }), 400, 'invalidFilter');
  });
});

describe('a realm of its own', () => {
  test('the users listed are the token realm’s only', async () => {
    const { scim: other } = await scimRealm(server);
    const mine = await createUser(other, { userName: `${unique('own')}@example.com` });
    expect(idsOf((await other.get('/Users')).body)).toEqual([mine.id]);
  });
});
