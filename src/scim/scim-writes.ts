import type { Context } from '../common/context';
import { toGlobalId } from '../common/global-id';
import { groupRevision, type GroupRow } from '../group/group.columns';
import type { GroupService } from '../group/group.service';
import type { IdentityRow } from '../identity/identity.columns';
import type { NewIdentity } from '../identity/identity.repository';
import type { IdentityService } from '../identity/identity.service';
import { GroupChange } from './group.resource';
import { AppError, ErrorCode } from '../common/errors';
import type { Queryable } from '../db/queryable';
import type { RealmService } from '../realm/realm.service';
import { notFoundError, ScimError } from './scim-error';
import { deprovisionedUserNamed } from './scim.repository';
import { isObject, member } from './scim-path';
import { applyToUser, emptyUser, provisionedOf, userStateOf, type PatchOperationName } from './user.resource';

/** The realm a SCIM request provisions, with its request context. */
export interface ScimScope {
  readonly ctx: Context;
  readonly realmUuid: string;
}

export type ScimMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A write done: the resource as it is now (none after a DELETE), for the answer's version and location. */
export type Written = { type: 'User'; row: IdentityRow } | { type: 'Group'; row: GroupRow } | { type: 'deleted' };

/**
 * SCIM's writes of users and groups, by method: what an endpoint and a Bulk operation (RFC 7644
 * §3.7) both do, each a transaction of the services (docs/decisions.md 102).
 */
export class ScimWrites {
  constructor(
    private readonly db: Queryable,
    private readonly realms: RealmService,
    private readonly identities: IdentityService,
    private readonly groups: GroupService,
  ) {}

  async user(scope: ScimScope, method: ScimMethod, uuid: string | undefined, body: unknown, expected: number | undefined): Promise<Written> {
    const { ctx } = scope;
    if (method === 'POST') {
      const state = emptyUser();
      applyToUser(state, 'replace', undefined, bodyObject(body));
      const wanted = provisionedOf(state);
      // The common case, a new user with keys of its own, is one statement; a key taken sends it down
      // the checked path, where it is the answer.
      const created = await this.identities.provisionCreateIfFree(ctx, scope.realmUuid, wanted);
      if (created) return { type: 'User', row: created };
      // A user the provider deleted in a realm that keeps them (DEPROVISION) comes back as itself.
      const returning = wanted.active === false ? undefined : await deprovisionedUserNamed(this.db, scope.realmUuid, wanted.username!);
      if (returning === undefined) return { type: 'User', row: await this.identities.provisionCreate(ctx, scope.realmUuid, wanted) };
      return { type: 'User', row: await this.identities.provision(ctx, returning, undefined, () => ({ ...wanted, active: true })) };
    }
    if (uuid === undefined) throw notFoundError();
    if (method === 'DELETE') {
      const realm = await this.realms.get(ctx, scope.realmUuid);
      if (realm?.provisionedDeletion === 'DEPROVISION') await this.deprovision(scope, uuid, expected);
      else await this.identities.delete(ctx, { id: toGlobalId('Identity', uuid) }, expected);
      return { type: 'deleted' };
    }
    const operations = method === 'PATCH' ? patchOperations(body) : undefined;
    const replacement = method === 'PUT' ? bodyObject(body) : undefined;
    const row = await this.identities.provision(ctx, uuid, expected, (current) => {
      if (current.status === 'DEPROVISIONED') throw notFoundError();
      const state = operations ? userStateOf(current) : emptyUser();
      if (operations) for (const operation of operations) applyToUser(state, operation.op, operation.path, operation.value);
      else applyToUser(state, 'replace', undefined, replacement);
      return provisionedOf(state);
    });
    return { type: 'User', row };
  }

  /**
   * A POST /Users's user, checked as its creation would check it (the same errors, thrown), for a
   * run of creates (createUsers).
   */
  checkedNewUser(scope: ScimScope, body: unknown): NewIdentity {
    const state = emptyUser();
    applyToUser(state, 'replace', undefined, bodyObject(body));
    return this.identities.checkProvisioned(scope.ctx, scope.realmUuid, provisionedOf(state));
  }

  /**
   * Users checked by checkedNewUser, created together (one transaction, one statement: a Bulk
   * request's run of creates), or none — undefined — when a key one of them claims is taken: then
   * each is POSTed on its own, for its own answer.
   */
  async createUsers(scope: ScimScope, checked: readonly NewIdentity[]): Promise<IdentityRow[] | undefined> {
    return this.identities.provisionCreateAll(scope.ctx, scope.realmUuid, checked);
  }

