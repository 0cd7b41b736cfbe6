import { AppError, ErrorCode, notFound, type InputPath } from '../common/errors';
import type { Actor } from '../db/transaction';
import { satisfies, scopes, type Scope } from './scopes';

export interface CallerToken {
  /** The token's database key. */
  readonly uuid: string;
  /** Its global ID and name, as events record them. */
  readonly actor: Actor;
  /** The realm it is bound to; null: all realms. */
  readonly realmUuid: string | null;
  readonly scopes: ReadonlySet<Scope>;
}

export const unauthenticated = (message: string) =>
  new AppError(ErrorCode.UNAUTHENTICATED, message, undefined, { http: { status: 401 } });

/**
 * Who is asking, and what they may do: built from the API token once per request (once per
 * operation over WebSocket). Resolvers check scopes at root and relation fields; loaders scope
 * their batches to `realmUuid`, so another realm's objects are simply not found.
 */
export class Caller {
  private constructor(readonly token: CallerToken | null) {}

  static of(token: CallerToken): Caller {
    return new Caller(token);
  }

  /** No token: allowed only what needs none (acceptInvitation, whose credential is its own token). */
  static readonly anonymous = new Caller(null);

  /**
   * The operator at the shell (`npm run token`), who has the database and so every realm and every
   * scope; not a token (its key is the nil UUID), and never the caller of a request.
   */
  static readonly operator = new Caller({
    uuid: '00000000-0000-0000-0000-000000000000',
    actor: { id: 'operator', name: 'the token command' },
    realmUuid: null,
    scopes: new Set(scopes),
  });

  get actor(): Actor | null {
    return this.token?.actor ?? null;
  }

  /** The realm the caller is bound to; null when it reaches every realm (or is anonymous). */
  get realmUuid(): string | null {
    return this.token?.realmUuid ?? null;
  }

  /**
   * Whether objects of `realmUuid` are visible to the caller (another realm's are not found). Null
   * is something of every realm (an all-realms token): only an all-realms caller reaches it.
   */
  reaches(realmUuid: string | null): boolean {
    return this.token !== null && (this.token.realmUuid === null || this.token.realmUuid === realmUuid);
  }

  /**
   * All that a read's answer depends on about the caller: the realm it reaches and the scopes it
   * effectively holds (`groups:write` holds `groups:read`). Callers with equal keys get equal
   * answers to the same read, so subscribers of one event share its execution (decision 58): tokens
   * of equal rights share, whatever their names — which is why no answer quotes the token's name.
   * Whatever else a read comes to depend on belongs in it.
   */
  get readKey(): string {
    const token = this.token;
    if (!token) return 'anonymous';
    return JSON.stringify([token.realmUuid, scopes.filter((scope) => satisfies(token.scopes, scope))]);
  }

  /** An object of a realm the caller does not reach is, to it, an object that does not exist. */
  mustReach(realmUuid: string, what: string, path: InputPath, id?: string): void {
    if (!this.reaches(realmUuid)) throw notFound(what, path, id);
  }

  /** Whether `need(scope)` would pass. */
  can(scope: Scope): boolean {
    return this.token !== null && satisfies(this.token.scopes, scope);
  }

  /** UNAUTHENTICATED without a token; FORBIDDEN without the scope. */
  need(scope: Scope): void {
    if (!this.token) throw unauthenticated('This needs an API token: send `Authorization: Bearer <token>`.');
    if (!satisfies(this.token.scopes, scope)) {
      throw new AppError(ErrorCode.FORBIDDEN, `This needs the scope ${scope}, which this API token does not have.`, undefined, {
        scope,
      });
    }
  }

  /** `need(scope)`, in a realm the caller names itself (e.g. `input.realmId`): FORBIDDEN when it is not the token's. */
  needIn(scope: Scope, realmUuid: string, path: InputPath): void {
    this.need(scope);
    if (!this.reaches(realmUuid)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'The token is bound to another realm.', path);
    }
  }

  /** `need(scope)` with a token that spans all realms (creating or deleting realms). */
  needAllRealms(scope: Scope): void {
    this.need(scope);
    if (this.token!.realmUuid !== null) {
      throw new AppError(ErrorCode.FORBIDDEN, 'This needs a token that spans all realms.', undefined, { scope });
    }
  }
}
