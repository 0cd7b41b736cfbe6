import type { DataSource } from 'typeorm';
import type { ConnectionData } from '../common/connection.type';
import { AppError, ErrorCode, invalidInput, notFound } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { pageRequest, PageEdge, toPage, type PageArgs } from '../common/pagination';
import * as validate from '../common/validate';
import type { Queryable } from '../db/queryable';
import { withTransaction } from '../db/transaction';
import { Caller, unauthenticated, type CallerToken } from './caller';
import type { Context } from '../server/context';
import type { CreateApiTokenInput, RevokeApiTokenInput } from './api-token.inputs';
import {
  apiTokenOrdering,
  countTokens,
  findTokenPage,
  findUsableToken,
  insertToken,
  lockToken,
  lockUsableCreator,
  revokeTree,
  touchLastUsed,
  type ApiTokenRow,
} from './api-token.repository';
import { satisfies, isScope, type Scope } from './scopes';
import type { TokenCache } from './token-cache';
import { hashTokenSecret, newTokenSecret } from './token-secret';
import { apiTokenLoaders } from './api-token.loaders';

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

/**
 * The caller of a token this instance authenticated lately, with no lookup (only lastUsedAt's
 * write, at most once a minute, as `authenticate`). Undefined when knowing would take a lookup (not
 * cached, or the cache is not trusted just now). The edge asks this first, so that an address
 * throttled for failed guesses still serves the tokens this instance knows (docs/decisions.md 72).
 */
export async function cachedCaller(db: Queryable, tokens: TokenCache, hash: Buffer): Promise<Caller | undefined> {
  const token = await tokens.find(hash.toString('base64'), async () => undefined);
  if (token) touch(db, token.uuid);
  return token?.caller;
}

/**
 * Who an `Authorization` value (HTTP header, or graphql-ws connection_init payload) stands for.
 * None: the anonymous caller. A value that is not a usable token: UNAUTHENTICATED. A token
 * authenticated lately on this instance costs no statement (`tokens`, src/auth/token-cache.ts).
 */
export async function authenticate(db: Queryable, tokens: TokenCache, authorization: unknown): Promise<Caller> {
  const credential = credentialOf(authorization);
  if (credential.kind === 'none') return Caller.anonymous;
  if (credential.kind === 'malformed') throw unauthenticated('The authorization is not of the form "Bearer <token>".');
  const token = await tokens.find(credential.hash.toString('base64'), async () => {
    const row = await findUsableToken(db, credential.hash);
    return row && { uuid: row.uuid, caller: callerOf(row), expiresAt: row.expiresAt?.getTime() ?? null };
  });
  if (!token) throw unauthenticated('This token is unknown, revoked or expired.');
  touch(db, token.uuid);
  return token.caller;
}

// lastUsedAt is kept to the minute: at most one write per token per minute and instance, and no
// statement at all on the other requests.
const touched = new Map<string, number>();

function touch(db: Queryable, uuid: string): void {
  const now = Date.now();
  if ((touched.get(uuid) ?? 0) > now - 60_000) return;
  if (touched.size > 10_000) touched.clear();
  touched.set(uuid, now);
  void touchLastUsed(db, uuid).catch(() => touched.delete(uuid));
}

