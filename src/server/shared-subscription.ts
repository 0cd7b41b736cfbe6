import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  print,
  visit,
  type ASTNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { serviceUnavailable } from '../common/errors';
import { isDatabaseUnavailable } from '../db/unavailable';
import type { Context } from '../common/context';

/**
 * Sharing keys remembered per event. Past it (a hundred different documents, variables or rights
 * on one event) further subscribers execute on their own: still right, only not shared.
 */
const maxSharedPerEvent = 100;

/**
 * graphql-ws' `subscribe`: graphql-js' own, except that an event is executed once for all the
 * subscribers that would get the same answer, and each of them is given that one ExecutionResult.
 * With one execution per subscriber, 1 000 dashboards on one group made 2 000 SELECTs and 1 000
 * executions per membership change, and the last one heard of it ~0.5–1 s late (W3, issue #5).
 *
 * Each subscriber keeps its own source stream (`createSourceEventStream` with its own context), so
 * its authorization, realm check, cursor and filter are as before; only the step from an event to
 * its result is shared. The relay hands the same event object to every subscriber of a realm, so
 * executions are remembered per event object, in a WeakMap: they go when the last subscriber has
 * passed the event. Within one event they are keyed by what the answer depends on — the document,
 * the operation, the variables the answer reads and the caller's `readKey` (decisions 58, 66). Not
 * the root field's arguments: `realmId`, the filters and `after` (the cursor each dashboard loaded
 * at, different for every one) choose which events reach a subscriber, and the root field answers
 * with the event whatever they are. An event read again for one subscriber (a resume from far
 * behind) is another object, executed for it alone.
 *
 * An execution that meets an outage (its relations could not be read) is not delivered half-read:
 * the stream ends with SERVICE_UNAVAILABLE, and a client that resumes after the last cursor it got
 * receives the event whole.
 *
 * A burst of events (a batch of 1 000 memberships commits 1 000) is executed together: each
 * subscriber's stream runs ahead of what it has sent by up to `lookahead` events (mapEvents), so
 * the executions of the events already committed start in one turn of the event loop, and those
 * of one rights class in that turn share one context, whose loaders send their batch when the turn
 * ends (`onNextTurn`): the relations of the whole burst are read in a statement or two, not two
 * per event (W6, bench/ANALYSIS.md). They are read once the burst has committed, as each event's
 * were before; an event read again for one subscriber is still executed for it alone.
 *
 * `executionContext` makes the context of shared executions from one subscriber's context; its
 * loaders should batch on the next turn (`onNextTurn`).
 */
export function sharedSubscribe(executionContext: (subscriber: Context) => Context) {
  const executions = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  // The contexts of this turn of the event loop, by rights class.
  const turnContexts = new Map<string, Context>();
  const contextFor = (subscriber: Context): Context => {
    const readKey = subscriber.caller.readKey;
    let context = turnContexts.get(readKey);
    if (!context) {
      if (turnContexts.size === 0) setImmediate(() => turnContexts.clear());
      context = executionContext(subscriber);
      turnContexts.set(readKey, context);
    }
    return context;
  };
  return async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    const subscriber = args.contextValue as Context;
    // Once per subscription. graphql-ws' parse keeps the text (`loc`); print is the fallback.
    const variables = args.variableValues ?? {};
    const key = JSON.stringify([
      args.document.loc?.source.body ?? print(args.document),
      args.operationName ?? null,
      [...resultVariables(args.document, args.operationName)].sort().map((name) => [name, variables[name] ?? null]),
      subscriber.caller.readKey,
    ]);
    const run = async (event: unknown) => execute({ ...args, rootValue: event, contextValue: contextFor(subscriber) });
    const shared = (event: unknown): Promise<ExecutionResult> => {
      if (typeof event !== 'object' || event === null) return run(event);
      let byKey = executions.get(event);
      if (!byKey) executions.set(event, (byKey = new Map()));
      let result = byKey.get(key);
      if (!result) {
        result = run(event);
        if (byKey.size < maxSharedPerEvent) byKey.set(key, result);
      }
      return result;
    };
    return mapEvents(stream, async (event) => {
      const result = await shared(event);
      if (result.errors?.some((error) => isDatabaseUnavailable(error.originalError))) throw serviceUnavailable();
      return result;
    });
  };
}

