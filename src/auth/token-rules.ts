import { AppError, ErrorCode, invalidInput, type InputPath } from '../common/errors';
import * as validate from '../common/validate';
import type { ApiTokenRow } from './api-token.repository';
import { isScope, scopes, type Scope } from './scopes';

/*
 * What makes a token valid, whoever makes it: the API (createApiToken, src/auth/api-token.service.ts)
 * and the operator's command (`npm run token`, src/auth/cli.ts) apply these same rules, and the
 * command says their messages with its options' names. What only the API adds — a token never
 * with more than its creator — is the service's.
 */

/** 1 to 100 characters, text PostgreSQL can store. */
export function tokenName(raw: string, path: InputPath): string {
  validate.refuseUnstorable(raw, path, 'The name');
  const name = raw.trim();
  const length = validate.characters(name);
  if (length < 1 || length > 100) throw invalidInput(path, `The name must be 1 to 100 characters (it has ${length}).`);
  return name;
}

/** At least one scope, each one of `scopes`; repeats and blanks are dropped. */
export function tokenScopes(requested: readonly string[], path: InputPath): Scope[] {
  const wanted = [...new Set(requested.map((scope) => scope.trim()).filter((scope) => scope !== ''))];
  if (wanted.length === 0) throw invalidInput(path, `Give at least one scope: ${scopes.join(', ')}.`);
  const unknown = wanted.findIndex((scope) => !isScope(scope));
  if (unknown >= 0) {
    const index = requested.findIndex((scope) => scope.trim() === wanted[unknown]);
    throw invalidInput([...path, index], `Not a scope: ${wanted[unknown]}. The scopes are: ${scopes.join(', ')}.`);
  }
  return wanted as Scope[];
}

/**
 * A token with the scope `scim` is an identity provider's, and SCIM's URLs name no realm: it must
 * be bound to one (docs/decisions.md 102), which is said when it is made rather than at its first use.
 */
export function refuseUnboundScim(scopes: readonly Scope[], realmUuid: string | null, path: InputPath): void {
  if (scopes.includes('scim') && realmUuid === null) {
    throw invalidInput(path, 'A token with the scope scim provisions one realm over SCIM: bind it to that realm.');
  }
}

/** An expiry, if given, in the future. */
export function tokenExpiry(expiresAt: Date | null | undefined, path: InputPath, now: Date = new Date()): Date | null {
  if (expiresAt == null) return null;
  if (expiresAt.getTime() <= now.getTime()) throw invalidInput(path, 'The expiry must be in the future.');
  return expiresAt;
}

/** The ADMIN_TOKEN's row is the environment's: neither the API nor the command revokes it. */
export function refuseEnvironmentToken(token: ApiTokenRow, path: InputPath): void {
  if (token.fromEnvironment) {
    throw new AppError(ErrorCode.FORBIDDEN, 'This token comes from the ADMIN_TOKEN environment variable: change or unset it there, then restart.', path);
  }
}
