import { randomUUID } from 'node:crypto';
import type { ConnectionData } from '../common/connection.type';
import type { InvitationStatus } from '../common/enums';
import { AppError, ErrorCode, invalidInput, notFound, type InputPath } from '../common/errors';
import { expectGlobalId, toGlobalId } from '../common/global-id';
import { pageRequest, PageEdge, toPage, type PageArgs } from '../common/pagination';
import { wholeList } from '../common/projection';
import * as validate from '../common/validate';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';
import type { Writes } from '../db/writes';
import type { DeliveryRow } from '../email/email-outbox.repository';
import type { EmailService } from '../email/email.service';
import { appendEvents } from '../events/event-log';
import type { GroupRow } from '../group/group.repository';
import type { IdentityRow } from '../identity/identity.repository';
import type { RealmRow } from '../realm/realm.repository';
import type { Context } from '../common/context';
import type { GroupService } from '../group/group.service';
import type { IdentityService } from '../identity/identity.service';
import { addLocked, lockIdentitiesToAdd } from '../membership/membership.writes';
import type { RealmService } from '../realm/realm.service';
import { invitationEmail } from './invitation-email';
import { decide, type InvitationAction } from './invitation-lifecycle';
import { hashInvitationToken, looksLikeToken, newInvitationToken } from './invitation-token';
import type { AcceptInvitationInput, InviteIdentityInput, ResendInvitationInput, RevokeInvitationInput } from './invitation.inputs';
import {
  expireDueInvitations,
  findOpenInvitation,
  insertInvitation,
  invitationOrdering,
  lockInvitation,
  lockInvitationByTokenHash,
  markAccepted,
  markRevoked,
  realmsWithDueInvitations,
  renewInvitation,
  type InvitationRow,
} from './invitation.repository';
import { invitationLoaders } from './invitation.loaders';

const maxHours = 24 * 365;
const maxGroups = 100;

export interface InvitationSettings {
  /** How long a link works when `expiresInHours` is not given (INVITATION_TTL_HOURS). */
  readonly invitationTtlHours: number;
  /** The base of the links in emails (PUBLIC_URL, or the address this server listens on). */
  publicUrl(): string;
}

type InvitationEdge = { cursor: string; node: InvitationRow };

const invalidToken = () =>
  new AppError(ErrorCode.INVALID_TOKEN, 'No invitation has this token. Check the link; a resent invitation’s earlier links no longer work.', ['input', 'token']);

/** Display names are at most 64 characters (code points, as PostgreSQL counts). */
function displayNameFrom(text: string): string {
  return [...text].slice(0, 64).join('').trim();
}

export class InvitationService {
  constructor(
    private readonly db: Queryable,
    private readonly writes: Writes,
    private readonly settings: InvitationSettings,
    private readonly realms: RealmService,
    private readonly identities: IdentityService,
    private readonly groups: GroupService,
    private readonly emails: EmailService,
  ) {}

  get(ctx: Context, uuid: string): Promise<InvitationRow | null> {
    return ctx.loaders.of(invitationLoaders).byUuid.load(uuid);
  }

  identityOf(ctx: Context, invitation: InvitationRow): Promise<IdentityRow | null> | null {
    return invitation.identityUuid ? this.identities.get(ctx, invitation.identityUuid) : null;
  }

  async deliveryStatus(ctx: Context, invitation: InvitationRow): Promise<DeliveryRow> {
    const delivery = await this.emails.deliveryOf(ctx, invitation.uuid);
    // Every invitation queues its message in the transaction that makes it.
    if (!delivery) throw new Error(`The invitation ${invitation.uuid} has no outbox message.`);
    return delivery;
  }

  async listInRealm(ctx: Context, realm: RealmRow, args: PageArgs & { status?: InvitationStatus | null }): Promise<ConnectionData<InvitationEdge>> {
    const request = pageRequest(args, invitationOrdering, ctx.limits);
    const filter = args.status ? { status: args.status } : undefined;
    const rows = await ctx.loaders.of(invitationLoaders).ofRealm.page(realm.uuid, filter, invitationOrdering, request, wholeList);
    return {
      ...toPage(rows, invitationOrdering, request, PageEdge),
      totalCount: () => ctx.loaders.of(invitationLoaders).ofRealm.count(realm.uuid, filter),
    };
  }

