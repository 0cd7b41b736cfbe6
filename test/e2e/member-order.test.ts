import { addMembers, createGroup, createIdentity, createRealm } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Group.members(orderBy:) and Identity.groups(orderBy:). Members added by one call share their
 * `addedAt` and come in ID order by default; names are chosen so that ID order, name order, byte
 * order and username order all differ.
 */

let server: TestServer;
let realmId: string;
let groupId: string;
/** username → ID, and the usernames in ID order. */
const ids = new Map<string, string>();
let inIdOrder: string[];
const firstMembers = [
  { username: 'mzed', displayName: 'zed Moore' },
  { username: 'Bob', displayName: 'Amy Bob' },
  { username: 'cat', displayName: 'Émile Cat' },
  { username: 'dan', displayName: 'bea Dan' },
  { username: 'Eve', displayName: 'Carl Eve' },
];
const lastMember = { username: 'abe', displayName: 'Dora Abe' };

beforeAll(async () => {
  // No jobs, and a token looked up on every request: the statement counts are the requests' own.
  server = await startTestServer({ runJobs: false, env: { TOKEN_CACHE_TTL_MS: '0' } });
  realmId = (await createRealm(server)).id;
  for (const person of [...firstMembers, lastMember]) ids.set(person.username, (await createIdentity(server, realmId, person)).id);
  groupId = (await createGroup(server, realmId, 'people', firstMembers.map((person) => ids.get(person.username)!))).id;
  await addMembers(server, groupId, [ids.get('abe')!]);
  const rows: Array<{ username: string }> = await server.db.dataSource.query(
    `SELECT i.username FROM identities i WHERE i.id = ANY($1::uuid[]) ORDER BY i.id`,
    [firstMembers.map((person) => Buffer.from(ids.get(person.username)!, 'base64url').toString().split(':')[1])],
  );
  inIdOrder = rows.map((row) => row.username);
  for (const name of ['beta', 'Alpha', 'gamma']) await createGroup(server, realmId, name, [ids.get('cat')!]);
});
afterAll(() => server.close());

const membersQuery = `query($id: ID!, $orderBy: GroupMemberOrder, $first: Int, $after: String, $last: Int, $before: String, $filter: MemberFilter) {
  node(id: $id) { ... on Group {
    members(orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor addedAt node { username } }
    }
  } }
}`;

interface MemberPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: Array<{ cursor: string; addedAt: string; node: { username: string } }>;
}

async function members(args: Record<string, unknown> = {}): Promise<MemberPage> {
  return (await server.ok(membersQuery, { id: groupId, ...args })).node.members;
}

const usernames = (page: MemberPage) => page.edges.map((edge) => edge.node.username);

