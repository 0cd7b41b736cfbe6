import type { DataSource } from 'typeorm';
import type { ConnectionData } from '../common/connection.type';
import { AppError, ErrorCode, invalidInput, notFound } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { pageRequest, PageEdge, toPage, type PageArgs } from '../common/pagination';
import * as validate from '../common/validate';
import type { Queryable } from '../db/queryable';
import { withTransaction } from '../db/transaction';
import { Caller, unauthenticated, type CallerToken } from '../server/caller';
import type { Context } from '../server/context';
import type { CreateApiTokenInput, RevokeApiTokenInput } from './api-token.inputs';
import {
  apiTokenOrdering,
  countTokens,
  findTokenPage,
  findUsableToken,
  insertToken,
  lockToken,
  markRevoked,
  touchLastUsed,
  type ApiTokenRow,
} from './api-token.repository';
import { satisfies, isScope, type Scope } from './scopes';
import type { TokenCache } from './token-cache';
import { hashTokenSecret, newTokenSecret } from './token-secret';

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

/**
 * Who an `Authorization` value (HTTP header, or graphql-ws connection_init payload) stands for.
 * None: the anonymous caller. A value that is not a usable token: UNAUTHENTICATED. A token
 * authenticated lately on this instance costs no statement (`tokens`, src/token/token-cache.ts).
 */
export async function authenticate(db: Queryable, tokens: TokenCache, authorization: unknown): Promise<Caller> {
  if (authorization === undefined || authorization === null || authorization === '') return Caller.anonymous;
  const match = typeof authorization === 'string' ? bearer.exec(authorization) : null;
  if (!match) throw unauthenticated('The authorization is not of the form "Bearer <token>".');
  const hash = hashTokenSecret(match[1]);
  const token = await tokens.find(hash.toString('base64'), async () => {
    const row = await findUsableToken(db, hash);
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
    return ctx.loaders.tokens.byUuid.load(uuid);
  }

  /**
   * A new token, never with more than its creator: the scopes a subset of the creator's, the realm
   * the creator's own when it is bound to one. The secret is returned this once.
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
      (tx) =>
        insertToken(tx, { name, realmUuid, scopes, hash: hashTokenSecret(secret), expiresAt: input.expiresAt ?? null, createdBy: creator.uuid }),
      ctx.caller.actor,
    );
    ctx.loaders.clearAll();
    return { apiToken, token: secret };
  }

  async revoke(ctx: Context, input: RevokeApiTokenInput): Promise<ApiTokenRow> {
    ctx.caller.need('tokens:write');
    const uuid = expectGlobalId(input.id, 'ApiToken', ['input', 'id']);
    const revoked = await withTransaction(
      this.dataSource,
      async (tx) => {
        const current = await lockToken(tx, uuid);
        if (!current || !ctx.caller.reaches(current.realmUuid)) {
          throw notFound('API token', ['input', 'id'], input.id);
        }
        if (current.fromEnvironment) {
          throw new AppError(ErrorCode.FORBIDDEN, 'This token comes from the ADMIN_TOKEN environment variable: change or unset it there.', ['input', 'id']);
        }
        return markRevoked(tx, uuid);
      },
      ctx.caller.actor,
    );
    ctx.loaders.clearAll();
    this.onRevoked(uuid);
    return revoked;
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
