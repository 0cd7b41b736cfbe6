/**
 * W9 (issue #13): the SCIM 2.0 edge (/scim/v2) under an identity provider's loads. realmgraph only:
 * no peer of the bench serves SCIM (PostGraphile and the raw baseline have no such edge), so the
 * figures stand alone, with the checks that say they are right.
 *
 * 1. Bulk import: 10 000 users (the profile's scimUsers: 2 000 in quick mode, so that the quick suite
 *    keeps to its deadline) POSTed through /Bulk in requests of 1 000 operations (the limit),
 *    one after the other, into a realm of their own made for the run (and deleted at its end), with a
 *    SCIM token bound to it. Time, users/s, the operations' statuses, CPU, and the IDENTITY_CREATED
 *    rows the realm's log gained.
 * 2. Group push: those users into a new group by ONE `PATCH /Groups/<id>` `add members`, then into
 *    a second group by PATCHes of 1 000 (how Okta pages a push). Time, the group's
 *    memberCount (GraphQL), the MEMBERSHIP_ADDED rows logged.
 * 3. Filtered `GET /Users` on the bench's main realm (a million identities on the full data), with a
 *    SCIM token bound to it: Okta's "does this user exist" (`userName eq`, rotating over 20
 *    usernames), a `userName sw` prefix, `displayName eq`, the first page, and a page 90 % of the way
 *    in by `startIndex` and by `cursor`. Each answer is compared with plain SQL before timing.
 */
import { median, measure, postJson } from '../lib/load.mjs';
import { backendPids, cpuMeter, loadAverage } from '../lib/proc.mjs';
import { firstDifference, globalId } from '../lib/queries.mjs';

const scimType = 'application/scim+json';
const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const bulkRequestSchema = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** src/scim/scim-bulk.ts: maxBulkOperations. */
const operationsPerBulk = 1_000;
/** A write of 1 000 operations takes seconds; one that takes this long has hung. Also the pages of a push. */
const writeTimeoutMs = 10 * 60_000;
const importRealmPrefix = 'w9-import-';

/** POSTs a GraphQL operation with `token`; throws on an HTTP or GraphQL error. */
async function graphql(peer, token, query, variables) {
  const { status, json, text } = await postJson(peer.url('/graphql'), { query, variables }, { authorization: `Bearer ${token}` });
  if (status !== 200 || json?.errors) throw new Error(`GraphQL HTTP ${status}: ${text.slice(0, 300)}`);
  return json.data;
}

/** One SCIM request, timed from just before it is sent until its body has been read. */
async function scim(peer, token, method, path, body) {
  const started = performance.now();
  const response = await fetch(peer.url(`/scim/v2${path}`), {
    method,
    headers: { authorization: `Bearer ${token}`, accept: scimType, ...(body === undefined ? {} : { 'content-type': scimType }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(writeTimeoutMs),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, ms };
}

/** CPU of the server and of the database's backends over `fn`, with its wall time. */
async function metered(ctx, fn) {
  const meter = await cpuMeter(ctx.peers.product.pid, await backendPids(ctx.admin, ctx.database), () => backendPids(ctx.admin, ctx.database));
  const started = performance.now();
  const value = await fn();
  const ms = performance.now() - started;
  const cpu = await meter.stop();
  return { value, ms, serverCpuMs: cpu.serverMs, pgCpuMs: cpu.pgMs };
}

/** The realm's event rows by type. */
async function eventCounts(ctx, realmUuid, groupUuid) {
  const { rows } = await ctx.admin.query(
    `SELECT type, count(*)::integer AS n FROM events WHERE realm_id = $1 ${groupUuid ? 'AND group_id = $2' : ''} GROUP BY type`,
    groupUuid ? [realmUuid, groupUuid] : [realmUuid],
  );
  return Object.fromEntries(rows.map((row) => [row.type, row.n]));
}

/** The user Okta's create sends (its default attribute mapping), numbered. */
function userBody(n) {
  const handle = `import-${String(n).padStart(5, '0')}`;
  return {
    schemas: [userSchema],
    externalId: `00u${String(n).padStart(17, '0')}`,
    userName: `${handle}@w9.example`,
    name: { givenName: 'Imported', familyName: `User ${n}` },
    displayName: `Imported User ${n}`,
    emails: [{ value: `${handle}@w9.example`, type: 'work', primary: true }],
    active: true,
  };
}

const countBy = (values) => values.reduce((counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }), {});
const membersPatch = (ids) => ({ schemas: [patchSchema], Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }] });

