import type { ConnectionData } from '../common/connection.type';
import { AppError, ErrorCode, notFound } from '../common/errors';
import { expectGlobalId } from '../common/global-id';
import { pageRequest, PageEdge, toPage, type PageArgs } from '../common/pagination';
import type { Writes } from '../db/writes';
import type { RealmService } from '../realm/realm.service';
import { unauthenticated } from './caller';
import type { Context } from '../common/context';
import type { CreateApiTokenInput, RevokeApiTokenInput } from './api-token.inputs';
import {
  apiTokenOrdering,
  countTokens,
  findTokenPage,
  insertToken,
  lockToken,
  lockUsableCreator,
  revokeTree,
  type ApiTokenRow,
} from './api-token.repository';
import { satisfies } from './scopes';
import { refuseEnvironmentToken, refuseUnboundScim, tokenExpiry, tokenName, tokenScopes } from './token-rules';
import { hashTokenSecret, newTokenSecret } from './token-secret';
import { apiTokenLoaders } from './api-token.loaders';

export class ApiTokenService {
  constructor(
    private readonly writes: Writes,
    private readonly realms: RealmService,
    /** A token just revoked here: this instance's cache forgets it and its live connections close. */
    private readonly onRevoked: (uuid: string) => void,
  ) {}

  async list(ctx: Context, args: PageArgs): Promise<ConnectionData<{ cursor: string; node: ApiTokenRow }>> {
    ctx.caller.need('tokens:write');
    const request = pageRequest(args, apiTokenOrdering, ctx.limits);
    const realmUuid = ctx.caller.realmUuid;
    const rows = await findTokenPage(ctx.reads, realmUuid, request);
    return {
      ...toPage(rows, apiTokenOrdering, request, PageEdge),
      totalCount: () => countTokens(ctx.reads, realmUuid),
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
    const name = tokenName(input.name, ['input', 'name']);
    const scopes = tokenScopes(input.scopes, ['input', 'scopes']);
    // Never more than the creator (the command, for the operator, has no creator).
    const lacking = scopes.find((scope) => !satisfies(creator.scopes, scope));
    if (lacking) {
      const index = input.scopes.findIndex((scope) => scope.trim() === lacking);
      throw new AppError(ErrorCode.FORBIDDEN, `A token cannot grant ${lacking}, which it does not have itself.`, ['input', 'scopes', index]);
    }
    let realmUuid: string | null = input.realmId == null ? creator.realmUuid : expectGlobalId(input.realmId, 'Realm', ['input', 'realmId']);
    if (creator.realmUuid !== null && realmUuid !== creator.realmUuid) {
      throw new AppError(ErrorCode.FORBIDDEN, 'A token bound to a realm can only create tokens for that realm.', ['input', 'realmId']);
    }
    tokenExpiry(input.expiresAt, ['input', 'expiresAt']);
    if (realmUuid !== null && !(await this.realms.get(ctx, realmUuid))) throw notFound('realm', ['input', 'realmId'], input.realmId!);
    realmUuid ??= null;
    refuseUnboundScim(scopes, realmUuid, ['input', 'realmId']);
    const secret = newTokenSecret();
    const apiToken = await this.writes.run(ctx, async (tx) => {
      // The creator as it is now, not as this request authenticated it (possibly from the cache,
      // or before a revocation that is committing): locked until the new token commits.
      const held = await lockUsableCreator(tx, creator.uuid);
      if (!held) throw unauthenticated('This token is unknown, revoked or expired.');
      const expiresAt = expiryWithin(input.expiresAt ?? null, held.expiresAt);
      return insertToken(tx, { name, realmUuid, scopes, hash: hashTokenSecret(secret), expiresAt, createdBy: creator.uuid });
    });
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
    return this.writes.run(ctx, async (tx) => {
      const current = await lockToken(tx, uuid);
      if (!current || !ctx.caller.reaches(current.realmUuid)) {
        throw notFound('API token', ['input', 'id'], input.id);
      }
      refuseEnvironmentToken(current, ['input', 'id']);
      const revoked = await revokeTree(tx, uuid);
      tx.afterCommit(() => {
        for (const token of revoked) this.onRevoked(token.uuid);
      });
      return {
        apiToken: revoked.find((token) => token.uuid === uuid) ?? current,
        revokedDescendants: revoked.filter((token) => token.uuid !== uuid),
      };
    });
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
