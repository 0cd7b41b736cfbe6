import { Arg, Ctx, FieldResolver, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../common/context';
import type { GroupService } from '../group/group.service';
import type { IdentityService } from '../identity/identity.service';
import type { InvitationService } from '../invitation/invitation.service';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import type { EventType } from './event-types';
import type { EventRow, MembershipChangeRow } from './event.repository';
import type { EventService } from './event.service';
import { streamRequest } from './event-streams';
import { MembershipKind } from '../membership/membership.inputs';
import { InvitationEvent, MembershipEvent, RealmEvent, RealmEventConnection, RealmEventType } from './event.type';

const afterDescription = 'A cursor (an event’s, or Realm.lastEventCursor): replay what came after it, then go on live.';

/**
 * The event log on a realm, and the three subscriptions. A subscription's source stream comes from
 * the relay through type-graphql's PubSub seam (src/events/event-streams.ts: its topic is the
 * subscription, its "topic ID" the request); the methods below only pass each event on.
 */
@Resolver(() => Realm)
export class RealmEventsResolver {
  constructor(private readonly eventService: EventService) {}

  @FieldResolver(() => String, {
    nullable: true,
    description: 'The cursor of the realm’s latest event when the realm was read: load the data, then subscribe `after` it to miss nothing. Null, with FORBIDDEN, for a caller that may not read events.',
  })
  lastEventCursor(@Root() realm: RealmRow, @Ctx() ctx: Context) {
    ctx.caller.needOn('events:read', { realmUuid: realm.uuid });
    return this.eventService.lastCursor(realm);
  }

  @FieldResolver(() => RealmEventConnection, {
    nullable: true,
    description:
      'The realm’s event log for clients that poll, oldest first within a page: forward with `first`/`after`, or back from the newest with `last`/`before` (`events(last: 50)`: the latest fifty). Needs `events:read`: without it, null with FORBIDDEN.',
  })
  events(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'How many events after `after` (or from the oldest retained); at most MAX_PAGE_SIZE (default 100).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'A cursor: the events that follow it.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'How many events before `before` (or up to the newest); at most MAX_PAGE_SIZE (default 100).' }) last?: number,
    @Arg('before', () => String, { nullable: true, description: 'A cursor: the events that precede it.' }) before?: string,
    @Arg('types', () => [RealmEventType], { nullable: true, description: 'Only these types; all when omitted.' }) types?: EventType[],
    @Arg('identityId', () => ID, { nullable: true, description: 'Only the events of this identity (its own changes, its memberships, its invitation): an identity’s history.' })
    identityId?: string,
    @Arg('groupId', () => ID, { nullable: true, description: 'Only the events of this group (its own changes, its members, its nesting).' }) groupId?: string,
    @Arg('actorId', () => ID, { nullable: true, description: 'Only the events caused by this actor (`actor.id`: an API token’s ID): who did what.' }) actorId?: string,
  ) {
    ctx.caller.needOn('events:read', { realmUuid: realm.uuid });
    return this.eventService.list(ctx, realm, { first, after, last, before, types, identityId, groupId, actorId });
  }

  @Subscription(() => RealmEvent, { topics: 'realmEvents', topicId: streamRequest, description: 'Every change in the realm, as it commits: for audit dashboards. Needs `events:read`.' })
  realmEvents(
    @Root() event: EventRow,
    @Arg('realmId', () => ID, { description: 'The realm to follow.' }) _realmId: string,
    @Arg('types', () => [RealmEventType], { nullable: true, description: 'Only these types; all when omitted.' }) _types?: EventType[],
    @Arg('after', () => String, { nullable: true, description: afterDescription }) _after?: string,
  ) {
    return event;
  }

  @Subscription(() => MembershipEvent, {
    topics: 'membershipChanged',
    topicId: streamRequest,
    description:
      'Identities joining and leaving groups, as it commits; optionally of one group or one identity. Deleting an identity ends its ' +
      'memberships with a REMOVED each; deleting a group ends them all with one GROUP_DELETED (realmEvents), not a REMOVED each — unless the group sits in a tree (nested in a group, or holding one): then a REMOVED each. ' +
      'With `membership: TRANSITIVE` (and `groupId`), every identity entering or leaving the group’s transitive membership — by a join or departure anywhere in its tree, or by a nesting change — ' +
      'each exactly when it happened, in commit order (README, “What a transitive subscription delivers”). Needs `events:read`.',
  })
  membershipChanged(
    @Root() event: EventRow,
    @Arg('realmId', () => ID, { description: 'The realm to follow.' }) _realmId: string,
    @Arg('groupId', () => ID, { nullable: true, description: 'Only this group’s memberships.' }) _groupId?: string,
    @Arg('identityId', () => ID, { nullable: true, description: 'Only this identity’s memberships.' }) _identityId?: string,
    @Arg('after', () => String, { nullable: true, description: afterDescription }) _after?: string,
    @Arg('membership', () => MembershipKind, {
      defaultValue: MembershipKind.DIRECT,
      description: 'DIRECT: the group’s own members joining and leaving. TRANSITIVE: identities entering and leaving the membership of the group’s whole tree; needs `groupId`.',
    })
    _membership?: MembershipKind,
  ) {
    return event;
  }

  @Subscription(() => InvitationEvent, {
    topics: 'invitationChanged',
    topicId: streamRequest,
    description: 'Invitations created, sent, resent, accepted, revoked, expired, or failing delivery, as it commits. Needs `events:read`.',
  })
  invitationChanged(
    @Root() event: EventRow,
    @Arg('realmId', () => ID, { description: 'The realm to follow.' }) _realmId: string,
    @Arg('after', () => String, { nullable: true, description: afterDescription }) _after?: string,
  ) {
    return event;
  }
}

