/**
 * What a token may do. `<resource>:write` includes `<resource>:read`; `tokens:write` manages
 * tokens (and lists them). A token bound to a realm reaches only that realm.
 */
export const scopes = [
  'realms:read',
  'realms:write',
  'identities:read',
  'identities:write',
  'groups:read',
  'groups:write',
  'invitations:read',
  'invitations:write',
  'events:read',
  'tokens:write',
  'scim',
  'webhooks:read',
  'webhooks:write',
] as const;

export type Scope = (typeof scopes)[number];

export const isScope = (value: string): value is Scope => (scopes as readonly string[]).includes(value);

/** Whether holding `held` satisfies a need for `needed`. */
export function satisfies(held: ReadonlySet<Scope>, needed: Scope): boolean {
  if (held.has(needed)) return true;
  // An identity provider's token provisions identities and groups: SCIM's writes go through the services that need these.
  if (held.has('scim') && provisioned.includes(needed)) return true;
  return needed.endsWith(':read') && held.has(needed.replace(/:read$/, ':write') as Scope);
}

const provisioned: readonly Scope[] = ['identities:read', 'identities:write', 'groups:read', 'groups:write'];

export const scopeDescriptions: Record<Scope, string> = {
  'realms:read': 'Read realms (realms, realm, node of a realm, Identity.realm, Group.realm).',
  'realms:write': 'Update realms; with an all-realms token, also create and delete them.',
  'identities:read': 'Read identities, including group members and invited identities.',
  'identities:write': 'Create, update, delete identities and change their status.',
  'groups:read': 'Read groups, including an identity’s groups.',
  'groups:write': 'Create, update, delete groups and add or remove their members.',
  'invitations:read': 'Read invitations and their delivery status.',
  'invitations:write': 'Invite, revoke and resend invitations.',
  'events:read': 'Read the event log (Realm.events, lastEventCursor) and subscribe to events; the log is an audit trail, so its `data` includes snapshots of the identities created or deleted (names, username, email).',
  'tokens:write': 'Create, list and revoke API tokens, never with more scopes or realms than its own.',
  'webhooks:read': 'Read a realm’s webhook endpoints (Realm.webhookEndpoints, node of a WebhookEndpoint or WebhookDelivery) and their deliveries; never their secrets.',
  'webhooks:write': 'Create, update, delete webhook endpoints, rotate their secrets, retry and replay their deliveries. The endpoints receive the realm’s events, `data` included.',
  scim: 'Provision the token’s realm over SCIM 2.0 at /scim/v2 (an identity provider’s token, e.g. Okta’s or Microsoft Entra’s): includes identities:write and groups:write. The token must be bound to one realm.',
};
