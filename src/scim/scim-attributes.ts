import { parseGlobalId, type NodeType } from '../common/global-id';
import type { ScimAttributeMap, ScimAttributeSql } from './filter-sql';
import { groupSchema } from './group.resource';
import { enterpriseSchema, userSchema } from './user.resource';

/*
 * What each SCIM attribute is in SQL, for filters and sortBy (docs/decisions.md 102): the users'
 * map over identities aliased `i`, the groups' over groups aliased `g`. Case-insensitive strings
 * compare in the lower(x) COLLATE "C" form of the realm-scoped indexes, so that Okta's and Entra's
 * `userName eq "…"`, `externalId eq "…"` and `displayName eq "…"` are index lookups.
 */

const text = (sql: string): ScimAttributeSql => ({ sql, type: 'string' });
const exact = (sql: string): ScimAttributeSql => ({ sql, type: 'string', caseExact: true });
const dateTime = (sql: string): ScimAttributeSql => ({ sql, type: 'dateTime' });
/** An id in SCIM is the object's global ID; stored as its uuid. */
const idOf = (sql: string, type: NodeType): ScimAttributeSql => ({
  sql,
  type: 'reference',
  caseExact: true,
  storedValue: (value) => {
    const parsed = parseGlobalId(value);
    return parsed?.type === type ? parsed.uuid : undefined;
  },
});

export const userAttributes: ScimAttributeMap = {
  schema: userSchema,
  attributes: {
    id: idOf('i.id', 'Identity'),
    externalId: exact('i.external_id'),
    userName: text('i.username'),
    displayName: text('i.display_name'),
    'name.formatted': text('i.full_name'),
    'name.givenName': text('i.given_name'),
    'name.familyName': text('i.family_name'),
    title: text('i.title'),
    userType: text('i.user_type'),
    preferredLanguage: text('i.preferred_language'),
    locale: text('i.locale'),
    timezone: text('i.timezone'),
    active: { sql: `(i.status = 'ACTIVE')`, type: 'boolean' },
    emails: text('i.primary_email'),
    'emails.value': text('i.primary_email'),
    'emails.type': text(`coalesce(i.email_type, 'work')`),
    'emails.primary': { sql: 'true', type: 'boolean' },
    phoneNumbers: exact('i.phone_number'),
    'phoneNumbers.value': exact('i.phone_number'),
    'phoneNumbers.type': text(`coalesce(i.phone_number_type, 'work')`),
    'phoneNumbers.primary': { sql: 'true', type: 'boolean' },
    'roles.value': text('i.role'),
    // The groups a user is in directly or through nesting, as its `groups` lists them (decision 106).
    'groups.value': idOf('gc.ancestor_id', 'Group'),
    'meta.created': dateTime('i.created_at'),
    'meta.lastModified': dateTime('i.updated_at'),
    [`${enterpriseSchema}:employeeNumber`]: text('i.employee_number'),
    [`${enterpriseSchema}:costCenter`]: text('i.cost_center'),
    [`${enterpriseSchema}:organization`]: text('i.organization'),
    [`${enterpriseSchema}:division`]: text('i.division'),
    [`${enterpriseSchema}:department`]: text('i.department'),
    [`${enterpriseSchema}:manager.value`]: exact('i.manager_id'),
  },
  multiValued: {
    groups: {
      some: (condition) =>
        `EXISTS (SELECT 1 FROM group_memberships gm JOIN group_closure gc ON gc.descendant_id = gm.group_id WHERE gm.identity_id = i.id AND ${condition})`,
    },
  },
};

export const groupAttributes: ScimAttributeMap = {
  schema: groupSchema,
  attributes: {
    id: idOf('g.id', 'Group'),
    externalId: exact('g.external_id'),
    displayName: text('g.name'),
    members: idOf('m.identity_id', 'Identity'),
    'members.value': idOf('m.identity_id', 'Identity'),
    'meta.created': dateTime('g.created_at'),
    'meta.lastModified': dateTime('g.updated_at'),
  },
  multiValued: {
    members: { some: (condition) => `EXISTS (SELECT 1 FROM group_memberships m WHERE m.group_id = g.id AND ${condition})` },
  },
};

/** What `sortBy` may name: attributes with one value per resource, in the order of their indexes where there is one. */
export const userSortable: Record<string, string> = {
  username: 'lower(i.username) COLLATE "C"',
  displayname: 'lower(i.display_name) COLLATE "C"',
  emails: 'lower(i.primary_email) COLLATE "C"',
  'emails.value': 'lower(i.primary_email) COLLATE "C"',
  externalid: 'i.external_id',
  'name.familyname': 'lower(i.family_name) COLLATE "C"',
  'name.givenname': 'lower(i.given_name) COLLATE "C"',
  'meta.created': 'i.created_at',
  'meta.lastmodified': 'i.updated_at',
};

export const groupSortable: Record<string, string> = {
  displayname: 'lower(g.name) COLLATE "C"',
  externalid: 'g.external_id',
  'meta.created': 'g.created_at',
  'meta.lastmodified': 'g.updated_at',
};
