import type { IdentityRole } from '../common/enums';
import type { IdentityRow } from '../identity/identity.columns';
import type { ProvisionedIdentity } from '../identity/identity.service';
import { invalidPath, invalidValue, ScimError } from './scim-error';
import type { ScimFilter } from './filter';
import { isObject, member, parsePatchPath, textOf } from './scim-path';

export const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const enterpriseSchema = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const enterprise = enterpriseSchema.toLowerCase();

/**
 * A SCIM User as realmgraph keeps it: one email, one phone number, one role (docs/decisions.md
 * 101). A request's body and a PATCH's operations are applied to this state — from nothing for POST
 * and PUT, from the identity as it is for PATCH — and the state becomes the service's
 * ProvisionedIdentity; the same state, read from an identity, is the resource a GET shows.
 */
export interface UserState {
  userName: string | null;
  displayName: string | null;
  formatted: string | null;
  givenName: string | null;
  familyName: string | null;
  title: string | null;
  userType: string | null;
  preferredLanguage: string | null;
  locale: string | null;
  timezone: string | null;
  /** undefined: not said (POST: active; PUT: as it is). */
  active: boolean | undefined;
  externalId: string | null;
  email: string | null;
  emailType: string | null;
  phone: string | null;
  phoneType: string | null;
  role: IdentityRole | null;
  employeeNumber: string | null;
  costCenter: string | null;
  organization: string | null;
  division: string | null;
  department: string | null;
  manager: string | null;
}

type TextField = Exclude<keyof UserState, 'active' | 'role'>;

export const emptyUser = (): UserState => ({
  userName: null,
  displayName: null,
  formatted: null,
  givenName: null,
  familyName: null,
  title: null,
  userType: null,
  preferredLanguage: null,
  locale: null,
  timezone: null,
  active: undefined,
  externalId: null,
  email: null,
  emailType: null,
  phone: null,
  phoneType: null,
  role: null,
  employeeNumber: null,
  costCenter: null,
  organization: null,
  division: null,
  department: null,
  manager: null,
});

export function userStateOf(row: IdentityRow): UserState {
  return {
    userName: row.username,
    displayName: row.displayName,
    formatted: row.fullName,
    givenName: row.givenName,
    familyName: row.familyName,
    title: row.title,
    userType: row.userType,
    preferredLanguage: row.preferredLanguage,
    locale: row.locale,
    timezone: row.timezone,
    active: row.status === 'ACTIVE',
    externalId: row.externalId,
    email: row.primaryEmail,
    emailType: row.emailType,
    phone: row.phoneNumber,
    phoneType: row.phoneNumberType,
    role: row.role,
    employeeNumber: row.employeeNumber,
    costCenter: row.costCenter,
    organization: row.organization,
    division: row.division,
    department: row.department,
    manager: row.managerId,
  };
}

/** Simple attributes by key (attributeKey): the state's field each sets. */
const simple: Record<string, TextField> = {
  username: 'userName',
  displayname: 'displayName',
  title: 'title',
  usertype: 'userType',
  preferredlanguage: 'preferredLanguage',
  locale: 'locale',
  timezone: 'timezone',
  externalid: 'externalId',
  [`${enterprise}:employeenumber`]: 'employeeNumber',
  [`${enterprise}:costcenter`]: 'costCenter',
  [`${enterprise}:organization`]: 'organization',
  [`${enterprise}:division`]: 'division',
  [`${enterprise}:department`]: 'department',
};

const nameParts: Record<string, TextField> = { formatted: 'formatted', givenname: 'givenName', familyname: 'familyName' };

/**
 * Attributes of the schema that realmgraph does not keep: accepted and not stored, so that an
 * identity provider that sends them (Entra sends addresses, Okta nickName) provisions the rest.
 * The Schemas endpoint says which these are.
 */
const notKept = new Set(['nickname', 'profileurl', 'addresses', 'ims', 'photos', 'entitlements', 'x509certificates', 'password']);

/** The server's attributes: ignored in a body (clients send back what they read), refused as a PATCH path. */
const readOnly = new Set(['id', 'meta', 'schemas', 'groups']);
const notKeptNameParts = new Set(['middlename', 'honorificprefix', 'honorificsuffix']);

/** Multi-valued attributes of which one element is kept: the state's fields of its value and type. */
const single: Record<string, { value: 'email' | 'phone'; type: 'emailType' | 'phoneType' }> = {
  emails: { value: 'email', type: 'emailType' },
  phonenumbers: { value: 'phone', type: 'phoneType' },
};

export type PatchOperationName = 'add' | 'replace' | 'remove';

