import express, { type NextFunction, type Request, type Response } from 'express';
import type { DataSource } from 'typeorm';
import type { Authenticator } from '../auth/authenticator';
import type { Caller } from '../auth/caller';
import type { Context } from '../common/context';
import { parseGlobalId, type NodeType } from '../common/global-id';
import type { GroupService } from '../group/group.service';
import type { IdentityService } from '../identity/identity.service';
import type { RealmService } from '../realm/realm.service';
import type { Logger } from '../logger';
import { requestIdOf, requestNote } from '../server/access-log';
import type { ClientAddressOf } from '../server/client-address';
import { callerKey, rateLimitHeaders, rateLimitedMessage, type RateBudget } from '../server/limits';
import { parseScimAttributePath, parseScimFilter, ScimFilterError } from './filter';
import { scimFilterSql, type ScimAttributeMap } from './filter-sql';
import { groupResource, groupSchema } from './group.resource';
import { groupAttributes, groupSortable, userAttributes, userSortable } from './scim-attributes';
import { defaultCount, maxResults, resourceTypes, schemas, serviceProviderConfig } from './scim-discovery';
import { invalidValue, notFoundError, ScimError, toScimError } from './scim-error';
import { attributeKey, isObject, member } from './scim-path';
import { AttributeSelection } from './scim-projection';
import { groupCount, groupPage, groupsOfUsers, membersOfGroups, userCount, userPage, type ListQuery } from './scim.repository';
import { userResource, userSchema } from './user.resource';
import { ScimWrites, versionOf, type ScimMethod } from './scim-writes';
import { maxBulkPayloadBytes, runBulk } from './scim-bulk';

export interface ScimEdgeOptions {
  readonly dataSource: DataSource;
  readonly realms: RealmService;
  readonly identities: IdentityService;
  readonly groups: GroupService;
  readonly authenticator: Authenticator;
  /** The per-caller request budget every edge spends (RATE_LIMIT_PER_MINUTE); none when it is off. */
  readonly requests: RateBudget | undefined;
  readonly addressOf: ClientAddressOf;
  newContext(requestId: string, caller: Caller, cache: boolean): Context;
  /** PUBLIC_URL, when set: the resources' locations are made from it rather than the request's Host. */
  readonly publicUrl: string | undefined;
  readonly logger: Logger;
}

const scimContentType = 'application/scim+json; charset=utf-8';
const listSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const searchSchema = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** What the authentication step leaves for the handlers. */
interface ScimRequest {
  readonly ctx: Context;
  readonly realmUuid: string;
  readonly baseUrl: string;
}

/**
 * SCIM 2.0 (RFC 7643, 7644) at /scim/v2: the edge over which identity providers (Okta, Microsoft
 * Entra) provision a realm (docs/decisions.md 102). Authenticated with an API token bound to one
 * realm and holding the scope `scim`; every write goes through the same services as GraphQL's, so
 * its rules, locks and events are the same, with the token as the events' actor.
 */
