import type { Client } from 'graphql-ws';

export interface Subscription<T> {
  /** The next payload, waiting for it if need be; rejects on a GraphQL error or when the stream ends. */
  next(): Promise<T>;
  /** The next `count` payloads. */
  take(count: number): Promise<T[]>;
  close(): void;
}

/** A graphql-ws subscription whose payloads a test awaits one by one: no sleeps, no polling. */
export function subscribe<T = any>(client: Client, query: string, variables: Record<string, unknown>, field: string): Subscription<T> {
  const received: T[] = [];
  const waiting: Array<{ resolve: (value: T) => void; reject: (error: Error) => void }> = [];
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure = error;
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  };
  const dispose = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) return fail(Object.assign(new Error(result.errors[0].message), { extensions: result.errors[0].extensions }));
        const value = result.data![field];
        const waiter = waiting.shift();
        if (waiter) waiter.resolve(value);
        else received.push(value);
      },
      // A stream that throws is graphql-ws' `error` message: its GraphQL errors, the first one taken as the failure.
      error: (error) =>
        fail(
          Array.isArray(error) && error[0]?.message
            ? Object.assign(new Error(error[0].message), { extensions: error[0].extensions })
            : error instanceof Error
              ? error
              : new Error(JSON.stringify(error)),
        ),
      complete: () => fail(new Error('the subscription ended')),
    },
  );
  const next = () =>
    received.length > 0
      ? Promise.resolve(received.shift()!)
      : failure
        ? Promise.reject(failure)
        : new Promise<T>((resolve, reject) => waiting.push({ resolve, reject }));
  return {
    next,
    take: async (count) => {
      const values: T[] = [];
      while (values.length < count) values.push(await next());
      return values;
    },
    close: dispose,
  };
}
