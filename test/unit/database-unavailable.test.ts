import { GraphQLError } from 'graphql';
import { Client } from 'pg';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from '../../src/db/unavailable';
import { freePort } from '../helpers/net';

/** A real driver error: pg connecting to a loopback port nobody listens on. */
async function refusedConnection(host: string): Promise<unknown> {
  const client = new Client({ host, port: await freePort(), user: 'nobody', database: 'none', connectionTimeoutMillis: 2000 });
  return client.connect().then(
    () => new Error('connected?'),
    (error: unknown) => error,
  );
}

/** A PostgreSQL error as pg reports it: a message and the SQLSTATE in `code`. */
const sqlState = (code: string, message = 'server said no') => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('isDatabaseUnavailable', () => {
  test('a refused connection, as pg reports it (and through `localhost`, one error per address)', async () => {
    expect(isDatabaseUnavailable(await refusedConnection('127.0.0.1'))).toBe(true);
    expect(isDatabaseUnavailable(await refusedConnection('localhost'))).toBe(true);
  });

  test('through the wrappers: TypeORM’s driverError, cause, GraphQLError’s originalError', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const typeorm = new QueryFailedError('SELECT 1', [], reset);
    expect(isDatabaseUnavailable(typeorm)).toBe(true);
    expect(isDatabaseUnavailable(new GraphQLError('wrapped', { originalError: typeorm }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('outer', { cause: reset }))).toBe(true);
    // graphql-js wraps a thrown value that is not an Error of its realm (Node's socket errors under jest).
    expect(isDatabaseUnavailable(Object.assign(new Error('Unexpected error value'), { thrownValue: { code: 'ECONNREFUSED', errno: -111 } }))).toBe(true);
  });

  test('TypeORM’s for a transaction whose connection was lost under it (its query runner released by the client’s error)', () => {
    expect(isDatabaseUnavailable(new QueryRunnerAlreadyReleasedError())).toBe(true);
    expect(isDatabaseUnavailable(new QueryRunnerProviderAlreadyReleasedError())).toBe(true);
  });

  test('pg’s and pg-pool’s messages for a lost or unreachable server', () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'timeout exceeded when trying to connect',
      'Query read timeout',
      'Client has encountered a connection error and is not queryable',
    ]) {
      expect([message, isDatabaseUnavailable(new Error(message))]).toEqual([message, true]);
    }
  });

  test('SQLSTATEs of a server that cannot take us: class 08, 57P01–57P03, 53300', () => {
    for (const code of ['08006', '08001', '57P01', '57P02', '57P03', '53300']) expect([code, isDatabaseUnavailable(sqlState(code))]).toEqual([code, true]);
  });

  test('not: a statement the server refused, a cancelled statement, a bug, nothing', () => {
    for (const code of ['23505', '42P01', '57014', '40001', '22P02']) expect([code, isDatabaseUnavailable(new QueryFailedError('q', [], sqlState(code)))]).toEqual([code, false]);
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDatabaseUnavailable(new GraphQLError('No realm has that ID.', { extensions: { code: 'NOT_FOUND' } }))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('Connection terminated')).toBe(false);
  });

  test('a cycle of causes ends', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});
