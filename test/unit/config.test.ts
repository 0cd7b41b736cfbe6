import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  test('defaults serve on port 4000 with an embedded database under .data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '0.0.0.0', databaseUrl: undefined, dataDir: path.resolve('.data'), production: false, introspection: true, maxPageSize: 100 });
  });

  test('an unknown NODE_ENV is refused, not taken for development', () => {
    expect(() => loadConfig({ NODE_ENV: 'prod' })).toThrow('NODE_ENV must be one of development, production, test; it is "prod".');
    expect(() => loadConfig({ NODE_ENV: 'Production' })).toThrow(ConfigError);
    for (const known of ['development', 'test', '']) expect(loadConfig({ NODE_ENV: known }).production).toBe(false);
  });

  test('production turns introspection off unless asked for', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  test('a bad value fails fast and says what to set', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(new ConfigError('PORT must be a whole number from 0 to 65535; it is "eighty".'));
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
  });

  test('EMAIL_LEASE_MS: ten minutes by default, from a second to a day', () => {
    expect(loadConfig({}).emailLeaseMs).toBe(600_000);
    expect(loadConfig({ EMAIL_LEASE_MS: '1000' }).emailLeaseMs).toBe(1000);
    expect(() => loadConfig({ EMAIL_LEASE_MS: '999' })).toThrow(new ConfigError('EMAIL_LEASE_MS must be a whole number from 1000 to 86400000; it is "999".'));
  });

  test('database timeouts: the query timeout defaults to the statement timeout plus 5 s, and must exceed it', () => {
    expect(loadConfig({}).database).toEqual({ connectTimeoutMs: 5000, queryTimeoutMs: 15_000 });
    expect(loadConfig({ STATEMENT_TIMEOUT_MS: '2000' }).database.queryTimeoutMs).toBe(7000);
    expect(loadConfig({ STATEMENT_TIMEOUT_MS: '0' }).database.queryTimeoutMs).toBe(0);
    expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '250', DATABASE_QUERY_TIMEOUT_MS: '11000' }).database).toEqual({ connectTimeoutMs: 250, queryTimeoutMs: 11_000 });
    expect(() => loadConfig({ DATABASE_QUERY_TIMEOUT_MS: '10000' })).toThrow(/DATABASE_QUERY_TIMEOUT_MS \(10000\) must exceed STATEMENT_TIMEOUT_MS \(10000\)/);
    expect(() => loadConfig({ STATEMENT_TIMEOUT_MS: '0', DATABASE_QUERY_TIMEOUT_MS: '5000' })).toThrow(/must be 0 when STATEMENT_TIMEOUT_MS is 0/);
    expect(() => loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '0' })).toThrow(/DATABASE_CONNECT_TIMEOUT_MS must be a whole number from 100/);
  });

  test('DATABASE_READ_URL: none by default; a postgres URL, only beside DATABASE_URL; its lag bound checked', () => {
    const primary = 'postgres://app@db-primary/realmgraph';
    expect(loadConfig({}).readReplica).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: 'postgres://app@db-replica/realmgraph' }).readReplica).toEqual({
      url: 'postgres://app@db-replica/realmgraph',
      maxLagMs: 5000,
    });
    expect(loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: 'postgresql://r/x', DATABASE_READ_MAX_LAG_MS: '1000' }).readReplica?.maxLagMs).toBe(1000);
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://r/x' })).toThrow(/DATABASE_READ_URL needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: 'mysql://r/x' })).toThrow(new ConfigError('DATABASE_READ_URL must be a postgres:// or postgresql:// URL.'));
    expect(() => loadConfig({ DATABASE_READ_MAX_LAG_MS: '999' })).toThrow(/DATABASE_READ_MAX_LAG_MS must be a whole number from 1000 to 3600000/);
  });

  test('DATABASE_DIRECT_URL: unset by default; a postgres URL, and only beside DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/app' }).databaseDirectUrl).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: 'postgres://pooler:6432/app', DATABASE_DIRECT_URL: 'postgresql://db/app' }).databaseDirectUrl).toBe('postgresql://db/app');
    expect(() => loadConfig({ DATABASE_URL: 'postgres://pooler/app', DATABASE_DIRECT_URL: 'db:5432' })).toThrow(new ConfigError('DATABASE_DIRECT_URL must be a postgres:// or postgresql:// URL.'));
    expect(() => loadConfig({ DATABASE_DIRECT_URL: 'postgres://db/app' })).toThrow(/DATABASE_DIRECT_URL needs DATABASE_URL/);
  });

  test('TRUST_PROXY: none by default; addresses, CIDRs and proxy-addr’s names, checked', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8 ,fd00::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
    expect(() => loadConfig({ TRUST_PROXY: 'loopback,proxy.internal' })).toThrow(new ConfigError(
      'TRUST_PROXY must list addresses, CIDRs (10.0.0.0/8) or loopback, linklocal, uniquelocal, separated by commas; "proxy.internal" is none of these.',
    ));
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/40' })).toThrow(ConfigError);
  });
  test('CORS_ORIGINS: none by default; origins written as browsers send them; no wildcard, null or path', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'https://App.Example.com/, http://localhost:5173 ,http://localhost:80' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
      'http://localhost',
    ]);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS lists the origins allowed one by one/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example,null' })).toThrow(/"null" would allow pages nobody chose/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/graphiql' })).toThrow(
      new ConfigError(
        'CORS_ORIGINS must list origins (scheme, host and port, no path), separated by commas, e.g. https://app.example.com,http://localhost:5173; "https://app.example.com/graphiql" is not one.',
      ),
    );
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: 'ftp://app.example.com' })).toThrow(ConfigError);
  });
});
