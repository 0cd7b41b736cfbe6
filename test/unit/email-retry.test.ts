import { defaultMaxAttempts, defaultRetryCapMs, retryDelayMs } from '../../src/email/email-retry';

describe('retryDelayMs: the backoff between delivery attempts', () => {
  test('starts at 5 s and doubles with each failed attempt', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempts) => retryDelayMs(attempts))).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000]);
  });

  test('is capped at one hour', () => {
    expect(retryDelayMs(10)).toBe(2_560_000);
    expect(retryDelayMs(11)).toBe(defaultRetryCapMs);
    expect(retryDelayMs(50)).toBe(60 * 60 * 1000);
    expect(retryDelayMs(5_000)).toBe(defaultRetryCapMs);
  });

  test('takes another base and cap', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, 100, 500))).toEqual([100, 200, 400, 500]);
  });

  test('a base of 0 retries at once (tests use it)', () => {
    expect(retryDelayMs(1, 0)).toBe(0);
    expect(retryDelayMs(2000, 0)).toBe(0);
  });

  test('the default schedule gives up about ten minutes after the first attempt', () => {
    const waits = Array.from({ length: defaultMaxAttempts - 1 }, (_, index) => retryDelayMs(index + 1));
    expect(waits.reduce((sum, wait) => sum + wait, 0)).toBe(635_000);
  });

  test.each([0, -1, 1.5, Number.NaN])('refuses %p attempts', (attempts) => {
    expect(() => retryDelayMs(attempts)).toThrow(RangeError);
  });
});