  /**
   * An INVITED identity and its PENDING invitation, the email in the outbox and the events, in
   * one transaction; the email job is woken once it commits.
   */
  async invite(ctx: Context, input: InviteIdentityInput): Promise<InvitationRow> {
    const realmUuid = expectGlobalId(input.realmId, 'Realm', ['input', 'realmId']);
    ctx.caller.needIn('invitations:write', realmUuid, ['input', 'realmId']);
    const email = validate.email(input.email, ['input', 'email']);
    const fullName = validate.optionalText(input.fullName, ['input', 'fullName'], 'The full name', 256) ?? null;
    const phoneNumber = validate.phoneNumber(input.phoneNumber, ['input', 'phoneNumber']) ?? null;
    const expiresInHours = this.hours(input.expiresInHours);
    const groupUuids = await this.realmGroups(ctx, realmUuid, input.groupIds ?? []);
    // Lock-free: the realm is not locked for the whole transaction (appending the events takes its
    // row at the end). A realm deleted meanwhile fails the identity's foreign key: NOT_FOUND too.
    const realm = await this.realms.get(ctx, realmUuid);
    if (!realm) throw notFound('realm', ['input', 'realmId'], input.realmId);

    const uuid = randomUUID();
    const { token, hash } = newInvitationToken();
    return this.writes.run(ctx, async (tx) => {
      await this.identities.lockAddress(tx, realmUuid, email);
      await this.refuseInvited(tx, realmUuid, email);
      const { identity, event } = await this.identities.createInvited(tx, {
        realmUuid,
        email,
        displayName: displayNameFrom(fullName ?? email.slice(0, email.lastIndexOf('@'))),
        fullName,
        phoneNumber,
        role: input.role,
        fallbackUsername: `invited-${uuid}`,
      });
      const created = await insertInvitation(tx, {
        uuid,
        realmUuid,
        identityUuid: identity.uuid,
        email,
        role: input.role,
        fullName,
        phoneNumber,
        groupUuids,
        tokenHash: hash,
        expiresInHours,
      });
      await this.queueEmail(tx, realm, created, token);
      await appendEvents(tx, realmUuid, [
        event,
        { type: 'invitation.created', invitationUuid: uuid, identityUuid: identity.uuid, data: { email, role: input.role, expiresAt: created.expiresAt.toISOString() } },
      ]);
      return created;
    });
  }

  /**
   * The token's invitation, locked: the identity becomes ACTIVE with the name and username chosen,
   * joins the invitation's groups that still exist, and the invitation is ACCEPTED. Of two accepts
   * of one token the second waits for the lock and then finds it ACCEPTED. Once committed, the
   * token is this request's credential to read the identity, its realm and its groups
   * (Caller.admitInvitee): the invitee, who has no API token, reads them in the accept's own answer.
   */
  async accept(ctx: Context, input: AcceptInvitationInput): Promise<IdentityRow> {
    const displayName = validate.requiredText(input.displayName, ['input', 'displayName'], 'The display name', 64);
    const username = validate.username(input.username, ['input', 'username']);
    const token = input.token.trim();
    if (!looksLikeToken(token)) throw invalidToken();
    const hash = hashInvitationToken(token);
    const identity = await this.writes.run(ctx, async (tx) => {
      const invitation = await lockInvitationByTokenHash(tx, hash);
      if (!invitation) throw invalidToken();
      this.check(invitation, 'ACCEPT', ['input', 'token']);
      // The identity, then its groups in id order, then the events (the realm's row) last: the order
      // every write takes its locks in (docs/decisions.md 63), so that none deadlocks with this.
      const activated = await this.identities.activateInvited(tx, invitation.identityUuid!, { displayName, username });
      const member = await lockIdentitiesToAdd(tx, [activated.identity.id], ['input', 'token']);
      const events = [...activated.events];
      for (const group of await this.lockRemainingGroups(tx, invitation.groupUuids)) {
        events.push(...(await addLocked(ctx.caller, tx, group, member)).events);
      }
      await markAccepted(tx, invitation.uuid);
      // A message still queued (say, retrying) would now carry a used link.
      await this.emails.cancelQueued(tx, [invitation.uuid]);
      events.push({ type: 'invitation.accepted', invitationUuid: invitation.uuid, identityUuid: activated.identity.uuid, data: {} });
      await appendEvents(tx, invitation.realmUuid, events);
      return activated.identity;
    });
    ctx.caller.admitInvitee({ identityUuid: identity.uuid, realmUuid: identity.realmUuid });
    return identity;
  }

