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
 * What accepting an invitation lets the rest of that one response read, with the invitation's token
 * as the credential (docs/decisions.md 83): the identity it activated (the payload itself), its
 * realm's own fields, and the groups it is now in — not their members, not the realm's lists.
 */
export interface InviteeGrant {
  readonly identityUuid: string;
  readonly realmUuid: string;
}

/** The object a relation field hangs off: its realm and, for an identity, its key. */
export interface Reached {
  readonly realmUuid: string;
  readonly identityUuid?: string;
}

function grants(grant: InviteeGrant, scope: Scope, on: Reached): boolean {
  if (scope === 'realms:read') return on.realmUuid === grant.realmUuid;
  if (scope === 'groups:read') return on.identityUuid === grant.identityUuid;
  return false;
}

/**
 * Who is asking, and what they may do: built from the API token once per request (once per
 * operation over WebSocket). Resolvers check scopes at root and relation fields; loaders scope
 * their batches to `realmUuid`, so another realm's objects are simply not found.
 */
export class Caller {
  /**
   * @param invitees What the invitations this request accepted grant; null for a caller that is no
   * request's own (Caller.anonymous, the token cache's callers), which must never hold one.
   */
  private constructor(
    readonly token: CallerToken | null,
    private readonly invitees: InviteeGrant[] | null = null,
  ) {}

  static of(token: CallerToken): Caller {
    return new Caller(token);
  }

  /** The caller of one request: the same token, and grants of its own (the callers above are shared by requests). */
  forRequest(): Caller {
    return new Caller(this.token, []);
  }

  /**
   * An invitation this request accepted: the rest of its answer may show what the grant covers
   * (`needOn`, `seesRealm`), whether or not the caller has a token. Only the request that presented
   * the invitation's token holds it; nothing is kept after the response.
   */
  admitInvitee(grant: InviteeGrant): void {
    if (this.invitees === null) throw new Error('An invitee grant belongs to a request’s own caller (Caller.forRequest).');
    this.invitees.push(grant);
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
   * Whatever else a read comes to depend on belongs in it. (An invitee grant would, but only a
   * mutation gives one, and a subscription shares no execution with a mutation.)
   */
  get readKey(): string {
    const token = this.token;
    if (!token) return 'anonymous';
    return JSON.stringify([token.realmUuid, scopes.filter((scope) => satisfies(token.scopes, scope))]);
  }

  /**
   * Whether a read may show this realm's own row (the realm loader): one the caller reaches, or the
   * realm of an invitation this request accepted. Nothing else widens: writes check `reaches`.
   */
  seesRealm(realmUuid: string): boolean {
    return this.reaches(realmUuid) || (this.invitees ?? []).some((grant) => grant.realmUuid === realmUuid);
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

  /**
   * `need(scope)` for a relation of an object the graph led to (`on`): the token's scope counts in
   * the realms the token reaches; an invitee grant adds what it covers. The accept's payload is the
   * one path to an object of a realm the token may not reach, so the check is by realm, lest a
   * realm-B token read realm A's members through it. Refused with a token or a grant: FORBIDDEN
   * (the field is null, the rest of the answer stands); with neither: UNAUTHENTICATED.
   */
  needOn(scope: Scope, on: Reached): void {
    const tokenReaches = this.token !== null && this.reaches(on.realmUuid);
    if (tokenReaches && this.can(scope)) return;
    const invitees = this.invitees ?? [];
    if (invitees.some((grant) => grants(grant, scope, on))) return;
    if (tokenReaches || (this.token === null && invitees.length === 0)) return this.need(scope);
    const message =
      invitees.length > 0
        ? `An invitation’s token shows the identity it activated, its realm and its groups; this needs an API token with the scope ${scope}.`
        : 'This belongs to a realm the API token does not reach.';
    throw new AppError(ErrorCode.FORBIDDEN, message, undefined, { scope });
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
