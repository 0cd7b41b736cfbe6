/** Lifecycle and classification values, shared by the entities, the GraphQL types and the services. */

export const identityRoles = ['ADMIN', 'GRANTEE'] as const;
export type IdentityRole = (typeof identityRoles)[number];

export const identityStatuses = ['INVITED', 'ACTIVE', 'SUSPENDED', 'DEPROVISIONED'] as const;
export type IdentityStatus = (typeof identityStatuses)[number];

export const identitySources = ['MANUAL', 'IDP'] as const;
export type IdentitySource = (typeof identitySources)[number];

export const invitationStatuses = ['PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED'] as const;
export type InvitationStatus = (typeof invitationStatuses)[number];

export const emailStatuses = ['QUEUED', 'SENT', 'FAILED', 'CANCELLED'] as const;
export type EmailStatus = (typeof emailStatuses)[number];

/** What an identity provider's DELETE of a user does in a realm (SCIM, docs/decisions.md 102). */
export const provisionedDeletions = ['DELETE', 'DEPROVISION'] as const;
export type ProvisionedDeletion = (typeof provisionedDeletions)[number];