/** Sets (add, replace) or clears (remove) what `path` names, with `value`. */
export function applyToUser(state: UserState, op: PatchOperationName, pathText: string | undefined, value: unknown): void {
  if (pathText === undefined || pathText === '') {
    if (op === 'remove') throw new ScimError(400, 'noTarget', 'A remove operation needs a path.');
    if (!isObject(value)) throw invalidValue('An operation without a path needs an object of attributes as its value.');
    for (const [name, attributeValue] of Object.entries(value)) {
      // What a client read and sends back whole (Okta's PUT, its "groups": []): the server's own, ignored.
      if (readOnly.has(name.toLowerCase())) continue;
      if (name.toLowerCase() === enterprise) {
        if (!isObject(attributeValue)) throw invalidValue(`"${name}" must be an object of the enterprise extension’s attributes.`);
        for (const [inner, innerValue] of Object.entries(attributeValue)) setUserAttribute(state, `${enterpriseSchema}:${inner}`, innerValue, op);
      } else {
        setUserAttribute(state, name, attributeValue, op);
      }
    }
    return;
  }
  if (op === 'remove') setUserAttribute(state, pathText, null, op);
  else setUserAttribute(state, pathText, value, op);
}

function setUserAttribute(state: UserState, pathText: string, value: unknown, op: PatchOperationName): void {
  const path = parsePatchPath(pathText, userSchema);
  const key = path.attribute;
  const sub = path.subAttribute;
  if (readOnly.has(key)) {
    throw new ScimError(400, 'mutability', key === 'groups' ? 'A user’s groups are read-only: change the groups’ members instead.' : `"${pathText}" is read-only.`);
  }
  if (key === 'active' && !sub) {
    state.active = value === null ? undefined : booleanOf(value, pathText);
    return;
  }
  const field = simple[key];
  if (field && !sub && !path.filter) {
    state[field] = textOf(value, pathText);
    return;
  }
  if (key === 'name') {
    if (sub) {
      if (notKeptNameParts.has(sub)) return;
      const part = nameParts[sub];
      if (!part) throw invalidPath(`"${pathText}" is not an attribute of a user’s name.`);
      state[part] = textOf(value, pathText);
      return;
    }
    if (value === null) {
      state.formatted = state.givenName = state.familyName = null;
      return;
    }
    if (!isObject(value)) throw invalidValue(`"${pathText}" must be an object (formatted, givenName, familyName).`);
    for (const [name, partValue] of Object.entries(value)) {
      const part = nameParts[name.toLowerCase()];
      if (part) state[part] = textOf(partValue, `name.${name}`);
      else if (!notKeptNameParts.has(name.toLowerCase())) throw invalidPath(`"name.${name}" is not an attribute of a user’s name.`);
    }
    return;
  }
  if (key === `${enterprise}:manager`) {
    if (sub && sub !== 'value') return; // displayName and $ref are the manager's own, not kept here.
    state.manager = sub ? textOf(value, pathText) : value === null ? null : isObject(value) ? textOf(member(value, 'value') ?? null, pathText) : textOf(value, pathText);
    return;
  }
  const kept = single[key];
  if (kept) {
    // One element is kept, the last one set: a value path (emails[type eq "work"]) names that one,
    // whatever its filter says, and the type its filter names becomes the element's type.
    const typeOfFilter = path.filter ? typeNamedBy(path.filter) : undefined;
    if (op === 'remove' && sub !== 'type') {
      state[kept.value] = null;
      state[kept.type] = null;
    } else if (sub === 'value') {
      state[kept.value] = textOf(value, pathText);
      if (typeOfFilter !== undefined) state[kept.type] = typeOfFilter;
    } else if (sub === 'type') {
      state[kept.type] = op === 'remove' ? null : textOf(value, pathText);
    } else if (!sub) {
      const element = primaryElementOf(value, pathText);
      state[kept.value] = element ? textOf(element.value, pathText) : null;
      state[kept.type] = element ? (element.type ?? typeOfFilter ?? null) : null;
    }
    return;
  }
  if (key === 'roles') {
    if (sub && sub !== 'value') return;
    const element = op === 'remove' ? null : sub ? { value } : primaryElementOf(value, pathText);
    state.role = element ? roleOf(element.value, pathText) : null;
    return;
  }
  if (notKept.has(key)) return;
  throw invalidPath(`"${pathText}" is not an attribute of a User.`);
}

/** The primary element of a multi-valued attribute, or the first: its value and type; a bare value is the value. */
function primaryElementOf(value: unknown, pathText: string): { value: unknown; type?: string } | null {
  if (value === null) return null;
  const elements = Array.isArray(value) ? value : [value];
  if (elements.length === 0) return null;
  const chosen = elements.find((element) => isObject(element) && isTrue(member(element, 'primary'))) ?? elements[0];
  if (!isObject(chosen)) return { value: chosen };
  const inner = member(chosen, 'value');
  if (inner === undefined) throw invalidValue(`"${pathText}" holds an element without a value.`);
  const type = member(chosen, 'type');
  return { value: inner, type: typeof type === 'string' ? type : undefined };
}

/** The type a value path's filter names (`[type eq "mobile"]`, also inside an `and`). */
function typeNamedBy(filter: ScimFilter): string | undefined {
  if (filter.kind === 'compare' && filter.operator === 'eq' && filter.path.name.toLowerCase() === 'type' && typeof filter.value === 'string') return filter.value;
  if (filter.kind === 'and') return filter.operands.map(typeNamedBy).find((type) => type !== undefined);
  return undefined;
}

