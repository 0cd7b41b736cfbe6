import { toGlobalId } from '../common/global-id';
import type { EventRow } from '../events/event.repository';
import { RealmEventType } from '../events/event.type';

/** The GraphQL names of the log's dotted types (`membership.added` → `MEMBERSHIP_ADDED`). */
const graphqlNames = new Map<string, string>(Object.entries(RealmEventType).map(([name, dotted]) => [dotted, name]));

/** What a delivery's body holds: the event as the GraphQL `RealmEvent` shows it. */
export interface WebhookPayload {
  id: string;
  cursor: string;
  type: string;
  occurredAt: string;
  realmId: string;
  identityId: string | null;
  groupId: string | null;
  invitationId: string | null;
  actor: { id: string; name: string } | null;
  data: Record<string, unknown>;
}

export function webhookPayload(event: EventRow): WebhookPayload {
  return {
    id: event.id,
    cursor: event.cursor,
    type: graphqlNames.get(event.type) ?? event.type,
    occurredAt: new Date(event.occurredAt).toISOString(),
    realmId: toGlobalId('Realm', event.realmUuid),
    identityId: event.identityId,
    groupId: event.groupId,
    invitationId: event.invitationId,
    actor: event.actor,
    data: event.data,
  };
}
