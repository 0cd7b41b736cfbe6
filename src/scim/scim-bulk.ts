import { parseGlobalId } from '../common/global-id';
import type { NewIdentity } from '../identity/identity.repository';
import { invalidValue, ScimError, toScimError } from './scim-error';
import { isObject, member } from './scim-path';
import { bodyObject, versionOf, versionTag, type ScimScope, type ScimWrites, type Written } from './scim-writes';

export const bulkRequestSchema = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const bulkResponseSchema = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** What ServiceProviderConfig advertises and /Bulk enforces. */
export const maxBulkOperations = 1000;
export const maxBulkPayloadBytes = 4_194_304;

/**
 * RFC 7644 §3.7: the operations of a BulkRequest, in order, each the same write an endpoint does
 * (ScimWrites), each its own transaction — as the RFC has it, a Bulk request is not atomic: an
 * operation that fails is answered in its place and the others stand, until `failOnErrors` errors
 * stop the rest. A `bulkId:<id>` in an operation's path or data names the resource an earlier POST of
 * the request created (a group's members may be users created just before); one that names no
 * earlier operation is that operation's invalidValue (forward and circular references are not
 * resolved: docs/decisions.md 102).
 */
export async function runBulk(scope: ScimScope, writes: ScimWrites, body: unknown, baseUrl: string, logUnexpected: (error: unknown) => void) {
  const request = bodyObject(body);
  const schemasSent = member(request, 'schemas');
  if (!Array.isArray(schemasSent) || !schemasSent.some((schema) => typeof schema === 'string' && schema.toLowerCase() === bulkRequestSchema.toLowerCase())) {
    throw new ScimError(400, 'invalidSyntax', `A Bulk body names the schema ${bulkRequestSchema}.`);
  }
  const operations = member(request, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'invalidSyntax', 'A Bulk body needs a non-empty "Operations" list.');
  if (operations.length > maxBulkOperations) {
    throw new ScimError(413, undefined, `A Bulk request takes at most ${maxBulkOperations} operations; this one has ${operations.length}. Send them in several requests.`);
  }
  const failOnErrors = member(request, 'failOnErrors');
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw invalidValue('failOnErrors must be a positive integer: the number of errors after which the rest is not run.');
  }
  const created = new Map<string, string>();
  const results: Array<Record<string, unknown>> = [];
  let errors = 0;
  let runs = true;
  for (let next = 0; next < operations.length; ) {
    if (failOnErrors !== undefined && errors >= (failOnErrors as number)) break;
    if (runs) {
      const run = runOfCreates(scope, writes, operations, next);
      if (run.length > 1) {
        // Any failure of the run (a key taken, or a refusal the checks did not foresee) is left to the
        // operations one by one, where each has its own answer.
        const rows = await writes.createUsers(scope, run.map((create) => create.checked)).catch(() => undefined);
        if (rows) {
          rows.forEach((row, i) => {
            created.set(run[i].bulkId, row.id);
            results.push({ method: 'POST', bulkId: run[i].bulkId, location: `${baseUrl}/Users/${row.id}`, version: versionTag({ type: 'User', row }), status: '201' });
          });
          next += run.length;
          continue;
        }
        // These and the rest of the request one by one (a request that re-sends users the realm has
        // is likely to go on doing so).
        runs = false;
      }
    }
    const result = await runOperation(scope, writes, operations[next], created, baseUrl, logUnexpected);
    if (Number(result.status) >= 400) errors += 1;
    results.push(result);
    next += 1;
  }
  return { schemas: [bulkResponseSchema], Operations: results };
}

/** The most creates written together (a run's statement holds the locks of its users' keys). */
const maxRunOfCreates = 100;

/**
 * The POST /Users operations from `first` on that can be written together, checked as their own
 * would be (bench W9: an identity provider's import is a thousand of them): each with a bulkId,
 * without a version, and naming no other operation's bulkId; the run ends before the first that is
 * not one, or whose user its check refuses — that one runs on its own, for its own answer, in its
 * place. Written together, they are answered as one by one: each 201, its location, version 1,
 * and one IDENTITY_CREATED each, in their order; only they commit together.
 */
