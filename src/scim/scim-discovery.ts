import { groupSchema } from './group.resource';
import { maxBulkOperations, maxBulkPayloadBytes } from './scim-bulk';
import { enterpriseSchema, userSchema } from './user.resource';

/*
 * RFC 7644 §4's discovery: what this service provider supports (ServiceProviderConfig), its
 * resource types, and the schemas of their attributes (RFC 7643 §7) — what realmgraph keeps of
 * each, so that an identity provider's mapping screen shows the truth (docs/decisions.md 102).
 */

export const maxResults = 1000;
export const defaultCount = 100;

const listSchema = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/graphiql`,
    patch: { supported: true },
    bulk: { supported: true, maxOperations: maxBulkOperations, maxPayloadSize: maxBulkPayloadBytes },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    pagination: { cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: defaultCount, maxPageSize: maxResults, cursorTimeout: 0 },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'API token',
        description: 'An API token of realmgraph bound to one realm with the scope scim, sent as Authorization: Bearer <token>.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'An identity of the realm.',
      schema: userSchema,
      schemaExtensions: [{ schema: enterpriseSchema, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A group of the realm’s identities.',
      schema: groupSchema,
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

type Type = 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';

interface Attribute {
  name: string;
  type: Type;
  description: string;
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'default' | 'never' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  subAttributes?: Attribute[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

/** An attribute with RFC 7643 §7's defaults written out, as identity providers read them. */
function attribute(a: Attribute): Record<string, unknown> {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued ?? false,
    description: a.description,
    required: a.required ?? false,
    ...(a.type === 'string' || a.type === 'reference' ? { caseExact: a.caseExact ?? false } : {}),
    mutability: a.mutability ?? 'readWrite',
    returned: a.returned ?? 'default',
    uniqueness: a.uniqueness ?? 'none',
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attribute) } : {}),
    ...(a.referenceTypes ? { referenceTypes: a.referenceTypes } : {}),
    ...(a.canonicalValues ? { canonicalValues: a.canonicalValues } : {}),
  };
}

const text = (name: string, description: string, more: Partial<Attribute> = {}): Attribute => ({ name, type: 'string', description, ...more });

/** A multi-valued attribute of which one value is kept: the primary, or the first. */
const oneKept = (name: string, what: string): Attribute => ({
  name,
  type: 'complex',
  multiValued: true,
  description: `The user’s ${what}. One is kept: the primary one, or the first; it is shown with type "work" and primary true.`,
  subAttributes: [text('value', `The ${what.replace(/s$/, '')}.`), text('type', 'Shown as "work".'), { name: 'primary', type: 'boolean', description: 'Shown as true.' }],
});

const userAttributes: Attribute[] = [
  text('userName', 'Unique in the realm, case-insensitive; the identity’s username.', { required: true, uniqueness: 'server' }),
  {
    name: 'name',
    type: 'complex',
    description: 'The person’s name. formatted is the identity’s full name (given and family name joined when not sent).',
    subAttributes: [text('formatted', 'The full name.'), text('familyName', 'The family name.'), text('givenName', 'The given name.')],
  },
  text('displayName', 'The name people read, 1–64 characters; when not sent, the full name, else the userName.'),
  text('title', 'The job title.'),
  text('userType', 'The kind of user, e.g. Employee.'),
  text('preferredLanguage', 'The preferred language, e.g. en-US.'),
  text('locale', 'The locale, e.g. en-US.'),
  text('timezone', 'The time zone, e.g. America/Los_Angeles.'),
  { name: 'active', type: 'boolean', description: 'true: the identity is ACTIVE; false: SUSPENDED (or not yet active: INVITED, DEPROVISIONED).' },
  oneKept('emails', 'email addresses'),
  oneKept('phoneNumbers', 'phone numbers (E.164; one without a country code is refused)'),
  {
    name: 'roles',
    type: 'complex',
    multiValued: true,
    description: 'The identity’s role: ADMIN or GRANTEE (the default). One is kept.',
    subAttributes: [text('value', 'ADMIN or GRANTEE.'), { name: 'primary', type: 'boolean', description: 'Shown as true.' }],
  },
  {
    name: 'groups',
    type: 'complex',
    multiValued: true,
    mutability: 'readOnly',
    description:
      'The groups the user belongs to: those it is a member of ("direct") and those they are nested in, at any depth ("indirect"), each once. Change them through the groups’ members.',
    subAttributes: [
      text('value', 'The group’s id.', { mutability: 'readOnly' }),
      text('display', 'The group’s displayName.', { mutability: 'readOnly' }),
      text('type', 'direct: the user is a member of the group itself; indirect: only through a group nested in it.', {
        mutability: 'readOnly',
        canonicalValues: ['direct', 'indirect'],
      }),
      { name: '$ref', type: 'reference', referenceTypes: ['Group'], description: 'The group’s URI.', mutability: 'readOnly' },
    ],
  },
];

const enterpriseAttributes: Attribute[] = [
  text('employeeNumber', 'The organisation’s number for the person.'),
  text('costCenter', 'The cost center.'),
  text('organization', 'The organisation.'),
  text('division', 'The division.'),
  text('department', 'The department.'),
  {
    name: 'manager',
    type: 'complex',
    description: 'The user’s manager: value is kept as sent (the manager’s id when the provider provisions the manager here too).',
    subAttributes: [text('value', 'The manager’s id.')],
  },
];

const groupAttributes: Attribute[] = [
  text('displayName', 'Unique in the realm, case-insensitive; 1–64 characters.', { required: true, uniqueness: 'server' }),
  {
    name: 'members',
    type: 'complex',
    multiValued: true,
    description:
      'The group’s direct members: users and groups of the realm. A member whose value is a Group’s id is a nested group (a group that contains this one is refused: a cycle).',
    subAttributes: [
      text('value', 'The member’s id.', { mutability: 'immutable' }),
      text('display', 'The member’s displayName.', { mutability: 'readOnly' }),
      text('type', 'User or Group; the id decides.', { mutability: 'immutable' }),
      { name: '$ref', type: 'reference', referenceTypes: ['User', 'Group'], description: 'The member’s URI.', mutability: 'immutable' },
    ],
  },
];

export function schemas(baseUrl: string) {
  const schema = (id: string, name: string, description: string, attributes: Attribute[]) => ({
    schemas: [listSchema],
    id,
    name,
    description,
    attributes: attributes.map(attribute),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  });
  return [
    schema(userSchema, 'User', 'An identity of the realm. Kept besides these: the common attributes (id, externalId, meta). Accepted and not kept: nickName, profileUrl, addresses, ims, photos, entitlements, x509Certificates, password, name.middleName and its honorifics.', userAttributes),
    schema(enterpriseSchema, 'EnterpriseUser', 'The enterprise extension of a user.', enterpriseAttributes),
    schema(groupSchema, 'Group', 'A group of the realm’s identities.', groupAttributes),
  ];
}
