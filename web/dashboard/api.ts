import { authorization } from '../shared/token';

/** A GraphQL error (with its code) or an HTTP failure, as the page tells the reader. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }

  /** The token is missing, unknown, revoked, expired, or lacks a scope. */
  get isAuth(): boolean {
    return this.code === 'UNAUTHENTICATED' || this.code === 'FORBIDDEN' || this.status === 401 || this.status === 403;
  }
}

/** One operation over HTTP, to this origin's /graphql, with the token as a Bearer header. */
export async function request<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const auth = authorization(token);
  if (auth) headers.authorization = auth;
  const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  let body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} ${response.statusText}.`, undefined, response.status);
  }
  const [error] = body.errors ?? [];
  if (error) throw new ApiError(error.message, error.extensions?.code, response.status);
  return body.data as T;
}

export interface RealmOption {
  id: string;
  name: string;
  displayName: string;
}

export const realmsQuery = `query DashboardRealms { realms(first: 100) { edges { node { id name displayName } } } }`;

/** The cursor is read with the realm, before its groups (docs/decisions.md 22): subscribing after it misses nothing. */
export const realmQuery = `query DashboardRealm($id: ID!) {
  realm(id: $id) {
    id name displayName lastEventCursor
    groups(first: 100) { totalCount edges { node { id name memberCount } } }
  }
}`;

export interface RealmData {
  realm: {
    id: string;
    name: string;
    displayName: string;
    lastEventCursor: string;
    groups: { totalCount: number; edges: Array<{ node: { id: string; name: string; memberCount: number } }> };
  } | null;
}
