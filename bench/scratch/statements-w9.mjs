// Scratch: the statements W9's requests send (a logging proxy in front of PostgreSQL): one POST /Users
// in a Bulk request, an unfiltered first page, a userName eq lookup. BENCH_PG (default 127.0.0.1:5432)
// and BENCH_DB (default realmgraph_bench_quick) name the database.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { productServer } from '../lib/peers.mjs';
import { statementProxy } from '../lib/statement-proxy.mjs';
import { globalId } from '../lib/queries.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const [pgHost, pgPort] = (process.env.BENCH_PG ?? '127.0.0.1:5432').split(':');
const db = process.env.BENCH_DB ?? 'realmgraph_bench_quick';
let log = [];
const proxy = await statementProxy(pgHost, Number(pgPort), { onStatement: (text) => log.push(text.replace(/\s+/g, ' ').slice(0, 200)) });
const url = `postgres://postgres@127.0.0.1:${proxy.port}/${db}`;
const admin = new pg.Client({ connectionString: `postgres://postgres@${pgHost}:${pgPort}/${db}` });
await admin.connect();
const token = randomBytes(32).toString('base64url');
const server = await productServer(root, { databaseUrl: url, adminToken: token });
const graphql = async (query, variables) => (await (await fetch(server.url('/graphql'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json()).data;
const name = `w9-stmts-${Date.now().toString(36)}`;
const realmId = (await graphql(`mutation($input: CreateRealmInput!) { createRealm(input: $input) { realm { id } } }`, { input: { name, displayName: 'W9 statements' } })).createRealm.realm.id;
const scimToken = (await graphql(`mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`, { input: { name: 'W9 statements', scopes: ['scim'], realmId } })).createApiToken.token;
const { rows: [bench] } = await admin.query(`SELECT id FROM realms WHERE name = 'bench'`);
const readerToken = (await graphql(`mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`, { input: { name: 'W9 statements reader', scopes: ['scim'], realmId: globalId('Realm', bench.id) } })).createApiToken.token;
const scim = async (tok, method, p, body) => {
  const response = await fetch(server.url(`/scim/v2${p}`), { method, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/scim+json' }, body: body && JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
};
const user = (n) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], externalId: `ext-${n}`, userName: `u${n}@w9.example`, name: { givenName: 'I', familyName: `U ${n}` }, displayName: `U ${n}`, emails: [{ value: `u${n}@w9.example`, type: 'work', primary: true }], active: true });
const bulk = (ops) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops });
const show = async (title, fn) => {
  await new Promise((r) => setTimeout(r, 200));
  log = [];
  const answer = await fn();
  await new Promise((r) => setTimeout(r, 200));
  console.log(`\n## ${title}: HTTP ${answer.status} ${answer.text.slice(0, 160)}\n${log.length} messages\n${log.join('\n')}`);
};
await scim(scimToken, 'POST', '/Bulk', bulk([{ method: 'POST', path: '/Users', bulkId: 'w', data: user(0) }]));
await scim(readerToken, 'GET', '/Users?count=1');
await show('Bulk, 2 POST /Users', () => scim(scimToken, 'POST', '/Bulk', bulk([1, 2].map((n) => ({ method: 'POST', path: '/Users', bulkId: `b${n}`, data: user(n) })))));
await show('Bulk, 1 POST /Users, taken userName', () => scim(scimToken, 'POST', '/Bulk', bulk([{ method: 'POST', path: '/Users', bulkId: 'dup', data: { ...user(9), userName: 'u1@w9.example' } }])));
await show('GET /Users?count=100 (bench realm)', () => scim(readerToken, 'GET', '/Users?count=100'));
await show('GET /Users?filter=userName eq', () => scim(readerToken, 'GET', `/Users?filter=${encodeURIComponent('userName eq "user-0000001"')}&startIndex=1&count=100`));
await graphql(`mutation($input: DeleteRealmInput!) { deleteRealm(input: $input) { deletedRealmId } }`, { input: { id: realmId } });
await server.stop(); await admin.end(); await proxy.close();
