import { Arg, Ctx, FieldResolver, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { RealmRow } from '../realm/realm.repository';
import { Realm } from '../realm/realm.type';
import type { Context } from '../server/context';
import { eventTypes, type EventType } from './event-types';
import type { EventRow } from './event.repository';
import type { StreamArgs } from './event.service';
import { InvitationEvent, MembershipEvent, RealmEvent, RealmEventConnection, RealmEventType } from './event.type';

const membershipTypes: EventType[] = ['membership.added', 'membership.removed'];
const invitationTypes = eventTypes.filter((type) => type.startsWith('invitation.'));

const subscribe =
  (allowed: readonly EventType[]) =>
  ({ args, context }: SubscribeResolverData<unknown, StreamArgs, Context>) =>
    context.services.events.subscribe(context, args, allowed);

const afterDescription = 'A cursor (an event’s, or Realm.lastEventCursor): replay what came after it, then go on live.';

@Resolver(() => Realm)
export class RealmEventsResolver {
  @FieldResolver(() => String, {
    description: 'The cursor of the realm’s latest event when the realm was read: load the data, then subscribe `after` it to miss nothing.',
  })
  lastEventCursor(@Root() realm: RealmRow, @Ctx() ctx: Context) {
    ctx.caller.need('events:read');
    return ctx.services.events.lastCursor(realm);
  }

  @FieldResolver(() => RealmEventConnection, { description: 'The realm’s event log, oldest first, for clients that poll.' })
  events(
    @Root() realm: RealmRow,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('types', () => [RealmEventType], { nullable: true }) types?: EventType[],
  ) {
    ctx.caller.need('events:read');
    return ctx.services.events.list(ctx, realm, { first, after, types });
  }

  @Subscription(() => RealmEvent, { subscribe: subscribe(eventTypes), description: 'Every change in the realm, as it commits: for audit dashboards.' })
  realmEvents(
    @Root() event: EventRow,
    @Arg('realmId', () => ID) _realmId: string,
    @Arg('types', () => [RealmEventType], { nullable: true, description: 'Only these types; all when omitted.' }) _types?: EventType[],
    @Arg('after', () => String, { nullable: true, description: afterDescription }) _after?: string,
  ) {
    return event;
  }

  @Subscription(() => MembershipEvent, {
    subscribe: subscribe(membershipTypes),
    description:
      'Identities joining and leaving groups, as it commits; optionally of one group or one identity. Deleting an identity ends its ' +
      'memberships with a REMOVED each; deleting a group ends them all with one GROUP_DELETED (realmEvents), not a REMOVED each.',
  })
  membershipChanged(
    @Root() event: EventRow,
    @Arg('realmId', () => ID) _realmId: string,
    @Arg('groupId', () => ID, { nullable: true }) _groupId?: string,
    @Arg('identityId', () => ID, { nullable: true }) _identityId?: string,
    @Arg('after', () => String, { nullable: true, description: afterDescription }) _after?: string,
  ) {
    return event;
  }

  @Subscription(() => InvitationEvent, {
    subscribe: subscribe(invitationTypes),
    description: 'Invitations created, sent, resent, accepted, revoked, expired, or failing delivery, as it commits.',
  })
  invitationChanged(
    @Root() event: EventRow,
    @Arg('realmId', () => ID) _realmId: string,
    @Arg('after', () => String, { nullable: true, description: afterDescription }) _after?: string,
  ) {
    return event;
  }
}

/** The entities an event concerns, as they are now (null once deleted), through the request's loaders. */
function relations(target: typeof RealmEvent | typeof MembershipEvent) {
  @Resolver(() => target)
  class EventRelationsResolver {
    @FieldResolver()
    identity(@Root() event: EventRow, @Ctx() ctx: Context) {
      ctx.caller.need('identities:read');
      return event.identityUuid ? ctx.services.identities.get(ctx, event.identityUuid) : null;
    }

    @FieldResolver()
    group(@Root() event: EventRow, @Ctx() ctx: Context) {
      ctx.caller.need('groups:read');
      return event.groupUuid ? ctx.services.groups.get(ctx, event.groupUuid) : null;
    }
  }
  return EventRelationsResolver;
}

export const RealmEventRelationsResolver = relations(RealmEvent);

@Resolver(() => RealmEvent)
export class RealmEventInvitationResolver {
  @FieldResolver()
  invitation(@Root() event: EventRow, @Ctx() ctx: Context) {
    ctx.caller.need('invitations:read');
    return event.invitationUuid ? ctx.services.invitations.get(ctx, event.invitationUuid) : null;
  }
}

@Resolver(() => InvitationEvent)
export class InvitationEventResolver {
  @FieldResolver()
  invitation(@Root() event: EventRow, @Ctx() ctx: Context) {
    ctx.caller.need('invitations:read');
    return event.invitationUuid ? ctx.services.invitations.get(ctx, event.invitationUuid) : null;
  }
}
export const MembershipEventRelationsResolver = relations(MembershipEvent);
