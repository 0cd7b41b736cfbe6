/**
 * Asks again until `done` holds, at most `tries` times; every try is a real request, never a sleep.
 * For states no event announces (a delivery status); where an event exists, wait on the event.
 */
export async function eventually<T>(ask: () => Promise<T>, done: (value: T) => boolean, tries = 3000): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < tries; attempt++) {
    last = await ask();
    if (done(last)) return last;
  }
  throw new Error(`Still not there after ${tries} tries; last answer: ${JSON.stringify(last)}`);
}
