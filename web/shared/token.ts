/**
 * The API token both pages use, kept in this browser's localStorage (one key for both pages, so a
 * token typed into GraphiQL also serves the dashboard). It never leaves the browser except in the
 * Authorization header and in graphql-ws' connection_init, both to this origin.
 */
const key = 'realmgraph:token';

export function storedToken(): string {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return ''; // storage disabled: the token lives as long as the page
  }
}

export function storeToken(token: string): void {
  try {
    if (token) localStorage.setItem(key, token);
    else localStorage.removeItem(key);
  } catch {
    // storage disabled
  }
}

/**
 * `?token=` in the address wins over the stored one and is then removed from the address bar, so
 * that it does not stay in the history or get copied along with the link.
 */
export function tokenFromAddress(): string | undefined {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return undefined;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url);
  return token.trim();
}

export function authorization(token: string): string | undefined {
  return token ? `Bearer ${token}` : undefined;
}

/** ws:// or wss:// for this page's own origin and the API's path. */
export function graphqlWsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}