const isTrue = (value: unknown) => value === true || (typeof value === 'string' && value.toLowerCase() === 'true');

/** A boolean, or the strings "True" and "False" in any case, as Microsoft Entra sends them. */
function booleanOf(value: unknown, pathText: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue(`"${pathText}" must be true or false.`);
}

function roleOf(value: unknown, pathText: string): IdentityRole {
  const text = typeof value === 'string' ? value.trim().toUpperCase() : undefined;
  if (text === 'ADMIN' || text === 'GRANTEE') return text;
  throw invalidValue(`"${pathText}" must be ADMIN or GRANTEE.`);
}

/**
 * A phone number in E.164 where it can be made so: spaces, dots, dashes and brackets dropped, an
 * international prefix 00 read as +. One without a country code cannot be, and is refused
 * (invalidValue) rather than dropped or guessed (docs/decisions.md 102).
 */
export function e164(phone: string, pathText = 'phoneNumbers'): string {
  const compact = phone.trim().replace(/[\s().\-/]/g, '').replace(/^00/, '+');
  if (/^\+[1-9][0-9]{1,14}$/.test(compact)) return compact;
  throw invalidValue(`The phone number "${phone}" (${pathText}) cannot be made E.164: give it with its country code, e.g. "+1 425 555 0100".`);
}

/** The state as the service's change: the display name falls back to the name, then to the username. */
export function provisionedOf(state: UserState): ProvisionedIdentity {
  if (!state.userName?.trim()) throw invalidValue('A user needs a userName.');
  if (!state.email?.trim()) throw invalidValue('A user needs an email address (emails).');
  const fullName = state.formatted ?? ([state.givenName, state.familyName].filter(Boolean).join(' ') || null);
  const displayName = state.displayName?.trim() || fullName?.trim() || state.userName;
  return {
    username: state.userName,
    displayName: displayName.trim() === state.displayName?.trim() ? displayName : [...displayName.trim()].slice(0, 64).join(''),
    primaryEmail: state.email,
    fullName,
    phoneNumber: state.phone === null ? null : e164(state.phone),
    role: state.role ?? 'GRANTEE',
    active: state.active,
    externalId: state.externalId,
    emailType: state.email === null ? null : state.emailType,
    phoneNumberType: state.phone === null ? null : state.phoneType,
    givenName: state.givenName,
    familyName: state.familyName,
    title: state.title,
    userType: state.userType,
    preferredLanguage: state.preferredLanguage,
    locale: state.locale,
    timezone: state.timezone,
    employeeNumber: state.employeeNumber,
    costCenter: state.costCenter,
    organization: state.organization,
    division: state.division,
    department: state.department,
    managerId: state.manager,
  };
}

export interface GroupRef {
  readonly id: string;
  readonly name: string;
  /** A member of the group itself, or only through a group nested in it (RFC 7643 §4.1.2's canonical types). */
  readonly type: 'direct' | 'indirect';
}

/** The User resource of an identity (RFC 7643 §4.1), unassigned attributes left out. */
export function userResource(row: IdentityRow, groups: readonly GroupRef[] | undefined, baseUrl: string): Record<string, unknown> {
  const state = userStateOf(row);
  const name = compact({ formatted: state.formatted, givenName: state.givenName, familyName: state.familyName });
  const extension = compact({
    employeeNumber: state.employeeNumber,
    costCenter: state.costCenter,
    organization: state.organization,
    division: state.division,
    department: state.department,
    manager: state.manager === null ? null : { value: state.manager },
  });
  return compact({
    schemas: [userSchema, ...(extension ? [enterpriseSchema] : [])],
    id: row.id,
    externalId: state.externalId,
    userName: state.userName,
    name,
    displayName: state.displayName,
    title: state.title,
    userType: state.userType,
    preferredLanguage: state.preferredLanguage,
    locale: state.locale,
    timezone: state.timezone,
    active: state.active,
    emails: [{ value: state.email, type: state.emailType ?? 'work', primary: true }],
    phoneNumbers: state.phone === null ? null : [{ value: state.phone, type: state.phoneType ?? 'work', primary: true }],
    roles: [{ value: state.role, primary: true }],
    groups: groups?.map((group) => ({ value: group.id, display: group.name, $ref: `${baseUrl}/Groups/${group.id}`, type: group.type })),
    [enterpriseSchema]: extension,
    meta: {
      resourceType: 'User',
      created: row.createdAt,
      lastModified: row.updatedAt,
      location: `${baseUrl}/Users/${row.id}`,
      version: `W/"${row.version}"`,
    },
  })!;
}

/** The object without its null and undefined members; null when none is left. */
function compact(object: Record<string, unknown>): Record<string, unknown> | null {
  const entries = Object.entries(object).filter(([, value]) => value !== null && value !== undefined);
  return entries.length === 0 ? null : Object.fromEntries(entries);
}