  /** DELETE in a realm that keeps deleted users: DEPROVISIONED, which SCIM no longer shows. */
  private async deprovision(scope: ScimScope, uuid: string, expected: number | undefined): Promise<void> {
    try {
      await this.identities.changeStatus(scope.ctx, { id: toGlobalId('Identity', uuid), version: expected }, 'DEPROVISION');
    } catch (error) {
      // Deprovisioned already: a user SCIM does not show.
      if (error instanceof AppError && error.code === ErrorCode.INVALID_STATUS_TRANSITION && error.extensions.status === 'DEPROVISIONED') throw notFoundError();
      throw error;
    }
  }

  async group(scope: ScimScope, method: ScimMethod, uuid: string | undefined, body: unknown, expected: number | undefined): Promise<Written> {
    const { ctx } = scope;
    if (method === 'POST') return { type: 'Group', row: await this.groups.provisionCreate(ctx, scope.realmUuid, GroupChange.ofBody(bodyObject(body)).provisioned) };
    if (uuid === undefined) throw notFoundError();
    if (method === 'DELETE') {
      await this.groups.delete(ctx, { id: toGlobalId('Group', uuid) }, expected);
      return { type: 'deleted' };
    }
    let change: GroupChange;
    if (method === 'PUT') change = GroupChange.ofBody(bodyObject(body));
    else {
      change = new GroupChange();
      for (const operation of patchOperations(body)) change.apply(operation.op, operation.path, operation.value);
    }
    return { type: 'Group', row: await this.groups.provision(ctx, uuid, expected, change.provisioned) };
  }
}

/** The version a written resource has now, as its ETag and meta.version show it. */
export function versionTag(written: Written): string | undefined {
  if (written.type === 'deleted') return undefined;
  return `W/"${written.type === 'User' ? written.row.version : groupRevision(written.row)}"`;
}

/** An ETag as If-Match or a Bulk operation's `version` sends it (W/"n" or "n"); `*`: no condition. */
export function versionOf(tag: string | undefined): number | undefined {
  if (tag === undefined || tag.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(tag);
  if (!match) throw new ScimError(412, undefined, `"${tag}" is not a version of this resource: send the ETag a read gave.`);
  return Number(match[1]);
}

export function bodyObject(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'The request body must be a JSON object, sent as application/scim+json.');
  return body;
}

const patchOpSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface PatchOperation {
  readonly op: PatchOperationName;
  readonly path: string | undefined;
  readonly value: unknown;
}

/** RFC 7644 §3.5.2's body; `op` in any case, as Microsoft Entra writes "Add", "Replace", "Remove". */
function patchOperations(body: unknown): PatchOperation[] {
  const object = bodyObject(body);
  const schemasSent = member(object, 'schemas');
  if (!Array.isArray(schemasSent) || !schemasSent.some((schema) => typeof schema === 'string' && schema.toLowerCase() === patchOpSchema.toLowerCase())) {
    throw new ScimError(400, 'invalidSyntax', `A PATCH body names the schema ${patchOpSchema}.`);
  }
  const operations = member(object, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'invalidSyntax', 'A PATCH body needs a non-empty "Operations" list.');
  if (operations.length > 1000) throw new ScimError(400, 'tooMany', 'A PATCH takes at most 1 000 operations.');
  return operations.map((operation, index) => {
    if (!isObject(operation)) throw new ScimError(400, 'invalidSyntax', `Operation ${index + 1} is not an object.`);
    const op = member(operation, 'op');
    const name = typeof op === 'string' ? op.toLowerCase() : '';
    if (name !== 'add' && name !== 'replace' && name !== 'remove') {
      throw new ScimError(400, 'invalidSyntax', `Operation ${index + 1}'s "op" must be add, replace or remove.`);
    }
    const path = member(operation, 'path');
    if (path !== undefined && typeof path !== 'string') throw new ScimError(400, 'invalidPath', `Operation ${index + 1}'s "path" must be a string.`);
    const value = member(operation, 'value');
    if (name !== 'remove' && value === undefined) throw new ScimError(400, 'invalidValue', `Operation ${index + 1} (${name}) needs a "value".`);
    return { op: name, path, value };
  });
}