  /** PENDING or EXPIRED → REVOKED: the token stops working, the INVITED identity is deleted, unsent email cancelled. */
  async revoke(ctx: Context, input: RevokeInvitationInput): Promise<InvitationRow> {
    const uuid = expectGlobalId(input.id, 'Invitation', ['input', 'id']);
    return this.writes.run(ctx, async (tx) => {
      const current = await this.lockForChange(ctx, tx, uuid, input.id, 'REVOKE');
      // REVOKED first: a PENDING invitation must keep its identity (invitations_pending_identity_check).
      const revoked = await markRevoked(tx, uuid);
      const identityEvents = current.identityUuid
        ? await this.identities.deleteInvited(tx, current.identityUuid)
        : [];
      await this.emails.cancelQueued(tx, [uuid]);
      await appendEvents(tx, current.realmUuid, [
        ...identityEvents,
        { type: 'invitation.revoked', invitationUuid: uuid, identityUuid: current.identityUuid, data: {} },
      ]);
      // Deleting the identity set identity_id to null after `revoked` was read.
      return identityEvents.length > 0 ? { ...revoked, identityUuid: null } : revoked;
    });
  }

  /**
   * A new link: a new token (the old one stops working), PENDING again, the expiry restarted from
   * now (`expiresInHours`, or INVITATION_TTL_HOURS), the unsent messages cancelled, a new one queued.
   */
  async resend(ctx: Context, input: ResendInvitationInput): Promise<InvitationRow> {
    const uuid = expectGlobalId(input.id, 'Invitation', ['input', 'id']);
    const expiresInHours = this.hours(input.expiresInHours);
    const { token, hash } = newInvitationToken();
    return this.writes.run(ctx, async (tx) => {
      const current = await this.lockForChange(ctx, tx, uuid, input.id, 'RESEND');
      if (!current.identityUuid) {
        throw new AppError(ErrorCode.INVITATION_NOT_PENDING, 'The identity this invitation made was deleted; invite the address again instead.', ['input', 'id']);
      }
      const realm = await this.realms.get(ctx, current.realmUuid);
      if (!realm) throw notFound('invitation', ['input', 'id'], input.id);
      await this.emails.cancelQueued(tx, [uuid]);
      const renewed = await renewInvitation(tx, uuid, hash, expiresInHours);
      await this.queueEmail(tx, realm, renewed, token);
      await appendEvents(tx, current.realmUuid, [
        { type: 'invitation.resent', invitationUuid: uuid, identityUuid: current.identityUuid, data: { expiresAt: renewed.expiresAt.toISOString() } },
      ]);
      return renewed;
    });
  }

