import type { DataSource } from 'typeorm';
import { ApiTokenService } from '../auth/api-token.service';
import { Writes } from '../db/writes';
import { EmailService } from '../email/email.service';
import type { EventRelay } from '../events/event-relay';
import { EventService } from '../events/event.service';
import { GroupService } from '../group/group.service';
import { DuplicateService } from '../identity/duplicates.service';
import { IdentityService } from '../identity/identity.service';
import { InvitationService, type InvitationSettings } from '../invitation/invitation.service';
import { MembershipService } from '../membership/membership.service';
import { TransitiveMembershipStreams } from '../membership/transitive-stream';
import { RealmService } from '../realm/realm.service';
import { WebhookService, type WebhookRules } from '../webhook/webhook.service';

/** The domain services of one app, created once (per app, not per request), each given its collaborators. */
export interface Services {
  readonly realms: RealmService;
  readonly identities: IdentityService;
  readonly duplicates: DuplicateService;
  readonly groups: GroupService;
  readonly memberships: MembershipService;
  readonly emails: EmailService;
  readonly invitations: InvitationService;
  readonly events: EventService;
  readonly tokens: ApiTokenService;
  readonly webhooks: WebhookService;
}

/** What the services are built from, beyond each other. */
export interface ServiceDeps {
  readonly dataSource: DataSource;
  /** This instance's delivery of committed events to its subscribers. */
  readonly relay: EventRelay;
  readonly invitations: InvitationSettings;
  /** Runs the email delivery job now: a commit queued a message. */
  wakeEmailDelivery(): void;
  readonly webhooks: WebhookRules;
  /** Runs the webhook delivery job now: an endpoint is due (resumed, replayed, a delivery retried). */
  wakeWebhookDelivery(): void;
  /** Forgets a token just revoked here: its entry in this instance's token cache, its live connections. */
  tokenRevoked(uuid: string): void;
}

/**
 * The service graph, in the order of its dependencies (which the imports show too): membership on
 * group and identity, invitation on those, everything that writes on the one write path (`Writes`).
 */
export function createServices(deps: ServiceDeps): Services {
  const { dataSource } = deps;
  const writes = new Writes(dataSource);
  const realms = new RealmService(writes);
  const identities = new IdentityService(writes, realms);
  const duplicates = new DuplicateService(writes, identities);
  const groups = new GroupService(writes, realms);
  const memberships = new MembershipService(writes, groups);
  const emails = new EmailService(deps.wakeEmailDelivery);
  const invitations = new InvitationService(dataSource, writes, deps.invitations, realms, identities, groups, emails);
  const events = new EventService(dataSource, deps.relay, realms, new TransitiveMembershipStreams(dataSource));
  const tokens = new ApiTokenService(writes, realms, deps.tokenRevoked);
  const webhooks = new WebhookService(writes, realms, events, deps.webhooks, deps.wakeWebhookDelivery);
  return { realms, identities, duplicates, groups, memberships, emails, invitations, events, tokens, webhooks };
}
