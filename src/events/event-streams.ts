import type { PubSub, SubscribeResolverData } from 'type-graphql';
import type { Context } from '../common/context';
import { eventTypes, type EventType } from './event-types';
import type { EventService, StreamArgs } from './event.service';

/** What a subscription asks the relay for: its arguments, and who asks. */
interface StreamRequest {
  readonly args: StreamArgs;
  readonly context: Context;
}

/** A subscription's "topic ID" in type-graphql's terms: the request itself (`topicId` of @Subscription). */
export const streamRequest = ({ args, context }: SubscribeResolverData<unknown, StreamArgs, Context>): StreamRequest => ({ args, context });

/** The event types each subscription (its topic) carries. */
const topics: Record<string, readonly EventType[]> = {
  realmEvents: eventTypes,
  membershipChanged: ['membership.added', 'membership.removed'],
  invitationChanged: eventTypes.filter((type) => type.startsWith('invitation.')),
};

/**
 * type-graphql's PubSub, which it asks for a subscription's source stream, answered from the event
 * log: the schema of an app is built with the app's own (src/schema/build.ts), so subscriptions
 * reach its EventService as every other resolver reaches its services, through construction.
 * Nothing is published: events are appended in the transactions of their changes (appendEvents),
 * and reach every instance through PostgreSQL (src/events/event-relay.ts).
 */
export class EventStreams implements PubSub {
  constructor(private readonly events: EventService) {}

  publish(): void {
    throw new Error('Events are appended in the transactions of their changes (appendEvents), not published.');
  }

  // graphql-js awaits a subscription's source stream: the promise is what it resolves to.
  subscribe(topic: string, request?: unknown): AsyncIterable<unknown> {
    const types = topics[topic];
    if (!types) throw new Error(`No subscription is called ${topic}.`);
    const { args, context } = request as StreamRequest;
    return this.events.subscribe(context, args, types) as unknown as AsyncIterable<unknown>;
  }
}
