/** How much each retry delay varies, either way, so that endpoints that failed together do not retry together. */
const jitter = 0.1;

/**
 * The wait after the `attempts`-th failed attempt of a delivery: the schedule's entry for it with
 * ±10 % jitter, or null when the schedule has run out (the delivery FAILED, its endpoint PAUSED).
 */
export function webhookRetryDelayMs(attempts: number, schedule: readonly number[], random: () => number = Math.random): number | null {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a whole number from 1; it is ${attempts}.`);
  if (attempts > schedule.length) return null;
  const base = schedule[attempts - 1];
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}