export function scimEdge(options: ScimEdgeOptions): express.Router {
  const { dataSource, identities, groups, logger } = options;
  const writes = new ScimWrites(dataSource, options.realms, identities, groups);
  const router = express.Router();

  router.use(async (req, res, next) => {
    try {
      res.locals.scim = await authenticate(req, res, options);
      next();
    } catch (error) {
      next(error);
    }
  });
  // One limit for every body, a Bulk request's (the largest) included.
  router.use(express.json({ type: ['application/scim+json', 'application/json'], limit: maxBulkPayloadBytes }));

  const route = (handler: (req: Request, res: Response, scim: ScimRequest) => Promise<void> | void) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      await handler(req, res, res.locals.scim as ScimRequest);
    } catch (error) {
      next(error);
    }
  };

  router.get('/ServiceProviderConfig', route((_req, res, { baseUrl }) => send(res, 200, serviceProviderConfig(baseUrl))));
  router.get('/ResourceTypes', route((_req, res, { baseUrl }) => send(res, 200, listOf(resourceTypes(baseUrl)))));
  router.get('/ResourceTypes/:name', route((req, res, { baseUrl }) => send(res, 200, findById(resourceTypes(baseUrl), req.params.name))));
  router.get('/Schemas', route((_req, res, { baseUrl }) => send(res, 200, listOf(schemas(baseUrl)))));
  router.get('/Schemas/:id', route((req, res, { baseUrl }) => send(res, 200, findById(schemas(baseUrl), req.params.id))));

  // Users
  const listUsers = async (res: Response, scim: ScimRequest, parameters: Record<string, unknown>) => {
    const selection = AttributeSelection.of(parameters.attributes, parameters.excludedAttributes, userSchema);
    const list = await listResources(dataSource, scim, parameters, userAttributes, userSortable, userPage, userCount);
    const groupsOf = selection.shows('groups') ? await groupsOfUsers(dataSource, list.rows.map((row) => row.uuid)) : undefined;
    send(res, 200, list.response(list.rows.map((row) => selection.apply(userResource(row, groupsOf?.get(row.uuid) ?? [], scim.baseUrl), userSchema))));
  };
  const showUser = async (req: Request, res: Response, scim: ScimRequest, status: number, uuid: string) => {
    const row = await identities.get(scim.ctx, uuid);
    // A DEPROVISIONED identity is, for SCIM, a deleted user (docs/decisions.md 102).
    if (!row || row.status === 'DEPROVISIONED') throw notFoundError();
    const selection = AttributeSelection.of(req.query.attributes, req.query.excludedAttributes, userSchema);
    const groupsOf = selection.shows('groups') ? await groupsOfUsers(dataSource, [row.uuid]) : undefined;
    sendResource(req, res, status, userResource(row, groupsOf?.get(row.uuid) ?? [], scim.baseUrl), userSchema, selection);
  };

  router.get('/Users', route((req, res, scim) => listUsers(res, scim, req.query)));
  router.post('/Users/.search', route((req, res, scim) => listUsers(res, scim, searchParameters(req.body))));
  router.get('/Users/:id', route((req, res, scim) => showUser(req, res, scim, 200, uuidOrMissing(req.params.id as string, 'Identity'))));
  const writeUser = (status: number) =>
    route(async (req, res, scim) => {
      const method = req.method as ScimMethod;
      const uuid = method === 'POST' ? undefined : uuidOrMissing(req.params.id as string, 'Identity');
      const written = await writes.user(scim, method, uuid, req.body, versionOf(req.headers['if-match']));
      if (written.type === 'deleted') res.status(204).end();
      else await showUser(req, res, scim, status, written.row.uuid);
    });
  router.post('/Users', writeUser(201));
  router.put('/Users/:id', writeUser(200));
  router.patch('/Users/:id', writeUser(200));
  router.delete('/Users/:id', writeUser(204));

  // Groups
  const listGroups = async (res: Response, scim: ScimRequest, parameters: Record<string, unknown>) => {
    const selection = AttributeSelection.of(parameters.attributes, parameters.excludedAttributes, groupSchema);
    const list = await listResources(dataSource, scim, parameters, groupAttributes, groupSortable, groupPage, groupCount);
    const membersOf = selection.shows('members') ? await membersOfGroups(dataSource, list.rows.map((row) => row.uuid)) : undefined;
    send(res, 200, list.response(list.rows.map((row) => selection.apply(groupResource(row, membersOf ? (membersOf.get(row.uuid) ?? []) : undefined, scim.baseUrl), groupSchema))));
  };
  const showGroup = async (req: Request, res: Response, scim: ScimRequest, status: number, uuid: string) => {
    const row = await groups.get(scim.ctx, uuid);
    if (!row) throw notFoundError();
    const selection = AttributeSelection.of(req.query.attributes, req.query.excludedAttributes, groupSchema);
    const membersOf = selection.shows('members') ? await membersOfGroups(dataSource, [row.uuid]) : undefined;
    sendResource(req, res, status, groupResource(row, membersOf ? (membersOf.get(row.uuid) ?? []) : undefined, scim.baseUrl), groupSchema, selection);
  };

  router.get('/Groups', route((req, res, scim) => listGroups(res, scim, req.query)));
  router.post('/Groups/.search', route((req, res, scim) => listGroups(res, scim, searchParameters(req.body))));
  router.get('/Groups/:id', route((req, res, scim) => showGroup(req, res, scim, 200, uuidOrMissing(req.params.id as string, 'Group'))));
  const writeGroup = (status: number) =>
    route(async (req, res, scim) => {
      const method = req.method as ScimMethod;
      const uuid = method === 'POST' ? undefined : uuidOrMissing(req.params.id as string, 'Group');
      const written = await writes.group(scim, method, uuid, req.body, versionOf(req.headers['if-match']));
      // A group's members can be many: its PATCH answers 204 (RFC 7644 §3.5.2) unless attributes are asked for.
      if (written.type === 'deleted' || (method === 'PATCH' && req.query.attributes === undefined)) res.status(204).end();
      else await showGroup(req, res, scim, status, written.row.uuid);
    });
  router.post('/Groups', writeGroup(201));
  router.put('/Groups/:id', writeGroup(200));
  router.patch('/Groups/:id', writeGroup(200));
  router.delete('/Groups/:id', writeGroup(204));

  // RFC 7644 §3.4.3: a search of every resource type — the realm's users, then its groups.
  router.post(
    '/.search',
    route(async (req, res, scim) => {
      const parameters = searchParameters(req.body);
      if (parameters.sortBy !== undefined || parameters.cursor !== undefined) {
        throw invalidValue('A search of every resource type pages by startIndex in its own order (users, then groups): leave sortBy and cursor out.');
      }
      const users = AttributeSelection.of(parameters.attributes, parameters.excludedAttributes, userSchema);
      const groupSelection = AttributeSelection.of(parameters.attributes, parameters.excludedAttributes, groupSchema);
      const size = pageSize(parameters.count);
      const startIndex = Math.max(integerParameter(parameters.startIndex, 'startIndex') ?? 1, 1);
      const [userQuery, groupQuery] = [userAttributes, groupAttributes].map((attributes) => {
        const params: unknown[] = [scim.realmUuid];
        const filter = typeof parameters.filter === 'string' && parameters.filter !== '' ? parseScimFilter(parameters.filter) : undefined;
        const where = filter ? scimFilterSql(filter, attributes, params, { unknownIsUnassigned: true }) : null;
        return { realmUuid: scim.realmUuid, where, params: params.slice(1) };
      });
      const [userTotal, groupTotal] = await Promise.all([userCount(dataSource, userQuery), groupCount(dataSource, groupQuery)]);
      const offset = startIndex - 1;
      const userRows =
        size > 0 && offset < userTotal
          ? await userPage(dataSource, { ...userQuery, orderBy: 'i.created_at', descending: false, count: size, offset })
          : [];
      const groupCountWanted = size - userRows.length;
      const groupRows =
        groupCountWanted > 0 && offset + userRows.length < userTotal + groupTotal
          ? await groupPage(dataSource, { ...groupQuery, orderBy: 'g.created_at', descending: false, count: groupCountWanted, offset: Math.max(offset - userTotal, 0) })
          : [];
      const groupsOf = users.shows('groups') && userRows.length > 0 ? await groupsOfUsers(dataSource, userRows.map((row) => row.uuid)) : undefined;
      const membersOf = groupSelection.shows('members') && groupRows.length > 0 ? await membersOfGroups(dataSource, groupRows.map((row) => row.uuid)) : undefined;
      const resources = [
        ...userRows.map((row) => users.apply(userResource(row, groupsOf?.get(row.uuid) ?? [], scim.baseUrl), userSchema)),
        ...groupRows.map((row) => groupSelection.apply(groupResource(row, membersOf ? (membersOf.get(row.uuid) ?? []) : undefined, scim.baseUrl), groupSchema)),
      ];
      send(res, 200, { schemas: [listSchema], totalResults: userTotal + groupTotal, startIndex, itemsPerPage: resources.length, Resources: resources });
    }),
  );
  router.post(
    '/Bulk',
    route(async (req, res, scim) => {
      const unexpected = (error: unknown) => logger.error('unexpected SCIM error', { method: 'POST', path: '/Bulk', error: String(error) });
      send(res, 200, await runBulk(scim, writes, req.body, scim.baseUrl, unexpected));
    }),
  );
  router.use(route((req) => {
    throw notFoundError(`There is no SCIM endpoint ${req.method} ${req.path}. The endpoints are /ServiceProviderConfig, /ResourceTypes, /Schemas, /Users and /Groups.`);
  }));

  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const scimError = toScimError(error, (unexpected) => logger.error('unexpected SCIM error', { method: req.method, path: req.path, error: String(unexpected) }));
    res.set(scimError.headers);
    send(res, scimError.status, scimError.body);
  });
  return router;
}

