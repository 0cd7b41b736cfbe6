/**
 * W8 (issue #12): a search bar's query on the whole realm — `identities(first: 20, filter: { search })`
 * with a 3-character term found inside the names (an infix, which only the trigram index serves),
 * rotating over terms so that no single posting list stays hot, with and without `totalCount`.
 *
 * The generated identities are "User 1234", "user-0001234", "user-0001234@bench.example": the only
 * letters are those every identity shares, so the terms are three digits, each found in about half
 * a percent of the realm (a few thousand identities at a million), the selectivity of a surname.
 * Before timing, the first term's answer is compared with the same page computed by plain SQL
 * (LIKE over the three columns, a scan: the product's own functions and index are not used).
 */
import { graphqlRequest, measure, postJson } from '../lib/load.mjs';
import { firstDifference } from '../lib/queries.mjs';

/** Three digits each, spread over the number's positions. */
export const searchTerms = ['345', '071', '928', '512', '660', '139', '804', '257', '493', '716', '382', '049', '951', '628', '170', '835', '204', '567', '793', '416'];

export function searchQuery({ count }) {
  return `query Search($name: String!, $search: String!) {
  realm(name: $name) {
    identities(first: 20, filter: { search: $search }) {
      ${count ? 'totalCount' : ''}
      edges { node { id displayName username primaryEmail } }
    }
  }
}`;
}

const normalize = (body) => ({
  totalCount: body.data.realm.identities.totalCount ?? null,
  usernames: body.data.realm.identities.edges.map((edge) => edge.node.username),
});

/** The page and count the product should give, by a query that shares nothing with its search. */
export async function expectedAnswer(admin, realmName, term, count) {
  const like = `%${term}%`;
  const where = `i.realm_id = (SELECT id FROM realms WHERE name = $1)
     AND (lower(i.display_name) LIKE $2 OR lower(i.username) LIKE $2 OR lower(i.primary_email) LIKE $2)`;
  const { rows } = await admin.query(`SELECT i.username FROM identities i WHERE ${where} ORDER BY i.created_at, i.id LIMIT 20`, [realmName, like]);
  const total = count ? (await admin.query(`SELECT count(*)::integer AS n FROM identities i WHERE ${where}`, [realmName, like])).rows[0].n : null;
  return { totalCount: total, usernames: rows.map((row) => row.username) };
}

export async function search(ctx) {
  const { product } = ctx.peers;
  const headers = { authorization: `Bearer ${ctx.token}` };
  const cases = [
    { name: '3-character infix, first 20', count: false },
    { name: '3-character infix, first 20 + totalCount', count: true },
  ];
  const out = [];
  for (const c of cases) {
    const query = searchQuery(c);
    const variables = { name: ctx.realmName, search: searchTerms[0] };
    const { status, json, text } = await postJson(product.url('/graphql'), { query, variables }, headers);
    const difference =
      status !== 200 || !json || json.errors
        ? `HTTP ${status}: ${text.slice(0, 200)}`
        : firstDifference(normalize(json), await expectedAnswer(ctx.admin, ctx.realmName, searchTerms[0], c.count));
    ctx.log(`  W8 ${c.name}: ${difference ? `DIFFERS: ${difference}` : 'same answer'}${json?.data ? ` (${json.data.realm.identities.totalCount ?? '–'} found)` : ''}`);
    let i = 0;
    const requests = [
      {
        ...graphqlRequest('/graphql', query, variables, headers),
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ query, variables: { name: ctx.realmName, search: searchTerms[i++ % searchTerms.length] } }) }),
      },
    ];
    const result = await measure({ ...ctx.loadBase, peer: product, url: product.url('/'), requests, connections: 4, duration: ctx.profile.shortDuration, repeats: ctx.profile.repeats, warmup: 1 });
    ctx.log(`    ${result.rps.toFixed(0)} rps, p50 ${result.p50} ms, p99 ${result.p99} ms`);
    out.push({ case: c.name, same: !difference, difference: difference ?? null, results: { realmgraph: result } });
  }
  return { terms: searchTerms.length, cases: out };
}