function runOfCreates(scope: ScimScope, writes: ScimWrites, operations: readonly unknown[], first: number): Array<{ bulkId: string; checked: NewIdentity }> {
  const run: Array<{ bulkId: string; checked: NewIdentity }> = [];
  for (let i = first; i < operations.length && run.length < maxRunOfCreates; i++) {
    const operation = operations[i];
    if (!isObject(operation)) break;
    const method = member(operation, 'method');
    const path = member(operation, 'path');
    const bulkId = member(operation, 'bulkId');
    if (typeof method !== 'string' || method.toUpperCase() !== 'POST' || typeof path !== 'string' || !/^\/Users$/i.test(path)) break;
    if (typeof bulkId !== 'string' || member(operation, 'version') !== undefined) break;
    const data = member(operation, 'data');
    if (namesBulkId(data)) break;
    try {
      run.push({ bulkId, checked: writes.checkedNewUser(scope, data) });
    } catch {
      break;
    }
  }
  return run;
}

/** Whether a string of `value` holds a "bulkId:" reference (withBulkIds'). */
function namesBulkId(value: unknown): boolean {
  if (typeof value === 'string') return /bulkId:/i.test(value);
  if (Array.isArray(value)) return value.some(namesBulkId);
  if (isObject(value)) return Object.values(value).some(namesBulkId);
  return false;
}

async function runOperation(
  scope: ScimScope,
  writes: ScimWrites,
  operation: unknown,
  created: Map<string, string>,
  baseUrl: string,
  logUnexpected: (error: unknown) => void,
): Promise<Record<string, unknown>> {
  const fields = isObject(operation) ? operation : {};
  const method = typeof member(fields, 'method') === 'string' ? (member(fields, 'method') as string).toUpperCase() : undefined;
  const bulkId = typeof member(fields, 'bulkId') === 'string' ? (member(fields, 'bulkId') as string) : undefined;
  const head = { method: method ?? member(fields, 'method'), ...(bulkId === undefined ? {} : { bulkId }) };
  try {
    if (!isObject(operation)) throw new ScimError(400, 'invalidSyntax', 'A Bulk operation is an object with method, path and data.');
    if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') throw new ScimError(400, 'invalidSyntax', 'A Bulk operation’s method is POST, PUT, PATCH or DELETE.');
    if (method === 'POST' && bulkId === undefined) throw new ScimError(400, 'invalidSyntax', 'A POST in a Bulk request needs a bulkId.');
    const path = member(fields, 'path');
    const match = typeof path === 'string' ? /^\/(Users|Groups)(?:\/([^/]+))?$/i.exec(withBulkIds(path, created) as string) : null;
    if (!match) throw new ScimError(400, 'invalidPath', 'A Bulk operation’s path is /Users, /Groups, /Users/<id> or /Groups/<id>.');
    const type = match[1].toLowerCase() === 'users' ? 'User' : 'Group';
    if ((method === 'POST') !== (match[2] === undefined)) {
      throw new ScimError(400, 'invalidPath', method === 'POST' ? 'A POST goes to /Users or /Groups.' : `A ${method} names its resource: /${type}s/<id>.`);
    }
    const uuid = match[2] === undefined ? undefined : uuidOfId(match[2], type === 'User' ? 'Identity' : 'Group');
    const version = member(fields, 'version');
    const expected = versionOf(typeof version === 'string' ? version : undefined);
    const data = withBulkIds(member(fields, 'data'), created);
    const written: Written = type === 'User' ? await writes.user(scope, method, uuid, data, expected) : await writes.group(scope, method, uuid, data, expected);
    if (written.type === 'deleted') return { ...head, status: '204' };
    if (bulkId !== undefined && method === 'POST') created.set(bulkId, written.row.id);
    return { ...head, location: `${baseUrl}/${type}s/${written.row.id}`, version: versionTag(written), status: method === 'POST' ? '201' : '200' };
  } catch (error) {
    const scimError = toScimError(error, logUnexpected);
    return { ...head, status: String(scimError.status), response: scimError.body };
  }
}

/** An id in a path: the resource's uuid, or one no resource has (the write answers 404). */
function uuidOfId(id: string, type: 'Identity' | 'Group'): string | undefined {
  const parsed = parseGlobalId(id);
  return parsed?.type === type ? parsed.uuid : '00000000-0000-0000-0000-000000000000';
}

/** `value` with each string "bulkId:<id>" replaced by the id that operation created. */
function withBulkIds(value: unknown, created: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    const reference = /bulkId:([^/"]+)/i.exec(value);
    if (!reference) return value;
    const id = created.get(reference[1]);
    if (id === undefined) throw invalidValue(`"bulkId:${reference[1]}" names no resource an earlier operation of this request created.`);
    return value.replace(reference[0], id);
  }
  if (Array.isArray(value)) return value.map((element) => withBulkIds(element, created));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withBulkIds(inner, created)]));
  return value;
}