/** Deletes, through the API, realms an earlier run of W9 left (a run stopped before its end). */
async function removeLeftovers(ctx) {
  const { rows } = await ctx.admin.query(`SELECT id, name FROM realms WHERE name LIKE $1`, [`${importRealmPrefix}%`]);
  for (const row of rows) {
    await graphql(ctx.peers.product, ctx.token, `mutation($input: DeleteRealmInput!) { deleteRealm(input: $input) { deletedRealmId } }`, { input: { id: globalId('Realm', row.id) } });
    ctx.log(`  W9: removed the realm ${row.name} an earlier run left`);
  }
}

async function bulkImport(ctx, importRealm) {
  const { product } = ctx.peers;
  const importUsers = ctx.profile.scimUsers;
  const loadBefore = loadAverage()[0];
  const before = await eventCounts(ctx, importRealm.uuid);
  const requests = [];
  const operationStatuses = [];
  const ids = [];
  const run = await metered(ctx, async () => {
    for (let first = 1; first <= importUsers; first += operationsPerBulk) {
      const operations = [];
      for (let n = first; n < first + operationsPerBulk && n <= importUsers; n++) operations.push({ method: 'POST', path: '/Users', bulkId: `u${n}`, data: userBody(n) });
      const body = { schemas: [bulkRequestSchema], Operations: operations };
      const answer = await scim(product, importRealm.token, 'POST', '/Bulk', body);
      requests.push({ status: answer.status, ms: answer.ms, bytes: Buffer.byteLength(JSON.stringify(body)) });
      if (answer.status !== 200) throw new Error(`POST /Bulk answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      for (const result of answer.json.Operations) {
        operationStatuses.push(String(result.status));
        if (result.location) ids.push(result.location.slice(result.location.lastIndexOf('/') + 1));
        else if (operationStatuses.filter((s) => s !== '201').length === 1) ctx.log(`    first failed operation: ${JSON.stringify(result).slice(0, 300)}`);
      }
      ctx.log(`    Bulk ${requests.length}: HTTP ${answer.status} in ${(answer.ms / 1000).toFixed(2)} s`);
    }
  });
  const after = await eventCounts(ctx, importRealm.uuid);
  const {
    rows: [{ n: identities }],
  } = await ctx.admin.query(`SELECT count(*)::integer AS n FROM identities WHERE realm_id = $1`, [importRealm.uuid]);
  const identityCreatedEvents = (after['identity.created'] ?? 0) - (before['identity.created'] ?? 0);
  const result = {
    users: importUsers,
    requests: requests.length,
    operationsPerRequest: operationsPerBulk,
    totalMs: run.ms,
    usersPerSecond: (importUsers * 1000) / run.ms,
    requestMs: requests.map((r) => Math.round(r.ms)),
    requestBytes: median(requests.map((r) => r.bytes)),
    httpStatuses: countBy(requests.map((r) => r.status)),
    operationStatuses: countBy(operationStatuses),
    identitiesInRealm: identities,
    identityCreatedEvents,
    eventsByType: Object.fromEntries(Object.entries(after).map(([type, n]) => [type, n - (before[type] ?? 0)])),
    serverCpuMsPerUser: run.serverCpuMs / importUsers,
    pgCpuMsPerUser: run.pgCpuMs / importUsers,
    load1: [loadBefore, loadAverage()[0]],
  };
  result.ok = result.operationStatuses['201'] === importUsers && identityCreatedEvents === importUsers && identities === importUsers;
  ctx.log(
    `  W9 import: ${importUsers} users in ${(run.ms / 1000).toFixed(1)} s (${result.usersPerSecond.toFixed(0)}/s), operations ${JSON.stringify(result.operationStatuses)}, IDENTITY_CREATED +${identityCreatedEvents}${result.ok ? '' : ' — NOT AS EXPECTED'}`,
  );
  return { result, ids };
}

/** A group created by POST /Groups; its SCIM id, the global ID GraphQL takes too. */
async function createGroup(ctx, token, displayName) {
  const answer = await scim(ctx.peers.product, token, 'POST', '/Groups', { schemas: [groupSchema], displayName });
  if (answer.status !== 201) throw new Error(`POST /Groups answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  // A SCIM id is the global ID: base64url of "Group:<uuid>" (bench/lib/queries.mjs globalId).
  const uuid = Buffer.from(answer.json.id, 'base64url').toString('utf8').replace(/^Group:/, '');
  return { id: answer.json.id, uuid };
}

/** After a push: the group's memberCount as GraphQL shows it, its membership rows, and its MEMBERSHIP_ADDED rows. */
async function afterPush(ctx, realmUuid, group) {
  const data = await graphql(ctx.peers.product, ctx.token, `query($id: ID!) { node(id: $id) { ... on Group { memberCount } } }`, { id: group.id });
  const {
    rows: [{ n: rows }],
  } = await ctx.admin.query(`SELECT count(*)::integer AS n FROM group_memberships WHERE group_id = $1`, [group.uuid]);
  const events = await eventCounts(ctx, realmUuid, group.uuid);
  return { memberCount: data.node.memberCount, membershipRows: rows, membershipAddedEvents: events['membership.added'] ?? 0 };
}

async function groupPush(ctx, importRealm, ids) {
  const { product } = ctx.peers;
  // One PATCH of every member.
  const one = await createGroup(ctx, importRealm.token, 'W9 push, one PATCH');
  const body = membersPatch(ids);
  const patch = await metered(ctx, () => scim(product, importRealm.token, 'PATCH', `/Groups/${one.id}`, body));
  if (patch.value.status >= 300) throw new Error(`PATCH /Groups answered ${patch.value.status}: ${patch.value.text.slice(0, 300)}`);
  const onePatch = {
    members: ids.length,
    load1: loadAverage()[0],
    status: patch.value.status,
    ms: patch.value.ms,
    bodyBytes: Buffer.byteLength(JSON.stringify(body)),
    serverCpuMs: patch.serverCpuMs,
    pgCpuMs: patch.pgCpuMs,
    ...(await afterPush(ctx, importRealm.uuid, one)),
  };
  onePatch.ok = onePatch.memberCount === ids.length && onePatch.membershipRows === ids.length && onePatch.membershipAddedEvents === ids.length;
  ctx.log(`  W9 push, one PATCH of ${ids.length}: HTTP ${onePatch.status} in ${onePatch.ms.toFixed(0)} ms; memberCount ${onePatch.memberCount}, MEMBERSHIP_ADDED ${onePatch.membershipAddedEvents}`);

  // The group read back whole, as an IdP that checks its push does (10 000 members in the answer).
  const read = await scim(product, importRealm.token, 'GET', `/Groups/${one.id}`);
  const readBack = { status: read.status, ms: read.ms, bytes: Buffer.byteLength(read.text), members: read.json?.members?.length ?? null };

  // The same push in pages of 1 000, to a second group.
  const paged = await createGroup(ctx, importRealm.token, 'W9 push, in pages');
  const pages = [];
  const pagedRun = await metered(ctx, async () => {
    for (let first = 0; first < ids.length; first += operationsPerBulk) {
      const answer = await scim(product, importRealm.token, 'PATCH', `/Groups/${paged.id}`, membersPatch(ids.slice(first, first + operationsPerBulk)));
      if (answer.status >= 300) throw new Error(`PATCH /Groups (page ${pages.length + 1}) answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      pages.push({ status: answer.status, ms: answer.ms });
    }
  });
  const tenPatches = {
    members: ids.length,
    load1: loadAverage()[0],
    patches: pages.length,
    statuses: countBy(pages.map((p) => p.status)),
    pageMs: pages.map((p) => Math.round(p.ms)),
    totalMs: pagedRun.ms,
    serverCpuMs: pagedRun.serverCpuMs,
    pgCpuMs: pagedRun.pgCpuMs,
    ...(await afterPush(ctx, importRealm.uuid, paged)),
  };
  tenPatches.ok = tenPatches.memberCount === ids.length && tenPatches.membershipRows === ids.length && tenPatches.membershipAddedEvents === ids.length;
  ctx.log(`  W9 push, ${pages.length} PATCHes of ${operationsPerBulk}: ${tenPatches.pageMs.join(', ')} ms (total ${(tenPatches.totalMs / 1000).toFixed(2)} s); memberCount ${tenPatches.memberCount}, MEMBERSHIP_ADDED ${tenPatches.membershipAddedEvents}`);
  return { onePatch, readBack, tenPatches };
}

const usersPath = (parameters) => `/scim/v2/Users?${Object.entries(parameters).map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')}`;

/** The page and total the product should answer, by SQL over the table (the product's filter compiler is not used). */
async function expectedPage(ctx, realmUuid, { where = 'TRUE', params = [], limit, offset = 0 }) {
  const { rows } = await ctx.admin.query(
    `SELECT global_id('Identity', id) AS id FROM identities WHERE realm_id = $1 AND ${where} ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`,
    [realmUuid, ...params],
  );
  const {
    rows: [{ n }],
  } = await ctx.admin.query(`SELECT count(*)::integer AS n FROM identities WHERE realm_id = $1 AND ${where}`, [realmUuid, ...params]);
  return { totalResults: n, ids: rows.map((row) => row.id) };
}

async function filteredReads(ctx) {
  const { product } = ctx.peers;
  const {
    rows: [realm],
  } = await ctx.admin.query(`SELECT id FROM realms WHERE name = $1`, [ctx.realmName]);
  const { rows: [{ n: realmSize }] } = await ctx.admin.query(`SELECT count(*)::integer AS n FROM identities WHERE realm_id = $1`, [realm.id]);
  const created = await graphql(product, ctx.token, `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } token } }`, {
    input: { name: `W9 SCIM reader ${new Date().toISOString()}`, scopes: ['scim'], realmId: globalId('Realm', realm.id) },
  });
  const token = created.createApiToken.token;
  const headers = { authorization: `Bearer ${token}`, accept: scimType };
  try {
    // 20 identities spread over the realm (ordered by their random uuids), for the lookups to rotate over.
    const { rows: sample } = await ctx.admin.query(`SELECT username, display_name FROM identities WHERE realm_id = $1 ORDER BY id LIMIT 20`, [realm.id]);
    // A page 90 % of the way in: startIndex 900 001 on a million; the cursor names the identity just before it.
    const deepIndex = Math.floor(realmSize * 0.9) + 1;
    const {
      rows: [before],
    } = await ctx.admin.query(
      `SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros FROM identities WHERE realm_id = $1 ORDER BY created_at, id OFFSET $2 LIMIT 1`,
      [realm.id, deepIndex - 2],
    );
    const deepCursor = Buffer.from(`${before.micros}:${before.id}`).toString('base64url');
    const prefix = 'user-00012';
    const cases = [
      {
        name: 'userName eq (Okta: does this user exist), startIndex=1&count=100',
        paths: sample.map((row) => usersPath({ filter: `userName eq "${row.username}"`, startIndex: 1, count: 100 })),
        expected: () => expectedPage(ctx, realm.id, { where: 'lower(username) = lower($2)', params: [sample[0].username], limit: 100 }),
        exactlyOne: true,
      },
      {
        name: `userName sw "${prefix}", count=20`,
        paths: [usersPath({ filter: `userName sw "${prefix}"`, count: 20 })],
        expected: () => expectedPage(ctx, realm.id, { where: `lower(username) LIKE $2`, params: [`${prefix}%`], limit: 20 }),
      },
      {
        name: 'displayName eq',
        paths: sample.map((row) => usersPath({ filter: `displayName eq "${row.display_name}"` })),
        expected: () => expectedPage(ctx, realm.id, { where: 'lower(display_name) = lower($2)', params: [sample[0].display_name], limit: 100 }),
      },
      { name: 'first page, count=100', paths: [usersPath({ count: 100 })], expected: () => expectedPage(ctx, realm.id, { limit: 100 }) },
      {
        name: `deep page by startIndex=${deepIndex}, count=100`,
        paths: [usersPath({ startIndex: deepIndex, count: 100 })],
        expected: () => expectedPage(ctx, realm.id, { limit: 100, offset: deepIndex - 1 }),
        // Seconds a request on the full data: one at a time, in our own loop, which waits for the
        // request in flight at the end (autocannon would drop it, leaving next to nothing measured).
        alone: true,
      },
      {
        name: `the same page by cursor, count=100`,
        paths: [usersPath({ cursor: deepCursor, count: 100 })],
        expected: () => expectedPage(ctx, realm.id, { limit: 100, offset: deepIndex - 1 }),
      },
    ];
    const out = [];
    for (const c of cases) {
      const answer = await scim(product, token, 'GET', c.paths[0].slice('/scim/v2'.length));
      let difference;
      if (answer.status !== 200 || !answer.json) difference = `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`;
      else {
        const expected = await c.expected();
        const got = { totalResults: answer.json.totalResults, ids: answer.json.Resources.map((resource) => resource.id) };
        difference = firstDifference(got, expected);
        if (!difference && c.exactlyOne && expected.totalResults !== 1) difference = `SQL finds ${expected.totalResults} users named ${sample[0].username}, not one`;
      }
      ctx.log(`  W9 ${c.name}: ${difference ? `DIFFERS: ${difference}` : 'same answer'}${answer.json ? ` (totalResults ${answer.json.totalResults}, ${answer.json.Resources?.length} shown)` : ''}`);
      let i = 0;
      const requests = [{ method: 'GET', path: c.paths[0], headers, setupRequest: (req) => ({ ...req, path: c.paths[i++ % c.paths.length] }) }];
      const load = { ...ctx.loadBase, peer: product, url: product.url('/'), duration: ctx.profile.shortDuration, repeats: ctx.profile.repeats, warmup: 1 };
      const result = c.alone
        ? await measure({ ...load, request: { method: 'GET', path: c.paths[0], headers }, connections: 1, ownLoop: true })
        : await measure({ ...load, requests, connections: 4 });
      ctx.log(`    ${result.rps.toFixed(1)} rps, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`);
      out.push({ case: c.name, example: decodeURIComponent(c.paths[0]), rotating: c.paths.length, connections: c.alone ? 1 : 4, same: !difference, difference: difference ?? null, results: { realmgraph: result } });
    }
    return { realmIdentities: realmSize, deepIndex, cases: out };
  } finally {
    await graphql(product, ctx.token, `mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { apiToken { id } } }`, { input: { id: created.createApiToken.apiToken.id } }).catch((error) =>
      ctx.log(`  W9: could not revoke the reader's token: ${error.message}`),
    );
  }
}

export async function scimWorkload(ctx) {
  const { product } = ctx.peers;
  await removeLeftovers(ctx);
  const name = `${importRealmPrefix}${Date.now().toString(36)}`;
  const made = await graphql(product, ctx.token, `mutation($input: CreateRealmInput!) { createRealm(input: $input) { realm { id } } }`, {
    input: { name, displayName: 'W9 SCIM import', description: 'Made by the bench (W9) and deleted at its end' },
  });
  const realmId = made.createRealm.realm.id;
  const {
    rows: [{ id: realmUuid }],
  } = await ctx.admin.query(`SELECT id FROM realms WHERE name = $1`, [name]);
  try {
    const created = await graphql(product, ctx.token, `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } token } }`, {
      input: { name: 'W9 identity provider', scopes: ['scim'], realmId },
    });
    const importRealm = { id: realmId, uuid: realmUuid, token: created.createApiToken.token };
    const { result: bulk, ids } = await bulkImport(ctx, importRealm);
    const push = await groupPush(ctx, importRealm, ids);
    const reads = await filteredReads(ctx);
    return { bulk, push, reads };
  } finally {
    // The realm goes with its identities, groups, events and tokens (ON DELETE CASCADE), so reruns start clean.
    await graphql(product, ctx.token, `mutation($input: DeleteRealmInput!) { deleteRealm(input: $input) { deletedRealmId } }`, { input: { id: realmId } }).catch((error) =>
      ctx.log(`  W9: could not delete the realm ${name}: ${error.message}`),
    );
  }
}
