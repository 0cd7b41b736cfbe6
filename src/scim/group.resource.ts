import { groupRevision, type GroupRow } from '../group/group.columns';
import type { ProvisionedGroup } from '../group/group.service';
import type { ScimFilter } from './filter';
import { invalidPath, invalidValue, ScimError } from './scim-error';
import { isObject, member, parsePatchPath, textOf } from './scim-path';
import type { PatchOperationName } from './user.resource';

export const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const readOnly = new Set(['id', 'meta', 'schemas']);

export interface MemberRef {
  readonly id: string;
  readonly display: string;
  /** A user, or a group nested in the group (docs/decisions.md 104). */
  readonly type: 'User' | 'Group';
}

/** The Group resource of a group (RFC 7643 §4.2); `members` when they were read. */
export function groupResource(row: GroupRow, members: readonly MemberRef[] | undefined, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [groupSchema],
    id: row.id,
    ...(row.externalId === null ? {} : { externalId: row.externalId }),
    displayName: row.name,
    ...(members ? { members: members.map((m) => ({ value: m.id, display: m.display, type: m.type, $ref: `${baseUrl}/${m.type === 'User' ? 'Users' : 'Groups'}/${m.id}` })) } : {}),
    meta: { resourceType: 'Group', created: row.createdAt, lastModified: row.updatedAt, location: `${baseUrl}/Groups/${row.id}`, version: `W/"${groupRevision(row)}"` },
  };
}

/**
 * A group's change as the service takes it, built from a POST or PUT body (the whole group) or
 * from PATCH operations in their order: member additions and removals as sets, so that a later
 * operation undoes an earlier one, and a replaced member list as the list the others apply to.
 * Members are changed by their ids, in SQL, never by reading the group's whole list and writing it
 * back: a group of 100 000 members is patched at the cost of the members named.
 */
export class GroupChange {
  name: string | undefined;
  externalId: string | null | undefined;
  private members: Set<string> | undefined;
  private readonly add = new Set<string>();
  private readonly remove = new Set<string>();

  static ofBody(body: Record<string, unknown>): GroupChange {
    const change = new GroupChange();
    change.apply('replace', undefined, body);
    change.members ??= new Set();
    const name = change.name;
    if (name === undefined || name === null) throw invalidValue('A group needs a displayName.');
    change.externalId ??= null;
    return change;
  }

  get provisioned(): ProvisionedGroup {
    return {
      name: this.name,
      externalId: this.externalId,
      members: this.members ? [...this.members] : undefined,
      add: [...this.add],
      remove: [...this.remove],
    };
  }

  apply(op: PatchOperationName, pathText: string | undefined, value: unknown): void {
    if (pathText === undefined || pathText === '') {
      if (op === 'remove') throw new ScimError(400, 'noTarget', 'A remove operation needs a path.');
      if (!isObject(value)) throw invalidValue('An operation without a path needs an object of attributes as its value.');
      for (const [name, attributeValue] of Object.entries(value)) {
        // The server's own, sent back by clients that send what they read (Okta's replace carries the id): ignored.
        if (!readOnly.has(name.toLowerCase())) this.applyPath(op, name, attributeValue);
      }
      return;
    }
    this.applyPath(op, pathText, value);
  }

  private applyPath(op: PatchOperationName, pathText: string, value: unknown): void {
    const path = parsePatchPath(pathText, groupSchema);
    switch (path.attribute) {
      case 'displayname':
        if (op === 'remove') throw new ScimError(400, 'mutability', 'A group’s displayName is required: it can be replaced, not removed.');
        this.name = textOf(value, pathText) ?? undefined;
        if (this.name === undefined) throw invalidValue('A group’s displayName cannot be null.');
        return;
      case 'externalid':
        this.externalId = op === 'remove' ? null : textOf(value, pathText);
        return;
      case 'members':
        return this.applyMembers(op, pathText, path.filter, path.subAttribute, value);
      default:
        if (readOnly.has(path.attribute)) throw new ScimError(400, 'mutability', `"${pathText}" is read-only.`);
        throw invalidPath(`"${pathText}" is not an attribute of a Group.`);
    }
  }

  private applyMembers(op: PatchOperationName, pathText: string, filter: ScimFilter | undefined, sub: string | undefined, value: unknown): void {
    if (sub) throw invalidPath(`"${pathText}": members are changed whole, not by their sub-attributes.`);
    if (filter) {
      if (op !== 'remove') throw invalidPath(`"${pathText}": a filtered member path can only be removed; add members with the path "members".`);
      for (const id of memberIdsOfFilter(filter, pathText)) this.without(id);
      return;
    }
    if (op === 'remove' && (value === undefined || value === null)) {
      this.members = new Set();
      this.add.clear();
      this.remove.clear();
      return;
    }
    const ids = memberIdsOf(value, pathText);
    if (op === 'replace') {
      this.members = new Set(ids);
      this.add.clear();
      this.remove.clear();
    } else if (op === 'add') {
      for (const id of ids) this.with(id);
    } else {
      for (const id of ids) this.without(id);
    }
  }

  private with(id: string): void {
    this.remove.delete(id);
    if (this.members) this.members.add(id);
    else this.add.add(id);
  }

  private without(id: string): void {
    this.add.delete(id);
    if (this.members) this.members.delete(id);
    else this.remove.add(id);
  }
}

/** The ids of a members value: `[{ "value": id }, …]` (one object alone too). */
function memberIdsOf(value: unknown, pathText: string): string[] {
  const elements = Array.isArray(value) ? value : [value];
  return elements.map((element) => {
    const id = isObject(element) ? member(element, 'value') : undefined;
    if (typeof id !== 'string') throw invalidValue(`"${pathText}" must be a list of members, each {"value": "<user or group id>"}.`);
    return id;
  });
}

/** `members[value eq "id"]`, and `or` of such: the ids it names; other filters are not a member path. */
function memberIdsOfFilter(filter: ScimFilter, pathText: string): string[] {
  if (filter.kind === 'or') return filter.operands.flatMap((operand) => memberIdsOfFilter(operand, pathText));
  if (filter.kind === 'compare' && filter.operator === 'eq' && filter.path.name.toLowerCase() === 'value' && typeof filter.value === 'string') return [filter.value];
  throw invalidPath(`"${pathText}": a member is named as members[value eq "<user id>"].`);
}

