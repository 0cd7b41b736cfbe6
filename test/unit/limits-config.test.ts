import { ConfigError, loadConfig } from '../../src/config';

describe('limits configuration', () => {
  test('defaults', () => {
    expect(loadConfig({}).limits).toEqual({
      maxQueryDepth: 12,
      maxQueryCost: 500_000,
      maxAliases: 30,
      maxQueryTokens: 5000,
      maxBodyBytes: 1024 * 1024,
      maxWsMessageBytes: 1024 * 1024,
      statementTimeoutMs: 10_000,
      rateLimitPerMinute: 600,
      authFailuresPerMinute: 30,
      maxWsConnectionsPerToken: 20,
      wsConnectionTtlMs: 30_000,
      maxSubscriptionsPerConnection: 100,
    });
  });

  test('0 turns the rate limit, the failed-authentication limit and the statement timeout off', () => {
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '0', STATEMENT_TIMEOUT_MS: '0' }).limits).toMatchObject({
      rateLimitPerMinute: 0,
      authFailuresPerMinute: 0,
      statementTimeoutMs: 0,
    });
  });

  test('a bad value fails fast and says what to set', () => {
    expect(() => loadConfig({ MAX_QUERY_DEPTH: '0' })).toThrow(new ConfigError('MAX_QUERY_DEPTH must be a whole number from 1 to 1000; it is "0".'));
    expect(() => loadConfig({ MAX_BODY_BYTES: '1mb' })).toThrow(/MAX_BODY_BYTES must be a whole number from 1024 to 104857600/);
    expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PER_MINUTE must be a whole number/);
  });
});
