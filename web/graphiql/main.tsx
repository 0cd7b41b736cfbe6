import './workers';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient, type Client } from 'graphql-ws';
import { StrictMode, useEffect, useMemo, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './page.css';
import { authorization, graphqlWsUrl, storedToken, storeToken, tokenFromAddress } from '../shared/token';

/** The README's ```graphql blocks, read at build time (scripts/readme-examples.ts). */
declare const README_EXAMPLES: Array<{ query: string; variables?: string }>;

/**
 * One fetcher per token: queries and mutations over HTTP with `Authorization: Bearer <token>`,
 * subscriptions over graphql-ws with the token in connection_init. A new token makes a new fetcher,
 * which makes GraphiQL load the schema again; the previous socket is closed.
 */
function useFetcher(token: string) {
  const wsClient = useMemo<Client>(
    () =>
      createClient({
        url: graphqlWsUrl(),
        lazy: true,
        connectionParams: () => (token ? { authorization: authorization(token) } : {}),
      }),
    [token],
  );
  useEffect(() => () => void wsClient.dispose(), [wsClient]);
  return useMemo(
    () =>
      createGraphiQLFetcher({
        url: '/graphql',
        headers: token ? { authorization: authorization(token)! } : {},
        wsClient,
        enableIncrementalDelivery: false,
      }),
    [token, wsClient],
  );
}

function TokenBar({ token, onChange }: { token: string; onChange(token: string): void }) {
  const [draft, setDraft] = useState(token);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(draft.trim());
  };
  return (
    <form className="rg-bar" onSubmit={submit} aria-label="API token">
      <strong className="rg-title">realmgraph</strong>
      <label htmlFor="rg-token">API token</label>
      <input
        id="rg-token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder="rg_… (sent as Authorization: Bearer …)"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
      />
      <button type="submit">Use token</button>
      <span className={token ? 'rg-state rg-ok' : 'rg-state rg-missing'} role="status">
        {token ? 'Token set: sent with every request and subscription.' : 'No token: only the schema loads. Paste one to run operations.'}
      </span>
      <a className="rg-link" href="/dashboard">Dashboard</a>
    </form>
  );
}

function App() {
  const [token, setToken] = useState(() => {
    const fromAddress = tokenFromAddress();
    if (fromAddress !== undefined) storeToken(fromAddress);
    return fromAddress ?? storedToken();
  });
  const fetcher = useFetcher(token);
  return (
    <div className="rg-page">
      <TokenBar
        token={token}
        onChange={(next) => {
          storeToken(next);
          setToken(next);
        }}
      />
      <div className="rg-graphiql">
        <GraphiQL fetcher={fetcher} defaultTabs={README_EXAMPLES} defaultEditorToolsVisibility="variables" shouldPersistHeaders={false} />
      </div>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