async function authenticate(req: Request, res: Response, options: ScimEdgeOptions): Promise<ScimRequest> {
  const requestId = requestIdOf(req);
  const caller = await options.authenticator.authenticate(req.headers.authorization, options.addressOf(req));
  const token = caller.token;
  const note = requestNote(res);
  if (note && token) note.tokenId = token.actor.id;
  if (!token) throw new ScimError(401, undefined, 'SCIM needs an API token: send Authorization: Bearer <token>.', { 'www-authenticate': 'Bearer realm="realmgraph SCIM"' });
  if (!token.scopes.has('scim')) {
    throw new ScimError(403, undefined, 'This API token does not have the scope scim. Create a token bound to this realm with the scope scim for the identity provider.');
  }
  if (token.realmUuid === null) {
    throw new ScimError(
      403,
      undefined,
      'This API token reaches all realms; SCIM provisions one realm, the token’s. Create a token bound to one realm with the scope scim (createApiToken with realmId and scopes ["scim"]).',
    );
  }
  if (options.requests) {
    // The token's budget, the same one its GraphQL requests spend. A Bulk request is one request.
    const decision = await options.requests.take(callerKey(caller, options.addressOf(req)));
    res.set(rateLimitHeaders(options.requests, decision));
    if (!decision.allowed) throw new ScimError(429, undefined, rateLimitedMessage(decision), { 'retry-after': String(decision.retryAfterSeconds) });
  }
  const baseUrl = `${options.publicUrl?.replace(/\/$/, '') ?? `${req.protocol}://${req.get('host')}`}/scim/v2`;
  return { ctx: options.newContext(requestId, caller, true), realmUuid: token.realmUuid, baseUrl };
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(scimContentType).send(JSON.stringify(body));
}