/**
 * The variables an operation's answer can depend on: every one it uses but in the arguments of its
 * root fields (which the subscription's source stream reads, not the execution of an event). Those
 * in the root fields' directives (`@include(if: $x)`) count: they shape the answer.
 */
export function resultVariables(document: DocumentNode, operationName?: string | null): Set<string> {
  const names = new Set<string>();
  const operation = getOperationAST(document, operationName);
  if (!operation) return names;
  const fragments = new Map(
    document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable: (variable) => {
        names.add(variable.name.value);
      },
    });
  // Validation has refused fragment cycles, so this ends.
  const walk = (selections: SelectionSetNode, atRoot: boolean): void => {
    for (const selection of selections.selections) {
      for (const directive of selection.directives ?? []) collect(directive);
      if (selection.kind === Kind.FIELD) {
        if (!atRoot) for (const argument of selection.arguments ?? []) collect(argument);
        if (selection.selectionSet) walk(selection.selectionSet, false);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, atRoot);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet, atRoot);
      }
    }
  };
  for (const directive of operation.directives ?? []) collect(directive);
  walk(operation.selectionSet, true);
  return names;
}

/** How many events a subscriber's stream maps ahead of what it has sent (the burst executed together). */
const lookahead = 256;

/**
 * `source`, each event mapped by `map`, in order. Up to `lookahead` events are taken from the
 * source and mapped before the consumer asks for them, so that the events already there are mapped
 * in one turn of the event loop; a slow consumer holds at most that many. Not an async generator:
 * its `return()` would queue behind a `next()` waiting for the next event, and an unsubscribed
 * client would stay in its realm's feed until then; this one reaches the source at once, as
 * graphql-js' own mapping does. A mapping that fails ends the stream with its error, once the
 * consumer reaches it.
 */
function mapEvents<T>(source: AsyncIterable<unknown>, map: (event: unknown) => Promise<T>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ahead: Array<Promise<IteratorResult<T>>> = [];
  let closed = false;
  let pumping = false;
  let wakeConsumer: (() => void) | undefined;
  let wakePump: (() => void) | undefined;
  const wake = (which: 'consumer' | 'pump') => {
    const resolve = which === 'consumer' ? wakeConsumer : wakePump;
    if (which === 'consumer') wakeConsumer = undefined;
    else wakePump = undefined;
    resolve?.();
  };
  const pump = async () => {
    while (!closed) {
      if (ahead.length >= lookahead) {
        await new Promise<void>((resolve) => (wakePump = resolve));
        continue;
      }
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (error) {
        ahead.push(Promise.reject(error));
        wake('consumer');
        return;
      }
      if (step.done) {
        ahead.push(Promise.resolve({ value: undefined, done: true }));
        wake('consumer');
        return;
      }
      const mapped = map(step.value).then((value): IteratorResult<T> => ({ value, done: false }));
      // Handled when the consumer reaches it.
      mapped.catch(() => {});
      ahead.push(mapped);
      wake('consumer');
    }
  };
  const close = async (): Promise<IteratorResult<T>> => {
    closed = true;
    ahead.length = 0;
    wake('pump');
    wake('consumer');
    await iterator.return?.();
    return { value: undefined, done: true };
  };
  return {
    async next() {
      if (!pumping) {
        pumping = true;
        void pump();
      }
      while (ahead.length === 0) {
        if (closed) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
      }
      const head = ahead.shift()!;
      wake('pump');
      try {
        const result = await head;
        if (result.done) closed = true;
        return result;
      } catch (error) {
        await close().catch(() => {});
        throw error;
      }
    },
    return: close,
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}
