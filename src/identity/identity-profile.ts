/**
 * What an identity provider says about a person beyond the core fields: SCIM's core User
 * attributes (name parts, title, userType, preferredLanguage, locale, timezone) and its enterprise
 * extension (employeeNumber, costCenter, organization, division, department, manager). Stored as
 * sent, each optional and at most `profileMaxLength` characters, none of them a key; shown on
 * `Identity`, settable through createIdentity/updateIdentity and SCIM. One table, read by the
 * columns, the GraphQL type and inputs, and the SCIM mapping, so that a new attribute is one line.
 */
export const profileAttributes = {
  givenName: { column: 'given_name', label: 'The given name', description: 'The given (first) name, as the identity provider sends it (SCIM `name.givenName`).' },
  familyName: { column: 'family_name', label: 'The family name', description: 'The family (last) name (SCIM `name.familyName`).' },
  title: { column: 'title', label: 'The title', description: 'The job title, e.g. "Vice President" (SCIM `title`).' },
  userType: { column: 'user_type', label: 'The user type', description: 'The organisation’s kind of user, e.g. "Employee" or "Contractor" (SCIM `userType`).' },
  preferredLanguage: {
    column: 'preferred_language',
    label: 'The preferred language',
    description: 'The preferred written or spoken language, as an HTTP Accept-Language value, e.g. "en-US" (SCIM `preferredLanguage`).',
  },
  locale: { column: 'locale', label: 'The locale', description: 'The locale for dates, numbers and currency, e.g. "en-US" (SCIM `locale`).' },
  timezone: { column: 'timezone', label: 'The time zone', description: 'The time zone, in the IANA database’s form, e.g. "America/Los_Angeles" (SCIM `timezone`).' },
  employeeNumber: { column: 'employee_number', label: 'The employee number', description: 'The organisation’s number for the person (SCIM enterprise `employeeNumber`).' },
  costCenter: { column: 'cost_center', label: 'The cost center', description: 'The cost center (SCIM enterprise `costCenter`).' },
  organization: { column: 'organization', label: 'The organization', description: 'The organisation (SCIM enterprise `organization`).' },
  division: { column: 'division', label: 'The division', description: 'The division (SCIM enterprise `division`).' },
  department: { column: 'department', label: 'The department', description: 'The department (SCIM enterprise `department`).' },
  emailType: {
    column: 'email_type',
    label: 'The kind of email',
    description: 'What kind of address the primary email is, as the identity provider said (SCIM `emails.type`: work, home, other).',
  },
  phoneNumberType: {
    column: 'phone_number_type',
    label: 'The kind of phone number',
    description: 'What kind of number the phone number is, as the identity provider said (SCIM `phoneNumbers.type`: work, mobile, home…).',
  },
  managerId: {
    column: 'manager_id',
    label: 'The manager',
    description: 'The manager’s ID as the identity provider sent it (SCIM enterprise `manager.value`): the manager’s Identity ID when the provider provisions the manager here too.',
  },
} as const;

export type ProfileField = keyof typeof profileAttributes;

export const profileFields = Object.keys(profileAttributes) as ProfileField[];

export type Profile = { [K in ProfileField]: string | null };

export const profileMaxLength = 256;

/** The attributes identity lists can be filtered by (exactly, ignoring case): those people group others by. */
export const filterableProfileFields = ['title', 'userType', 'department', 'organization', 'division', 'costCenter'] as const satisfies readonly ProfileField[];