function listOf(resources: unknown[]) {
  return { schemas: [listSchema], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}

function findById<T extends { id: string }>(resources: T[], id: unknown): T {
  const found = resources.find((resource) => typeof id === 'string' && resource.id.toLowerCase() === id.toLowerCase());
  if (!found) throw notFoundError(`There is no ${typeof id === 'string' ? `"${id}"` : 'such'} here.`);
  return found;
}

/** An id of this type's resources: its uuid; anything else names no resource (404). */
function uuidOrMissing(id: string, type: NodeType): string {
  const parsed = parseGlobalId(id);
  if (parsed?.type !== type) throw notFoundError();
  return parsed.uuid;
}

/**
 * A resource's answer: its ETag (and Location, when created), 304 for a GET whose If-None-Match
 * holds its version (weak comparison, RFC 9110 §13.1.2), else the attributes asked for.
 */
function sendResource(req: Request, res: Response, status: number, resource: Record<string, unknown>, schema: string, selection: AttributeSelection): void {
  const { version, location } = resource.meta as { version: string; location: string };
  res.setHeader('etag', version);
  if (status === 201) res.setHeader('location', location);
  const wanted = req.method === 'GET' ? req.headers['if-none-match'] : undefined;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  if (wanted?.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(version))) {
    res.status(304).end();
    return;
  }
  send(res, status, selection.apply(resource, schema));
}

/** A SearchRequest's body (RFC 7644 §3.4.3) as the list's query parameters. */
function searchParameters(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'A search body must be a JSON object.');
  const schemasSent = member(body, 'schemas');
  if (Array.isArray(schemasSent) && !schemasSent.some((schema) => typeof schema === 'string' && schema.toLowerCase() === searchSchema.toLowerCase())) {
    throw new ScimError(400, 'invalidSyntax', `A search body names the schema ${searchSchema}.`);
  }
  const parameters: Record<string, unknown> = {};
  for (const name of ['filter', 'startIndex', 'count', 'sortBy', 'sortOrder', 'attributes', 'excludedAttributes', 'cursor']) {
    const value = member(body, name);
    if (value !== undefined) parameters[name] = Array.isArray(value) ? value.join(',') : typeof value === 'number' ? String(value) : value;
  }
  return parameters;
}

interface ListedRow {
  readonly uuid: string;
  readonly id: string;
  readonly createdAtMicros: string;
}

/**
 * A page of users or groups as RFC 7644 §3.4.2 asks: the filter compiled to SQL, sorted, paged by
 * startIndex (1-based, skipping rows) or by cursor (the SCIM cursor-pagination draft: a position in
 * the creation order, so that a deep page costs what the first does), at most `maxResults`.
 */
