/**
 * Every event the log holds: its type, and the data it carries. The map is the one place a new
 * event is declared; the migration's CHECK on events.type lists the same names.
 */

/** A field that changed: its value before and after. */
export type Change<T = unknown> = { before: T; after: T };

export interface IdentitySnapshot {
  displayName: string;
  username: string;
  primaryEmail: string;
  role: string;
  status: string;
  source: string;
}

export interface EventMap {
  'identity.created': { identity: IdentitySnapshot };
  'identity.updated': { changes: Record<string, Change> };
  'identity.status_changed': { changes: { status: Change<string> } };
  'identity.deleted': { identity: IdentitySnapshot };
  /**
   * linkIdentities merged `mergedIdentityId` (a global ID) into the event's identity; the events that
   * follow it in the same transaction are the merge's steps: MEMBERSHIP_ADDED of the identity
   * (`membershipsAdded` of them), MEMBERSHIP_REMOVED of the merged one (`membershipsRemoved`), its
   * IDENTITY_DELETED, and IDENTITY_UPDATED of the identity when it took the merged one's source.
   */
  'identities.linked': { mergedIdentityId: string; mergedIdentity: IdentitySnapshot; membershipsAdded: number; membershipsRemoved: number };
  'group.created': { group: { name: string; description: string | null } };
  'group.updated': { changes: Record<string, Change> };
  /** Ends all of the group's memberships: `memberCount` of them, with no MEMBERSHIP_REMOVED each. */
  'group.deleted': { group: { name: string }; memberCount: number };
  'membership.added': Record<string, never>;
  'membership.removed': Record<string, never>;
  /**
   * The group `memberGroupId` (a global ID) was nested in the event's group, its parent
   * (addGroupMembers' groupIds, a SCIM member of type Group).
   */
  'group.nested': { memberGroupId: string };
  /** The group `memberGroupId` left the event's group: removed, or one of the two deleted (before its GROUP_DELETED). */
  'group.unnested': { memberGroupId: string };
  'invitation.created': { email: string; role: string; expiresAt: string };
  'invitation.sent': { attempts: number };
  'invitation.resent': { expiresAt: string };
  'invitation.accepted': Record<string, never>;
  'invitation.revoked': Record<string, never>;
  'invitation.expired': Record<string, never>;
  'invitation.delivery_failed': { attempts: number; error: string; willRetry: boolean };
  /**
   * A webhook endpoint was PAUSED until updateWebhookEndpoint sets it ACTIVE: its retry schedule
   * ran out on the delivery `deliveryId` of the event `eventId` (RETRIES_EXHAUSTED), or retention
   * pruned events after its cursor before it got them (EVENTS_PRUNED; both null). Global IDs.
   */
  'webhook.endpoint_paused': {
    webhookEndpointId: string;
    url: string;
    reason: 'RETRIES_EXHAUSTED' | 'EVENTS_PRUNED';
    deliveryId: string | null;
    eventId: string | null;
  };
}

export type EventType = keyof EventMap;

export const eventTypes = [
  'identity.created',
  'identity.updated',
  'identity.status_changed',
  'identity.deleted',
  'identities.linked',
  'group.created',
  'group.updated',
  'group.deleted',
  'membership.added',
  'membership.removed',
  'group.nested',
  'group.unnested',
  'invitation.created',
  'invitation.sent',
  'invitation.resent',
  'invitation.accepted',
  'invitation.revoked',
  'invitation.expired',
  'invitation.delivery_failed',
  'webhook.endpoint_paused',
] as const satisfies readonly EventType[];

/** An event to append: what it is, what it concerns (database keys), and its data. */
export type NewEvent = {
  [K in EventType]: {
    type: K;
    identityUuid?: string | null;
    groupUuid?: string | null;
    invitationUuid?: string | null;
    data: EventMap[K];
  };
}[EventType];

// Fails to compile when an event of the map is missing from the list.
const everyTypeListed: Exclude<EventType, (typeof eventTypes)[number]> extends never ? true : never = true;
void everyTypeListed;
