import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createServices, type Services } from '../../src/app/services';
import { Caller } from '../../src/auth/caller';
import { scopes as allScopes, type Scope } from '../../src/auth/scopes';
import { requestContext, type Context } from '../../src/common/context';
import { AppError } from '../../src/common/errors';
import { loadConfig } from '../../src/config';
import { NotificationListener } from '../../src/db/notification-listener';
import type { Queryable } from '../../src/db/queryable';
import { EventRelay } from '../../src/events/event-relay';
import type { EventType } from '../../src/events/event-types';
import { createLogger } from '../../src/logger';
import type { TestDatabase } from './database';

/*
 * The service tier: the domain services built by the app's own composition (createServices), with
 * their real collaborators, on a real PostgreSQL, with no HTTP and no GraphQL. What the app hands
 * the services from outside their graph — the two callbacks `wakeEmailDelivery` and `tokenRevoked`
 * — are the services' outward seams: here they record their calls, which is what a test asserts.
 */

/** What the services told the world outside their graph, in the order they told it. */
export interface RecordedSeams {
  /** How many times a commit woke the email delivery job. */
  readonly emailWakes: number;
  /** The tokens whose revocation was announced, in announcement order. */
  readonly revokedTokens: readonly string[];
  /**
   * Runs `listener` at each wake, at the very moment of the call: to observe what the delivery
   * job would find when woken (was the transaction that queued the message committed yet?).
   */
  onEmailWake(listener: () => void): void;
  /** As onEmailWake, at each announced revocation. */
  onTokenRevoked(listener: (uuid: string) => void): void;
}

export interface TestServices {
  readonly services: Services;
  /** The pool these services write through (the test database's own, or another instance's). */
  readonly dataSource: DataSource;
  readonly seams: RecordedSeams;
  /**
   * Reads from a connection of its own that is already open and idle, so the query leaves at the
   * moment of the call (a pool would first check a connection out, later): what another instance
   * sees at that moment — inside a seam's callback, whether the write that called it has committed.
   */
  readNow<T = any>(sql: string, parameters?: unknown[]): Promise<T[]>;
  /** A request's context, as every edge builds one: the caller, fresh caching loaders, the app's page limits. */
  context(caller: Caller): Context;
  /** Stops the relay and its listener. */
  close(): Promise<void>;
}

/** The app's configuration with nothing set: its defaults (INVITATION_TTL_HOURS 168, PORT 4000, …). */
export const testConfig = loadConfig({});

/**
 * The services of one app instance on `db`, composed as src/app/app.ts composes them: a started
 * NotificationListener and EventRelay (the relay PostgreSQL's NOTIFY wakes), the invitation
 * settings from the configuration, the callbacks recorded. `dataSource`: another pool on the same
 * database (db.newDataSource()), for a second instance racing the first.
 */