  /**
   * The expiry job's pass: in each realm that has some, PENDING invitations past their expiry
   * become EXPIRED, with their events, in one transaction per realm; their unsent email is
   * cancelled (its link would not work). Returns how many expired.
   */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (const realmUuid of await realmsWithDueInvitations(this.db, 100)) {
      expired += await this.writes.system(async (tx) => {
        const rows = await expireDueInvitations(tx, realmUuid);
        if (rows.length === 0) return 0;
        await this.emails.cancelQueued(tx, rows.map((row) => row.uuid));
        await appendEvents(
          tx,
          realmUuid,
          rows.map((row) => ({ type: 'invitation.expired' as const, invitationUuid: row.uuid, identityUuid: row.identityUuid, data: {} })),
        );
        return rows.length;
      });
    }
    return expired;
  }

  private hours(value: number | null | undefined): number {
    if (value == null) return this.settings.invitationTtlHours;
    if (!Number.isInteger(value) || value < 1 || value > maxHours) {
      throw invalidInput(['input', 'expiresInHours'], `\`expiresInHours\` must be a whole number from 1 to ${maxHours} (a year).`);
    }
    return value;
  }

  /** The groups to join on acceptance: each must be a group of the realm. Returns their uuids, without repeats. */
  private async realmGroups(ctx: Context, realmUuid: string, groupIds: readonly string[]): Promise<string[]> {
    const path = ['input', 'groupIds'];
    if (groupIds.length > maxGroups) throw invalidInput(path, `Give at most ${maxGroups} groups (you gave ${groupIds.length}).`);
    const uuids = groupIds.map((id, index) => expectGlobalId(id, 'Group', [...path, index]));
    const groups = await Promise.all(uuids.map((uuid) => this.groups.get(ctx, uuid)));
    groups.forEach((group, index) => {
      if (!group) throw notFound('group', [...path, index], groupIds[index]);
      if (group.realmUuid !== realmUuid) {
        throw new AppError(ErrorCode.CROSS_REALM, `The group "${groupIds[index]}" belongs to another realm than the invitation.`, [...path, index]);
      }
    });
    return [...new Set(uuids)];
  }

  /** An address with a live invitation, or with an identity, is refused with its own code. */
  private async refuseInvited(tx: Tx, realmUuid: string, email: string): Promise<void> {
    const open = await findOpenInvitation(tx, realmUuid, email);
    if (open?.status === 'PENDING') {
      throw new AppError(
        ErrorCode.INVITATION_EXISTS,
        `"${email}" already has a pending invitation to this realm; resend it (resendInvitation) or revoke it (revokeInvitation) instead.`,
        ['input', 'email'],
        { invitationId: open.id },
      );
    }
    if (open?.status === 'EXPIRED') {
      throw new AppError(
        ErrorCode.IDENTITY_EXISTS,
        `"${email}" was invited before and that invitation expired; its invited identity still exists. Resend that invitation (resendInvitation), or revoke it and invite again.`,
        ['input', 'email'],
        { invitationId: open.id },
      );
    }
    const identity = await this.identities.findByEmail(tx, realmUuid, email);
    if (identity) {
      throw new AppError(ErrorCode.IDENTITY_EXISTS, `An identity of this realm already has the email "${email}".`, ['input', 'email'], {
        identityId: toGlobalId('Identity', identity.uuid),
      });
    }
  }

  private async lockForChange(ctx: Context, tx: Tx, uuid: string, id: string, action: InvitationAction): Promise<InvitationRow> {
    const current = await lockInvitation(tx, uuid);
    if (!current) throw notFound('invitation', ['input', 'id'], id);
    ctx.caller.mustReach(current.realmUuid, 'invitation', ['input', 'id'], id);
    this.check(current, action, ['input', 'id']);
    return current;
  }

  private check(invitation: InvitationRow, action: InvitationAction, path: InputPath): void {
    const decision = decide(invitation.status, action);
    if (!decision.allowed) throw new AppError(decision.code, decision.reason, path, { status: invitation.status });
  }

  /**
   * The groups named at invitation that still exist, locked in id order (the order deleting an
   * identity takes them in). A group deleted since the invitation is skipped, not an error: the
   * invitee cannot do anything about it.
   */
  private async lockRemainingGroups(tx: Tx, groupUuids: readonly string[]): Promise<GroupRow[]> {
    const groups: GroupRow[] = [];
    for (const uuid of [...groupUuids].sort()) {
      try {
        groups.push(await this.groups.lockForChange(tx, uuid, []));
      } catch (error) {
        if (!(error instanceof AppError && error.code === ErrorCode.NOT_FOUND)) throw error;
      }
    }
    return groups;
  }

  private async queueEmail(tx: Tx, realm: RealmRow, invitation: InvitationRow, token: string): Promise<void> {
    const message = invitationEmail({
      publicUrl: this.settings.publicUrl(),
      token,
      realm,
      recipientName: invitation.fullName,
      role: invitation.role,
      expiresAt: invitation.expiresAt,
    });
    await this.emails.enqueue(tx, {
      realmUuid: invitation.realmUuid,
      invitationUuid: invitation.uuid,
      recipient: invitation.email,
      subject: message.subject,
      textBody: message.text,
      htmlBody: message.html,
    });
  }
}
