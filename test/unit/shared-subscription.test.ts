import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Context } from '../../src/common/context';
import { resultVariables, sharedSubscribe } from '../../src/server/shared-subscription';

/** A source stream as the relay's subscribers are: events pushed in, `return()` ends a waiting `next()`. */
function source() {
  const events: object[] = [];
  let waiter: (() => void) | undefined;
  let ended = false;
  const wake = () => {
    waiter?.();
    waiter = undefined;
  };
  const stream: AsyncIterableIterator<object> & { returned: boolean; push(event: object): void } = {
    returned: false,
    push(event) {
      events.push(event);
      wake();
    },
    async next() {
      while (!ended) {
        const event = events.shift();
        if (event) return { value: event, done: false };
        await new Promise<void>((resolve) => (waiter = resolve));
      }
      return { value: undefined, done: true };
    },
    async return() {
      stream.returned = true;
      ended = true;
      wake();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return stream;
}

let executions = 0;
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      changed: {
        type: GraphQLString,
        args: { fail: { type: GraphQLString }, after: { type: GraphQLString } },
        subscribe: (_root, args: { fail?: string }, context: { stream: AsyncIterable<object> }) => {
          if (args.fail) throw new Error(args.fail);
          return context.stream;
        },
        resolve: (event: { name: string; unreachable?: boolean }) => {
          executions += 1;
          // What pg raises when the database cannot be reached as the event's relations are read.
          if (event.unreachable) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
          return event.name;
        },
      },
    },
  }),
});

const subscribe = sharedSubscribe((subscriber) => ({ ...subscriber }));

/** A subscriber's arguments: its own stream, and a caller whose rights are `readKey`. */
const args = (stream: AsyncIterable<object>, readKey: string, query = 'subscription { changed }'): ExecutionArgs => ({
  schema,
  document: parse(query),
  contextValue: { stream, caller: { readKey } } as unknown as Context,
});

async function open(stream: AsyncIterable<object>, readKey: string, query?: string): Promise<AsyncIterableIterator<ExecutionResult>> {
  const result = await subscribe(args(stream, readKey, query));
  if (!(Symbol.asyncIterator in result)) throw new Error(`not a stream: ${JSON.stringify(result)}`);
  return result;
}

beforeEach(() => {
  executions = 0;
});

test('subscribers alike get one execution of an event, the same result object', async () => {
  const [one, two] = [source(), source()];
  const [a, b] = [await open(one, 'admin'), await open(two, 'admin')];
  const event = { name: 'joined' };
  one.push(event);
  two.push(event);
  const [resultA, resultB] = [await a.next(), await b.next()];
  expect(resultA.value).toEqual({ data: { changed: 'joined' } });
  expect(resultB.value).toBe(resultA.value);
  expect(executions).toBe(1);
});

test('other rights, another document or another event: another execution', async () => {
  const streams = [source(), source(), source()];
  const subscribers = [await open(streams[0], 'admin'), await open(streams[1], 'reader'), await open(streams[2], 'admin', 'subscription { changed __typename }')];
  const event = { name: 'joined' };
  for (const stream of streams) stream.push(event);
  for (const subscriber of subscribers) await subscriber.next();
  expect(executions).toBe(3);
  // The same data in another object (an event read again for one subscriber) is executed anew.
  streams[0].push({ name: 'joined' });
  await subscribers[0].next();
  expect(executions).toBe(4);
});

test('return() reaches the source at once, even while a next() waits for an event', async () => {
  const stream = source();
  const subscriber = await open(stream, 'admin');
  const waiting = subscriber.next();
  await subscriber.return!();
  expect(stream.returned).toBe(true);
  await expect(waiting).resolves.toEqual({ value: undefined, done: true });
});

test('a subscription refused at its start comes back as a result with errors', async () => {
  const result = await subscribe(args(source(), 'admin', 'subscription { changed(fail: "FORBIDDEN") }'));
  expect(result).toMatchObject({ errors: [expect.objectContaining({ message: 'FORBIDDEN' })] });
});

test('an event whose relations cannot be read for an outage is not delivered half-read: the stream ends with SERVICE_UNAVAILABLE', async () => {
  const stream = source();
  const subscriber = await open(stream, 'admin');
  stream.push({ name: 'joined' });
  expect((await subscriber.next()).value).toEqual({ data: { changed: 'joined' } });
  stream.push({ name: 'left', unreachable: true });
  await expect(subscriber.next()).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
  expect(stream.returned).toBe(true);
});

test('the variables an answer depends on: all but those of the root fields’ arguments', () => {
  const document = parse(`
    subscription Watch($realmId: ID!, $after: String, $withIdentity: Boolean!, $first: Int, $live: Boolean!, $unused: Int) {
      membershipChanged(realmId: $realmId, after: $after) @include(if: $live) {
        id
        identity @include(if: $withIdentity) { ...Groups }
      }
      ...Root
    }
    fragment Root on Subscription { realmEvents(realmId: $realmId, after: $after) { id } }
    fragment Groups on Identity { groups(first: $first) { totalCount } }
  `);
  expect([...resultVariables(document, 'Watch')].sort()).toEqual(['first', 'live', 'withIdentity']);
});

test('subscribers whose root arguments differ (each its own cursor) share the execution of an event', async () => {
  const query = 'subscription($after: String, $shout: Boolean!) { changed(after: $after) @include(if: $shout) }';
  const [one, two] = [source(), source()];
  const at = (stream: AsyncIterable<object>, variableValues: Record<string, unknown>) =>
    subscribe({ schema, document: parse(query), variableValues, contextValue: { stream, caller: { readKey: 'admin' } } as unknown as Context });
  const [a, b] = (await Promise.all([at(one, { after: 'cursor-1', shout: true }), at(two, { after: 'cursor-2', shout: true })])) as Array<AsyncIterableIterator<ExecutionResult>>;
  const event = { name: 'joined' };
  one.push(event);
  two.push(event);
  expect((await b.next()).value).toBe((await a.next()).value);
  expect(executions).toBe(1);
});