/** The entities an event concerns, as they are now (null once deleted), through the request's loaders. */
function relations(target: typeof RealmEvent | typeof MembershipEvent) {
  @Resolver(() => target)
  class EventRelationsResolver {
    constructor(
      private readonly identityService: IdentityService,
      private readonly groupService: GroupService,
    ) {}

    @FieldResolver()
    identity(@Root() event: EventRow, @Ctx() ctx: Context) {
      ctx.caller.need('identities:read');
      return event.identityUuid ? this.identityService.get(ctx, event.identityUuid) : null;
    }

    @FieldResolver()
    group(@Root() event: EventRow, @Ctx() ctx: Context) {
      ctx.caller.need('groups:read');
      return event.groupUuid ? this.groupService.get(ctx, event.groupUuid) : null;
    }
  }
  return EventRelationsResolver;
}

export const RealmEventRelationsResolver = relations(RealmEvent);

@Resolver(() => RealmEvent)
export class RealmEventInvitationResolver {
  constructor(private readonly invitationService: InvitationService) {}

  @FieldResolver()
  invitation(@Root() event: EventRow, @Ctx() ctx: Context) {
    ctx.caller.need('invitations:read');
    return event.invitationUuid ? this.invitationService.get(ctx, event.invitationUuid) : null;
  }
}

@Resolver(() => InvitationEvent)
export class InvitationEventResolver {
  constructor(private readonly invitationService: InvitationService) {}

  @FieldResolver()
  invitation(@Root() event: EventRow, @Ctx() ctx: Context) {
    ctx.caller.need('invitations:read');
    return event.invitationUuid ? this.invitationService.get(ctx, event.invitationUuid) : null;
  }
}
export const MembershipEventRelationsResolver = relations(MembershipEvent);

/** What a membershipChanged event was made of: the logged event itself, unless a TRANSITIVE stream expanded one (decision 107). */
@Resolver(() => MembershipEvent)
export class MembershipEventCauseResolver {
  constructor(private readonly groupService: GroupService) {}

  @FieldResolver()
  cause(@Root() event: MembershipChangeRow): EventType {
    return event.cause ?? event.type;
  }

  @FieldResolver()
  viaGroupId(@Root() event: MembershipChangeRow): string {
    return event.viaGroupId ?? event.groupId!;
  }

  @FieldResolver()
  viaGroup(@Root() event: MembershipChangeRow, @Ctx() ctx: Context) {
    ctx.caller.need('groups:read');
    const uuid = event.viaGroupUuid ?? event.groupUuid;
    return uuid ? this.groupService.get(ctx, uuid) : null;
  }
}