async function listResources<T extends ListedRow>(
  db: DataSource,
  scim: ScimRequest,
  parameters: Record<string, unknown>,
  attributes: ScimAttributeMap,
  sortable: Record<string, string>,
  page: (db: DataSource, query: ListQuery) => Promise<T[]>,
  count: (db: DataSource, query: Pick<ListQuery, 'realmUuid' | 'where' | 'params'>) => Promise<number>,
): Promise<{ rows: T[]; response(resources: unknown[]): Record<string, unknown> }> {
  const filterText = parameters.filter;
  if (filterText !== undefined && typeof filterText !== 'string') throw new ScimError(400, 'invalidFilter', 'filter must be a string.');
  // The realm is $1 (scim.repository.ts): the filter's parameters are numbered after it.
  const params: unknown[] = [scim.realmUuid];
  const where = filterText ? scimFilterSql(parseScimFilter(filterText), attributes, params) : null;
  const size = pageSize(parameters.count);
  const cursorText = parameters.cursor;
  const usesCursor = cursorText !== undefined;
  if (usesCursor && parameters.startIndex !== undefined) throw invalidValue('Page by startIndex or by cursor, not both.');
  const startIndex = Math.max(integerParameter(parameters.startIndex, 'startIndex') ?? 1, 1);
  const sortBy = typeof parameters.sortBy === 'string' && parameters.sortBy !== '' ? parameters.sortBy : undefined;
  if (usesCursor && sortBy) throw invalidValue('Cursor paging follows the creation order: leave sortBy out, or page by startIndex.');
  let orderBy = `${attributes === userAttributes ? 'i' : 'g'}.created_at`;
  if (sortBy) {
    let key: string;
    try {
      const path = parseScimAttributePath(sortBy);
      key = attributeKey(path.schema, path.subAttribute ? `${path.name}.${path.subAttribute}` : path.name, attributes.schema);
    } catch (error) {
      if (error instanceof ScimFilterError) throw invalidValue(`sortBy "${sortBy}" is not an attribute name.`);
      throw error;
    }
    const sql = sortable[key];
    if (!sql) throw invalidValue(`Sorting by "${sortBy}" is not offered; sort by ${Object.keys(sortable).join(', ')}.`);
    orderBy = sql;
  }
  const sortOrder = typeof parameters.sortOrder === 'string' ? parameters.sortOrder.toLowerCase() : 'ascending';
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') throw invalidValue('sortOrder is ascending or descending.');
  const after = usesCursor && cursorText !== '' ? decodeCursor(cursorText) : undefined;
  const query: ListQuery = {
    realmUuid: scim.realmUuid,
    where,
    params: params.slice(1),
    orderBy,
    descending: sortOrder === 'descending',
    count: size + (usesCursor ? 1 : 0),
    offset: usesCursor ? 0 : startIndex - 1,
    after,
  };
  const fetched = size === 0 ? [] : await page(db, query);
  const total = (size === 0 ? undefined : totalOfPage(fetched.length, query, after !== undefined)) ?? (await count(db, query));
  const rows = fetched.slice(0, size);
  const last = rows[rows.length - 1];
  const nextCursor = usesCursor && fetched.length > size && last ? encodeCursor(last) : undefined;
  return {
    rows,
    response: (resources) => ({
      schemas: [listSchema],
      totalResults: total,
      ...(usesCursor ? {} : { startIndex }),
      itemsPerPage: resources.length,
      ...(nextCursor ? { nextCursor } : {}),
      Resources: resources,
    }),
  };
}

/**
 * The total a page gives away, when it is the end of the list: one that holds fewer rows than it
 * asked for, and is not empty or starts at the first — then no count is needed (a lookup by
 * userName, Okta's "does this user exist", is one statement). A cursor page after the first says
 * nothing of the rows before it.
 */
function totalOfPage(fetched: number, query: Pick<ListQuery, 'count' | 'offset'>, afterCursor: boolean): number | undefined {
  if (afterCursor || fetched >= query.count) return undefined;
  if (fetched === 0 && query.offset > 0) return undefined;
  return query.offset + fetched;
}

/** RFC 7644 §3.4.2.4: `count` defaults to 100 here; a negative one is 0, one over the maximum is the maximum. */
function pageSize(count: unknown): number {
  return Math.min(Math.max(integerParameter(count, 'count') ?? defaultCount, 0), maxResults);
}

function integerParameter(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,9}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(number)) throw invalidValue(`${name} must be an integer.`);
  return number;
}

function encodeCursor(row: ListedRow): string {
  return Buffer.from(`${row.createdAtMicros}:${row.uuid}`).toString('base64url');
}

function decodeCursor(text: unknown): { createdAtMicros: string; uuid: string } {
  const decoded = typeof text === 'string' ? Buffer.from(text, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,20}):([0-9a-f-]{36})$/.exec(decoded);
  if (!match) throw invalidValue('The cursor is not one this list gave: start again with cursor= (empty).');
  return { createdAtMicros: match[1], uuid: match[2] };
}
