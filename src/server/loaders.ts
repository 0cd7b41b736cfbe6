import type { LoaderOptions } from '../common/loaders';
import type { Queryable } from '../db/queryable';
import { createEmailLoaders, type EmailLoaders } from '../email/email.loaders';
import { createGroupLoaders, type GroupLoaders } from '../group/group.loaders';
import { createIdentityLoaders, type IdentityLoaders } from '../identity/identity.loaders';
import { createInvitationLoaders, type InvitationLoaders } from '../invitation/invitation.loaders';
import { createMembershipLoaders, type MembershipLoaders } from '../membership/membership.loaders';
import { createRealmLoaders, type RealmLoaders } from '../realm/realm.loaders';
import { createApiTokenLoaders, type ApiTokenLoaders } from '../auth/api-token.loaders';

/**
 * A fresh set per request (never at module scope), so no request sees another's cache, scoped to
 * the caller's realm inside every batch.
 */
export class Loaders {
  realms: RealmLoaders;
  identities: IdentityLoaders;
  groups: GroupLoaders;
  memberships: MembershipLoaders;
  invitations: InvitationLoaders;
  emails: EmailLoaders;
  tokens: ApiTokenLoaders;

  constructor(
    private readonly db: Queryable,
    private readonly options: LoaderOptions,
  ) {
    this.clearAll();
  }

  /** After a write commits: the request's later reads see the new state. */
  clearAll(): void {
    this.realms = createRealmLoaders(this.db, this.options);
    this.identities = createIdentityLoaders(this.db, this.options);
    this.groups = createGroupLoaders(this.db, this.options);
    this.memberships = createMembershipLoaders(this.db, this.options);
    this.invitations = createInvitationLoaders(this.db, this.options);
    this.emails = createEmailLoaders(this.db, this.options);
    this.tokens = createApiTokenLoaders(this.db, this.options);
  }
}