export class ApiTokenService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly onRevoked: (uuid: string) => void,
  ) {}

  async list(ctx: Context, args: PageArgs): Promise<ConnectionData<{ cursor: string; node: ApiTokenRow }>> {
    ctx.caller.need('tokens:write');
    const request = pageRequest(args, apiTokenOrdering, ctx.limits);
    const realmUuid = ctx.caller.realmUuid;
    const rows = await findTokenPage(this.dataSource, realmUuid, request);
    return {
      ...toPage(rows, apiTokenOrdering, request, PageEdge),
      totalCount: () => countTokens(this.dataSource, realmUuid),
    };
  }

  get(ctx: Context, uuid: string): Promise<ApiTokenRow | null> {
    return ctx.loaders.of(apiTokenLoaders).byUuid.load(uuid);
  }

  /**
   * A new token, never with more than its creator: the scopes a subset of the creator's, the realm
   * the creator's own when it is bound to one, the expiry no later than the creator's (omitted: the
   * creator's). It is the creator's child: revoking the creator revokes it (revokeTree). The
   * secret is returned this once.
   */
  async create(ctx: Context, input: CreateApiTokenInput): Promise<{ apiToken: ApiTokenRow; token: string }> {
    ctx.caller.need('tokens:write');
    const creator = ctx.caller.token!;
    const name = validate.requiredText(input.name, ['input', 'name'], 'The name', 100);
    const scopes = this.scopesOf(input.scopes, creator.scopes);
    let realmUuid: string | null = input.realmId == null ? creator.realmUuid : expectGlobalId(input.realmId, 'Realm', ['input', 'realmId']);
    if (creator.realmUuid !== null && realmUuid !== creator.realmUuid) {
      throw new AppError(ErrorCode.FORBIDDEN, 'A token bound to a realm can only create tokens for that realm.', ['input', 'realmId']);
    }
    if (input.expiresAt != null && input.expiresAt.getTime() <= Date.now()) {
      throw invalidInput(['input', 'expiresAt'], 'The expiry must be in the future.');
    }
    if (realmUuid !== null && !(await ctx.services.realms.get(ctx, realmUuid))) throw notFound('realm', ['input', 'realmId'], input.realmId!);
    realmUuid ??= null;
    const secret = newTokenSecret();
    const apiToken = await withTransaction(
      this.dataSource,
      async (tx) => {
        // The creator as it is now, not as this request authenticated it (possibly from the cache,
        // or before a revocation that is committing): locked until the new token commits.
        const held = await lockUsableCreator(tx, creator.uuid);
        if (!held) throw unauthenticated('This token is unknown, revoked or expired.');
        const expiresAt = expiryWithin(input.expiresAt ?? null, held.expiresAt);
        return insertToken(tx, { name, realmUuid, scopes, hash: hashTokenSecret(secret), expiresAt, createdBy: creator.uuid });
      },
      ctx.caller.actor,
    );
    ctx.loaders.clearAll();
    return { apiToken, token: secret };
  }

  /**
   * Revokes the token and the tokens it created, and theirs (revokeTree). Each is forgotten by
   * this instance's cache and its WebSocket connections close (4403); other instances hear the
   * NOTIFY of each.
   */
  async revoke(ctx: Context, input: RevokeApiTokenInput): Promise<{ apiToken: ApiTokenRow; revokedDescendants: ApiTokenRow[] }> {
    ctx.caller.need('tokens:write');
    const uuid = expectGlobalId(input.id, 'ApiToken', ['input', 'id']);
    const result = await withTransaction(
      this.dataSource,
      async (tx) => {
        const current = await lockToken(tx, uuid);
        if (!current || !ctx.caller.reaches(current.realmUuid)) {
          throw notFound('API token', ['input', 'id'], input.id);
        }
        if (current.fromEnvironment) {
          throw new AppError(ErrorCode.FORBIDDEN, 'This token comes from the ADMIN_TOKEN environment variable: change or unset it there.', ['input', 'id']);
        }
        const revoked = await revokeTree(tx, uuid);
        return {
          apiToken: revoked.find((token) => token.uuid === uuid) ?? current,
          revokedDescendants: revoked.filter((token) => token.uuid !== uuid),
        };
      },
      ctx.caller.actor,
    );
    ctx.loaders.clearAll();
    for (const token of [result.apiToken, ...result.revokedDescendants]) this.onRevoked(token.uuid);
    return result;
  }

  private scopesOf(requested: readonly string[], held: ReadonlySet<Scope>): Scope[] {
    if (requested.length === 0) throw invalidInput(['input', 'scopes'], 'Give at least one scope.');
    const scopes = [...new Set(requested)];
    scopes.forEach((scope, index) => {
      if (!isScope(scope)) throw invalidInput(['input', 'scopes', index], `"${scope}" is not a scope. The scopes are listed in the README.`);
      if (!satisfies(held, scope)) {
        throw new AppError(ErrorCode.FORBIDDEN, `A token cannot grant ${scope}, which it does not have itself.`, ['input', 'scopes', index]);
      }
    });
    return scopes as Scope[];
  }
}

/**
 * A child's expiry: never later than its creator's, so that a token cannot outlive the one that
 * made it. Omitted, it is the creator's (none when the creator has none).
 */
export function expiryWithin(requested: Date | null, creatorExpiresAt: Date | null): Date | null {
  if (creatorExpiresAt === null) return requested;
  if (requested === null) return creatorExpiresAt;
  if (requested.getTime() > creatorExpiresAt.getTime()) {
    throw new AppError(
      ErrorCode.FORBIDDEN,
      `A token cannot outlive the token creating it, which expires at ${creatorExpiresAt.toISOString()}: give an earlier expiresAt, or omit it to get that one.`,
      ['input', 'expiresAt'],
      { creatorExpiresAt: creatorExpiresAt.toISOString() },
    );
  }
  return requested;
}
