/**
 * The documents each peer is asked, and how each answer is brought to one shape for comparison.
 * PostGraphile's equivalent of a query uses its own names (the relations it derives from the
 * foreign keys) and `nodes` rather than `edges`; cursors differ by design and are not compared.
 */

export const w1Product = `query NestedRead($name: String!) {
  realm(name: $name) {
    groups(first: 50) {
      totalCount
      edges { node { name memberCount
        members(first: 100) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges { addedAt node { username status groups(first: 10) { totalCount edges { node { name } } } } }
        }
      } }
    }
  }
}`;

export const w1PostGraphile = `query NestedRead($name: String!) {
  realmByName(name: $name) {
    groupsByRealmId(first: 50, orderBy: [NAME_ASC, ID_ASC]) {
      totalCount
      nodes { name memberCount
        groupMembershipsByRealmIdAndGroupId(first: 100, orderBy: [ADDED_AT_ASC, IDENTITY_ID_ASC]) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { addedAt identityByRealmIdAndIdentityId { username status
            groupMembershipsByRealmIdAndIdentityId(first: 10, orderBy: [ADDED_AT_ASC, GROUP_ID_ASC]) {
              totalCount nodes { groupByRealmIdAndGroupId { name } }
            }
          } }
        }
      }
    }
  }
}`;

/**
 * PostGraphile v5 is run with its V4 preset (servers/postgraphile5.mjs), so its schema has v4's names
 * (checked by introspection: realmByName, groupsByRealmId, groupMembershipsByRealmIdAndGroupId,
 * identityById, GroupsOrderBy NAME_ASC/ID_ASC…): the same documents. Its Amber preset alone names
 * otherwise (identityByRowId) and, honouring indexes, leaves out the relations this query walks
 * (Group has no groupMembershipsByRealmIdAndGroupId, Identity no groupMembershipsByRealmIdAndIdentityId).
 */
export const w1PostGraphile5 = w1PostGraphile;

const ms = (value) => new Date(value).toISOString();

/** Product and raw answer in the same (GraphQL) shape. */
export function normalizeW1Product(body) {
  const realm = body.data.realm;
  return {
    groupsTotal: realm.groups.totalCount,
    groups: realm.groups.edges.map(({ node: g }) => ({
      name: g.name,
      memberCount: g.memberCount,
      membersTotal: g.members.totalCount,
      hasNext: g.members.pageInfo.hasNextPage,
      members: g.members.edges.map((e) => ({
        addedAt: ms(e.addedAt),
        username: e.node.username,
        status: e.node.status,
        groupsTotal: e.node.groups.totalCount,
        groups: e.node.groups.edges.map((x) => x.node.name),
      })),
    })),
  };
}

export function normalizeW1PostGraphile(body) {
  const realm = body.data.realmByName;
  return {
    groupsTotal: realm.groupsByRealmId.totalCount,
    groups: realm.groupsByRealmId.nodes.map((g) => {
      const members = g.groupMembershipsByRealmIdAndGroupId;
      return {
        name: g.name,
        memberCount: g.memberCount,
        membersTotal: members.totalCount,
        hasNext: members.pageInfo.hasNextPage,
        members: members.nodes.map((m) => ({
          addedAt: ms(m.addedAt),
          username: m.identityByRealmIdAndIdentityId.username,
          status: m.identityByRealmIdAndIdentityId.status,
          groupsTotal: m.identityByRealmIdAndIdentityId.groupMembershipsByRealmIdAndIdentityId.totalCount,
          groups: m.identityByRealmIdAndIdentityId.groupMembershipsByRealmIdAndIdentityId.nodes.map((x) => x.groupByRealmIdAndGroupId.name),
        })),
      };
    }),
  };
}

/**
 * v5 answers in v4's shape; only what the normalizer drops differs (cursors, and timestamps written
 * with microseconds, "2025-01-01T00:00:00.001000+00:00", which `ms` reads alike).
 */
export const normalizeW1PostGraphile5 = (body) => normalizeW1PostGraphile(body);

export const w1sProduct = `query SmallRead($id: ID!) {
  node(id: $id) { ... on Identity { primaryEmail groups(first: 20) { edges { node { name } } } } }
}`;

export const w1sPostGraphile = `query SmallRead($id: UUID!) {
  identityById(id: $id) { primaryEmail
    groupMembershipsByRealmIdAndIdentityId(first: 20, orderBy: [ADDED_AT_ASC, GROUP_ID_ASC]) { nodes { groupByRealmIdAndGroupId { name } } }
  }
}`;

export const w1sPostGraphile5 = w1sPostGraphile;

export function normalizeW1sProduct(body) {
  const node = body.data.node;
  return { email: node.primaryEmail, groups: node.groups.edges.map((e) => e.node.name) };
}

export function normalizeW1sPostGraphile(body) {
  const node = body.data.identityById;
  return { email: node.primaryEmail, groups: node.groupMembershipsByRealmIdAndIdentityId.nodes.map((n) => n.groupByRealmIdAndGroupId.name) };
}

export const normalizeW1sPostGraphile5 = (body) => normalizeW1sPostGraphile(body);

/** W4: a page of 100 members of the big group; `count`: with totalCount; `active`: of ACTIVE members only. */
export function w4Product({ count, active }) {
  return `query MemberPage($id: ID!, $after: String) {
  node(id: $id) { ... on Group {
    members(first: 100, after: $after${active ? ', filter: { status: ACTIVE }' : ''}) {
      ${count ? 'totalCount' : ''}
      pageInfo { hasNextPage endCursor }
      edges { cursor addedAt node { username } }
    }
  } }
}`;
}

export function normalizeW4(body) {
  const members = body.data.node.members;
  return {
    totalCount: members.totalCount ?? null,
    hasNext: members.pageInfo.hasNextPage,
    endCursor: members.pageInfo.endCursor,
    edges: members.edges.map((e) => [e.cursor, ms(e.addedAt), e.node.username]),
  };
}

export function globalId(type, uuid) {
  return Buffer.from(`${type}:${uuid}`).toString('base64url');
}

/** The product's member cursor: base64url of ["member.added", added_at::text, identity_id]. */
export function memberCursor(addedAtText, identityId) {
  return Buffer.from(JSON.stringify(['member.added', addedAtText, identityId])).toString('base64url');
}

/** The first path at which two normalized answers differ, or undefined when they are equal. */
export function firstDifference(a, b, at = '') {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${at || '.'}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${at}: array vs object`;
  if (Array.isArray(a) && a.length !== b.length) return `${at}: ${a.length} items ≠ ${b.length}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const d = firstDifference(a[key], b[key], `${at}.${key}`);
    if (d) return d;
  }
  return undefined;
}
