import { GraphQLError } from 'graphql';
import { AppError, ErrorCode, serviceUnavailable } from '../common/errors';
import type { RateBudget, RateDecision } from '../common/token-bucket';
import type { Queryable } from '../db/queryable';
import { isDatabaseUnavailable } from '../db/unavailable';
import { findUsableToken, touchLastUsed, type ApiTokenRow } from './api-token.repository';
import { Caller, unauthenticated, type CallerToken } from './caller';
import type { TokenCache } from './token-cache';
import { hashTokenSecret } from './token-secret';

const bearer = /^Bearer\s+(\S+)\s*$/i;

/** The caller a token stands for. */
export function callerOf(token: ApiTokenRow): Caller {
  const caller: CallerToken = {
    uuid: token.uuid,
    actor: { id: token.id, name: token.name },
    realmUuid: token.realmUuid,
    scopes: new Set(token.scopes),
  };
  return Caller.of(caller);
}

/** What an `Authorization` value holds: nothing, a token (by the SHA-256 of its secret), or something else. */
export type Credential = { readonly kind: 'none' } | { readonly kind: 'malformed' } | { readonly kind: 'token'; readonly hash: Buffer };

export function credentialOf(authorization: unknown): Credential {
  if (authorization === undefined || authorization === null || authorization === '') return { kind: 'none' };
  const match = typeof authorization === 'string' ? bearer.exec(authorization) : null;
  return match ? { kind: 'token', hash: hashTokenSecret(match[1]) } : { kind: 'malformed' };
}

/** 300000 → "300,000". */
const count = (value: number) => Math.round(value).toLocaleString('en-US');

/**
 * An address past AUTH_FAILURES_PER_MINUTE: refused before any lookup. Short enough for a WebSocket
 * close reason (123 bytes, with its `RATE_LIMITED: ` prefix).
 */
export const authFailuresError = (decision: RateDecision) =>
  new AppError(
    ErrorCode.RATE_LIMITED,
    `Too many failed authentications from this address (${count(decision.limit)} a minute). Try again in ${decision.retryAfterSeconds} s.`,
    undefined,
    { limit: decision.limit, retryAfterSeconds: decision.retryAfterSeconds },
  );

/**
 * Who an `Authorization` value (HTTP header, graphql-ws connection_init payload) stands for, for
 * every edge alike: none, the anonymous caller; a usable token, its caller; anything else
 * UNAUTHENTICATED. A token authenticated lately on this instance costs no statement (`tokens`,
 * src/auth/token-cache.ts). With the rules an edge adds to the lookup (docs/decisions.md 71, 72):
 *
 * - **Failed authentications are counted per client address** (AUTH_FAILURES_PER_MINUTE, a token
 *   bucket). An address that has used its budget is refused (RATE_LIMITED) without a lookup: a
 *   guess costs the database nothing any more. A token this instance has in its cache still passes
 *   (no lookup either), so that users behind a NAT an attacker shares are not locked out. A lookup
 *   takes one from the budget before it starts — so that a thousand guesses at once cannot all get
 *   past an empty check — and gives it back when it succeeds, or when the database failed it.
 * - **An outage is an outage**: a lookup that cannot reach the database is SERVICE_UNAVAILABLE,
 *   not UNAUTHENTICATED, and never the driver's message.
 * - **One lookup per token at a time**: requests carrying a token whose lookup is under way wait for
 *   that lookup rather than start (and reserve budget for) their own. A hundred dashboards on one
 *   token reconnecting at once cost one statement, and are not taken for a hundred guesses.
 */
export class Authenticator {
  /** Lookups under way, by client address and the SHA-256 of the token's secret. */
  private readonly lookups = new Map<string, Promise<Caller>>();
  /**
   * When this instance last wrote each token's lastUsedAt: kept to the minute, so at most one write
   * per token per minute, and no statement at all on the other requests.
   */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Queryable,
    private readonly tokens: TokenCache,
    private readonly failures?: RateBudget,
  ) {}

  /** The caller `authorization` stands for; throws UNAUTHENTICATED, RATE_LIMITED or SERVICE_UNAVAILABLE (coded GraphQLErrors). */
  async authenticate(authorization: unknown, address: string): Promise<Caller> {
    const credential = credentialOf(authorization);
    if (credential.kind === 'none') return Caller.anonymous;
    if (credential.kind === 'malformed') return this.lookUp(credential, address);
    const cached = await this.tokens.find(credential.hash.toString('base64'), async () => undefined);
    if (cached) {
      this.touch(cached.uuid);
      return cached.caller;
    }
    const key = `${address} ${credential.hash.toString('base64')}`;
    let lookup = this.lookups.get(key);
    if (!lookup) {
      lookup = this.lookUp(credential, address).finally(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    return lookup;
  }

  private async lookUp(credential: Exclude<Credential, { kind: 'none' }>, address: string): Promise<Caller> {
    const budget = await this.failures?.take(address);
    if (budget && !budget.allowed) throw authFailuresError(budget);
    try {
      const caller = await this.find(credential);
      this.failures?.refund(address);
      return caller;
    } catch (error) {
      if (codeOf(error) === ErrorCode.UNAUTHENTICATED) throw error;
      this.failures?.refund(address);
      if (isDatabaseUnavailable(error)) throw serviceUnavailable();
      throw error;
    }
  }

  private async find(credential: Exclude<Credential, { kind: 'none' }>): Promise<Caller> {
    if (credential.kind === 'malformed') throw unauthenticated('The authorization is not of the form "Bearer <token>".');
    const token = await this.tokens.find(credential.hash.toString('base64'), async () => {
      const row = await findUsableToken(this.db, credential.hash);
      return row && { uuid: row.uuid, caller: callerOf(row), expiresAt: row.expiresAt?.getTime() ?? null };
    });
    if (!token) throw unauthenticated('This token is unknown, revoked or expired.');
    this.touch(token.uuid);
    return token.caller;
  }

  private touch(uuid: string): void {
    const now = Date.now();
    if ((this.touched.get(uuid) ?? 0) > now - 60_000) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(uuid, now);
    void touchLastUsed(this.db, uuid).catch(() => this.touched.delete(uuid));
  }
}

export function codeOf(error: unknown): unknown {
  return error instanceof GraphQLError ? error.extensions.code : undefined;
}
