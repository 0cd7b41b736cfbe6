import './workers';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { createClient, type Client } from 'graphql-ws';
import { StrictMode, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import './page.css';
import { authorization, graphqlWsUrl, storedToken, storeToken, tokenFromAddress } from '../shared/token';

/** The README's ```graphql blocks, read at build time (scripts/readme-examples.ts); the first is a simple query. */
declare const README_EXAMPLES: Array<{ query: string; variables?: string }>;

/**
 * The page's one fetcher: queries and mutations over HTTP with `Authorization: Bearer <token>`,
 * subscriptions over graphql-ws with the token in connection_init. GraphiQL introspects again
 * whenever its fetcher changes, and the schema is the same whatever the token (introspection is
 * anonymous), so a new token changes what the fetcher sends, never the fetcher: the schema is
 * fetched once a visit. A new token closes the previous token's socket.
 */
class Connection {
  private current: { ws: Client; fetcher: Fetcher } | undefined;

  constructor(private token: string) {}

  use(token: string): void {
    if (token === this.token) return;
    this.token = token;
    this.current?.ws.dispose();
    this.current = undefined;
  }

  readonly fetcher: Fetcher = (params, options) => {
    if (!this.current) {
      const token = this.token;
      const ws = createClient({ url: graphqlWsUrl(), lazy: true, connectionParams: () => (token ? { authorization: authorization(token) } : {}) });
      const headers: Record<string, string> = token ? { authorization: authorization(token)! } : {};
      this.current = { ws, fetcher: createGraphiQLFetcher({ url: '/graphql', headers, wsClient: ws, enableIncrementalDelivery: false }) };
    }
    return this.current.fetcher(params, options);
  };
}

/** GraphiQL's own history, and the explorer (a query built by ticking fields); made once, as GraphiQL compares them by identity. */
const plugins = [HISTORY_PLUGIN, explorerPlugin()];

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
  const [connection] = useState(() => new Connection(token));
  return (
    <div className="rg-page">
      <TokenBar
        token={token}
        onChange={(next) => {
          storeToken(next);
          connection.use(next);
          setToken(next);
        }}
      />
      <div className="rg-graphiql">
        <GraphiQL
          fetcher={connection.fetcher}
          plugins={plugins}
          defaultTabs={README_EXAMPLES}
          defaultEditorToolsVisibility="variables"
          shouldPersistHeaders={false}
        />
      </div>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