export async function createTestServices(db: TestDatabase, options: { dataSource?: DataSource } = {}): Promise<TestServices> {
  const dataSource = options.dataSource ?? db.dataSource;
  const config = testConfig;
  const logger = createLogger('error');
  const notifications = new NotificationListener(db.url, logger, { timeoutMs: config.database.connectTimeoutMs });
  await notifications.start();
  const relay = new EventRelay(dataSource, notifications, logger, { windowSize: 5000, pollIntervalMs: 5000 });
  await relay.start();
  const observer = new Client({ connectionString: db.url });
  await observer.connect();

  let emailWakes = 0;
  const revokedTokens: string[] = [];
  const wakeListeners: Array<() => void> = [];
  const revokeListeners: Array<(uuid: string) => void> = [];
  const services = createServices({
    dataSource,
    relay,
    invitations: { invitationTtlHours: config.invitationTtlHours, publicUrl: () => config.publicUrl ?? `http://localhost:${config.port}` },
    webhooks: { allowPrivateNetworks: config.webhooks.allowPrivateNetworks },
    wakeWebhookDelivery: () => undefined,
    wakeEmailDelivery: () => {
      emailWakes++;
      for (const listener of wakeListeners) listener();
    },
    tokenRevoked: (uuid) => {
      revokedTokens.push(uuid);
      for (const listener of revokeListeners) listener(uuid);
    },
  });
  const limits = { maxPageSize: config.maxPageSize, defaultPageSize: config.defaultPageSize };
  return {
    services,
    dataSource,
    seams: {
      get emailWakes() {
        return emailWakes;
      },
      revokedTokens,
      onEmailWake: (listener) => void wakeListeners.push(listener),
      onTokenRevoked: (listener) => void revokeListeners.push(listener),
    },
    readNow: async (sql, parameters) => (await observer.query(sql, parameters)).rows,
    context: (caller) => requestContext(dataSource, { requestId: `service-test-${randomUUID()}`, caller, cache: true, limits }),
    close: async () => {
      await relay.stop();
      await notifications.stop();
      await observer.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Callers

/**
 * A caller with these rights, as an API token with them would be once authenticated
 * (src/auth/authenticator.ts `callerOf`): `realmUuid` null reaches every realm. Its token is not a
 * row: enough for every service but ApiTokenService.create, which locks its creator (for that, make
 * a token and authenticate it, as test/service/token-rules.test.ts does).
 */
export function callerWith(rights: { name: string; scopes?: readonly Scope[]; realmUuid?: string | null }): Caller {
  const uuid = randomUUID();
  return Caller.of({
    uuid,
    actor: { id: `ApiToken:${uuid}`, name: rights.name },
    realmUuid: rights.realmUuid ?? null,
    scopes: new Set(rights.scopes ?? allScopes),
  });
}

/** Every scope, every realm. */
export const allRealmsCaller = (name = 'all realms') => callerWith({ name });

/** Every scope, in one realm only. */
export const realmCaller = (realmUuid: string, name = 'one realm') => callerWith({ name, realmUuid });

// ---------------------------------------------------------------------------------------------
// Refusals

/** An expected failure as a client reads it: its code, its inputPath and details, its message. */
export interface Refusal {
  code: string;
  inputPath?: Array<string | number>;
  message: string;
  [detail: string]: unknown;
}

/** The AppError `work` is refused with; fails the test when it succeeds or fails otherwise. */
export async function refusalOf(work: Promise<unknown>): Promise<Refusal> {
  let outcome: unknown;
  try {
    outcome = { succeeded: await work };
  } catch (error) {
    if (error instanceof AppError) return { ...(error.extensions as { code: string }), message: error.message };
    throw error;
  }
  throw new Error(`expected a refusal, but the call succeeded: ${JSON.stringify(outcome)}`);
}

// ---------------------------------------------------------------------------------------------
// The event log, read straight from its table

/** A row of the `events` table, as appendEvents wrote it. */
export interface LoggedEvent {
  seq: number;
  /** As stored: `membership.added` (the API says MEMBERSHIP_ADDED). */
  type: EventType;
  actor: { id: string; name: string } | null;
  identityUuid: string | null;
  groupUuid: string | null;
  invitationUuid: string | null;
  data: Record<string, any>;
  /** The transaction that wrote the row (its xmin): rows written together share it. */
  txid: string;
}

/**
 * The realm's events after `afterSeq`, in commit order: `seq` comes from the realm's counter, whose
 * row each appending transaction holds until it commits, so seq order is commit order.
 */
export async function realmEvents(db: Queryable, realmUuid: string, afterSeq = 0): Promise<LoggedEvent[]> {
  return db.query(
    `SELECT seq::int AS seq, type, actor, identity_id AS "identityUuid", group_id AS "groupUuid",
            invitation_id AS "invitationUuid", data, xmin::text AS txid
       FROM events WHERE realm_id = $1 AND seq > $2 ORDER BY seq`,
    [realmUuid, afterSeq],
  );
}

/** The number of the realm's last event (0 before the first): the mark a test reads the log from. */
export async function lastEventSeq(db: Queryable, realmUuid: string): Promise<number> {
  const [row] = await db.query(`SELECT last_event_seq::int AS seq FROM realms WHERE id = $1`, [realmUuid]);
  return row.seq;
}

/** The transaction that last wrote a row (its xmin), to tie a change to the events of the same commit. */
export async function writtenBy(db: Queryable, table: 'groups' | 'group_memberships' | 'identities' | 'invitations' | 'realms', where: string, params: unknown[]): Promise<string[]> {
  const rows: Array<{ txid: string }> = await db.query(`SELECT xmin::text AS txid FROM ${table} WHERE ${where}`, params);
  return rows.map((row) => row.txid);
}
