import { Arg, Args, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../common/connection.type';
import type { InvitationStatus } from '../common/enums';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import type { Context } from '../common/context';
import { AcceptInvitationInput, InviteIdentityInput, ResendInvitationInput, RevokeInvitationInput } from './invitation.inputs';
import type { InvitationRow } from './invitation.repository';
import {
  AcceptInvitationPayload,
  Invitation,
  InvitationConnection,
  InvitationDelivery,
  InvitationStatusEnum,
  InviteIdentityPayload,
  ResendInvitationPayload,
  RevokeInvitationPayload,
} from './invitation.type';
import { Identity } from '../identity/identity.type';
import type { InvitationService } from './invitation.service';
import type { RealmService } from '../realm/realm.service';

@Resolver(() => Invitation)
export class InvitationResolver {
  constructor(
    private readonly realmService: RealmService,
    private readonly invitationService: InvitationService,
  ) {}

  @FieldResolver(() => Realm, { description: 'The realm the invitation is into. Needs `realms:read`.' })
  realm(@Root() invitation: InvitationRow, @Ctx() ctx: Context) {
    ctx.caller.needOn('realms:read', { realmUuid: invitation.realmUuid });
    return this.realmService.get(ctx, invitation.realmUuid);
  }

  @FieldResolver(() => Identity, { nullable: true, description: 'The identity it made (INVITED until accepted); null once revoked, or deleted. Needs `identities:read`.' })
  identity(@Root() invitation: InvitationRow, @Ctx() ctx: Context) {
    ctx.caller.needOn('identities:read', { realmUuid: invitation.realmUuid });
    return this.invitationService.identityOf(ctx, invitation);
  }

  @FieldResolver(() => InvitationDelivery, {
    description: 'Where its email stands (the latest one, after a resend): queued, sent, failed with the last error, the number of attempts.',
  })
  deliveryStatus(@Root() invitation: InvitationRow, @Ctx() ctx: Context) {
    return this.invitationService.deliveryStatus(ctx, invitation);
  }

  @Mutation(() => InviteIdentityPayload, {
    nullable: true,
    description:
      'Creates an INVITED identity and a PENDING invitation, and emails its single-use link once committed. Needs `invitations:write`; ' +
      'an address that has an identity or a pending invitation in the realm is refused (IDENTITY_EXISTS, INVITATION_EXISTS).',
  })
  async inviteIdentity(@Ctx() ctx: Context, @Arg('input', () => InviteIdentityInput, { description: 'Whom to invite, and how.' }) input: InviteIdentityInput) {
    ctx.caller.need('invitations:write');
    return { invitation: await this.invitationService.invite(ctx, input) };
  }

  @Mutation(() => AcceptInvitationPayload, {
    nullable: true,
    description:
      'With the token of an invitation link: the identity becomes ACTIVE and joins the invitation’s groups. A token works once. ' +
      'Needs no API token: the invitation’s token is the credential.',
  })
  async acceptInvitation(@Ctx() ctx: Context, @Arg('input', () => AcceptInvitationInput, { description: 'The token and the invitee’s names.' }) input: AcceptInvitationInput) {
    return { identity: await this.invitationService.accept(ctx, input) };
  }

  @Mutation(() => RevokeInvitationPayload, {
    nullable: true,
    description: 'A PENDING or EXPIRED invitation → REVOKED: its link stops working and its INVITED identity is deleted. Needs `invitations:write`.',
  })
  async revokeInvitation(@Ctx() ctx: Context, @Arg('input', () => RevokeInvitationInput, { description: 'The invitation to revoke.' }) input: RevokeInvitationInput) {
    ctx.caller.need('invitations:write');
    return { invitation: await this.invitationService.revoke(ctx, input) };
  }

  @Mutation(() => ResendInvitationPayload, {
    nullable: true,
    description: 'Emails a new link to a PENDING or EXPIRED invitation: the earlier links stop working and the expiry starts again. Needs `invitations:write`.',
  })
  async resendInvitation(@Ctx() ctx: Context, @Arg('input', () => ResendInvitationInput, { description: 'The invitation and its new lifetime.' }) input: ResendInvitationInput) {
    ctx.caller.need('invitations:write');
    return { invitation: await this.invitationService.resend(ctx, input) };
  }
}

@Resolver(() => Realm)
export class RealmInvitationsResolver {
  constructor(
    private readonly invitationService: InvitationService,
  ) {}

  @FieldResolver(() => InvitationConnection, { nullable: true, description: 'The realm’s invitations, oldest first. Needs `invitations:read`: without it, null with FORBIDDEN.' })
  invitations(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Args(() => PageArgsType) page: PageArgsType,
    @Arg('status', () => InvitationStatusEnum, { nullable: true, description: 'Only those in this status (as read: PENDING past `expiresAt` is EXPIRED).' })
    status?: InvitationStatus,
  ) {
    ctx.caller.needOn('invitations:read', { realmUuid: realm.uuid });
    return this.invitationService.listInRealm(ctx, realm, { ...page, status });
  }
}
