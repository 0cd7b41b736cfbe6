/** Delivery gives up after this many attempts: with the default delays, about 10.6 minutes after the first. */
export const defaultMaxAttempts = 8;
export const defaultRetryBaseMs = 5_000;
export const defaultRetryCapMs = 60 * 60 * 1000;

/**
 * How long to wait after the `attempts`-th failed attempt before the next one: base · 2^(attempts − 1),
 * at most `capMs` (5 s, 10 s, 20 s, … with the defaults). Exponential so that a server that is down
 * is not hammered; capped so that one that comes back is tried again within the hour.
 */
export function retryDelayMs(attempts: number, baseMs = defaultRetryBaseMs, capMs = defaultRetryCapMs): number {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a whole number from 1; it is ${attempts}.`);
  if (baseMs <= 0) return 0;
  // 2^1023 is finite, 2^1024 is not; the cap is reached long before either.
  return Math.min(baseMs * 2 ** Math.min(attempts - 1, 1000), capMs);
}
