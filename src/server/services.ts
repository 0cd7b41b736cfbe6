import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { EventRelay } from '../events/event-relay';
import { EmailService } from '../email/email.service';
import { EventService } from '../events/event.service';
import type { Logger } from '../logger';
import { GroupService } from '../group/group.service';
import { IdentityService } from '../identity/identity.service';
import { InvitationService } from '../invitation/invitation.service';
import { MembershipService } from '../membership/membership.service';
import { RealmService } from '../realm/realm.service';
import { ApiTokenService } from '../auth/api-token.service';

/** The domain services: created once per process, they take the request context first. */
export interface Services {
  realms: RealmService;
  identities: IdentityService;
  groups: GroupService;
  memberships: MembershipService;
  events: EventService;
  invitations: InvitationService;
  emails: EmailService;
  tokens: ApiTokenService;
}

/** What services are built from: created once in createApp. */
export interface ServiceDeps {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
  /** Runs a background job now, e.g. email delivery after a commit queued a message. */
  wakeJob(name: string): void;
  /** The base URL of links to this server (PUBLIC_URL, or the address it listens on). */
  publicUrl(): string;
  /** This instance's delivery of committed events to its subscribers. */
  relay: EventRelay;
  /** Forgets a token just revoked here: its entry in this instance's token cache, its live connections. */
  tokenRevoked(uuid: string): void;
}

export function createServices(deps: ServiceDeps): Services {
  const { dataSource } = deps;
  const emails = new EmailService();
  return {
    realms: new RealmService(dataSource),
    identities: new IdentityService(dataSource),
    groups: new GroupService(dataSource),
    memberships: new MembershipService(dataSource),
    events: new EventService(dataSource, deps.relay),
    tokens: new ApiTokenService(dataSource, deps.tokenRevoked),
    invitations: new InvitationService(deps, emails),
    emails,
  };
}