describe('Group.members(orderBy:)', () => {
  test('without orderBy, members come as before: in the order they were added, one call’s members in ID order', async () => {
    const page = await members();
    expect(usernames(page)).toEqual([...inIdOrder, 'abe']);
    expect(usernames(await members({ orderBy: { field: 'ADDED_AT' } }))).toEqual(usernames(page));
  });

  test('ADDED_AT ascending is the default ordering itself: its cursors are the ones the list gave out before orderBy existed', async () => {
    const before = await members({ first: 2 });
    const ordered = await members({ first: 2, orderBy: { field: 'ADDED_AT', direction: 'ASC' } });
    expect(ordered.edges.map((edge) => edge.cursor)).toEqual(before.edges.map((edge) => edge.cursor));
    expect(usernames(await members({ after: before.pageInfo.endCursor, orderBy: { field: 'ADDED_AT' } }))).toEqual([...inIdOrder.slice(2), 'abe']);
  });

  test('ADDED_AT descending: the latest first, ties in reverse ID order', async () => {
    expect(usernames(await members({ orderBy: { field: 'ADDED_AT', direction: 'DESC' } }))).toEqual(['abe', ...[...inIdOrder].reverse()]);
  });

  test.each([
    ['DISPLAY_NAME, ignoring case, by code point', { field: 'DISPLAY_NAME' }, ['Bob', 'dan', 'Eve', 'abe', 'mzed', 'cat']],
    ['DISPLAY_NAME descending', { field: 'DISPLAY_NAME', direction: 'DESC' }, ['cat', 'mzed', 'abe', 'Eve', 'dan', 'Bob']],
    ['USERNAME, ignoring case', { field: 'USERNAME' }, ['abe', 'Bob', 'cat', 'dan', 'Eve', 'mzed']],
    ['USERNAME descending', { field: 'USERNAME', direction: 'DESC' }, ['mzed', 'Eve', 'dan', 'cat', 'Bob', 'abe']],
  ])('%s', async (_what, orderBy, expected) => {
    const page = await members({ orderBy });
    expect(usernames(page)).toEqual(expected);
    expect(page.totalCount).toBe(6);
  });

  test('keyset pages in a name order, forward and back, give the whole list once', async () => {
    const orderBy = { field: 'DISPLAY_NAME' };
    const whole = usernames(await members({ orderBy }));
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: MemberPage = await members({ orderBy, first: 2, after });
      forward.push(...usernames(page));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward).toEqual(whole);
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const page: MemberPage = await members({ orderBy, last: 2, before });
      backward.unshift(...usernames(page));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backward).toEqual(whole);
  });

  test('a cursor of one ordering is refused by another with INVALID_CURSOR', async () => {
    const page = await members({ first: 2, orderBy: { field: 'USERNAME' } });
    const result = await server.graphql(membersQuery, { id: groupId, after: page.pageInfo.endCursor, orderBy: { field: 'DISPLAY_NAME' } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CURSOR', inputPath: ['after'] });
  });

  test('orders a filtered list, and counts the filtered members', async () => {
    const page = await members({ orderBy: { field: 'USERNAME', direction: 'DESC' }, filter: { search: 'ca' } });
    // Two letters: a prefix of the display name, username or email.
    expect(usernames(page)).toEqual(['Eve', 'cat']);
    expect(page.totalCount).toBe(2);
  });
});

describe('Identity.groups(orderBy:)', () => {
  const groupsQuery = `query($id: ID!, $orderBy: IdentityGroupOrder) { node(id: $id) { ... on Identity { groups(orderBy: $orderBy) { totalCount edges { node { name } } } } } }`;
  const names = async (orderBy: unknown) =>
    (await server.ok(groupsQuery, { id: ids.get('cat'), orderBy })).node.groups.edges.map((edge: { node: { name: string } }) => edge.node.name);

  test('without orderBy, the groups in the order the identity joined them; NAME and ADDED_AT DESC as asked', async () => {
    expect(await names(null)).toEqual(['people', 'beta', 'Alpha', 'gamma']);
    expect(await names({ field: 'ADDED_AT', direction: 'DESC' })).toEqual(['gamma', 'Alpha', 'beta', 'people']);
    expect(await names({ field: 'NAME' })).toEqual(['Alpha', 'beta', 'gamma', 'people']);
    expect(await names({ field: 'NAME', direction: 'DESC' })).toEqual(['people', 'gamma', 'beta', 'Alpha']);
  });
});

describe('ordered lists in a nested read', () => {
  const nested = (membersOrder: string, groupsOrder: string) => `query($id: ID!) { realm(id: $id) { groups(first: 10) { edges { node { name
    members(first: 10${membersOrder}) { edges { node { username groups(first: 10${groupsOrder}) { totalCount edges { node { name } } } } } }
  } } } } }`;

  test('cost the statements the default order costs: one per level, whatever the orderings', async () => {
    const plain = await server.countStatements(() => server.ok(nested('', ''), { id: realmId }));
    let data: any;
    const ordered = await server.countStatements(async () => {
      data = await server.ok(nested(', orderBy: { field: USERNAME, direction: DESC }', ', orderBy: { field: NAME }'), { id: realmId });
    });
    expect(ordered).toBe(plain);
    const people = data.realm.groups.edges.find((edge: any) => edge.node.name === 'people').node;
    expect(people.members.edges.map((edge: any) => edge.node.username)).toEqual(['mzed', 'Eve', 'dan', 'cat', 'Bob', 'abe']);
    const cat = people.members.edges.find((edge: any) => edge.node.username === 'cat').node;
    expect(cat.groups.edges.map((edge: any) => edge.node.name)).toEqual(['Alpha', 'beta', 'gamma', 'people']);
  });
});
