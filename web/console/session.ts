import { createContext } from 'preact';
import { useSubscription } from '@urql/preact';
import type { DocumentNode } from 'graphql';
import { useContext, useEffect, useRef } from 'preact/hooks';

export interface RealmRef {
  id: string;
  name: string;
  displayName: string;
}

/** What every view needs: the realm it works in, what the token may do, and the data's generation. */
export interface Session {
  realm: RealmRef;
  /** Whether the token holds (or includes) the scope: what it may not do, the console does not offer. */
  can(scope: string): boolean;
  /** Moves on when a lost connection comes back: views key their data on it and read it again. */
  generation: number;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('A view is rendered outside the console’s session.');
  return session;
}

/**
 * Reads a query again from the server when a lost connection comes back: what changed meanwhile
 * (and what a failed request missed) is then shown.
 */
export function useFreshOnReconnect(reexecute: (options: { requestPolicy: 'network-only' }) => void): void {
  const { generation } = useSession();
  const seen = useRef(generation);
  useEffect(() => {
    if (generation === seen.current) return;
    seen.current = generation;
    reexecute({ requestPolicy: 'network-only' });
  }, [generation]);
}

/**
 * Reads an object's page again when an event of `types` about it commits (`after` the cursor read
 * with the page): a group deleted or renamed elsewhere, an identity suspended or deleted, shows at once.
 */
export function useWatched(options: {
  subscription: DocumentNode;
  about: (event: { identityId: string | null; groupId: string | null }) => boolean;
  types: readonly string[];
  after: string | null | undefined;
  reread(options: { requestPolicy: 'network-only' }): void;
}): void {
  const { realm } = useSession();
  useSubscription<{ realmEvents: { identityId: string | null; groupId: string | null } }>(
    { query: options.subscription, variables: { realmId: realm.id, types: options.types, after: options.after }, pause: !options.after },
    (_previous, data) => {
      if (options.about(data.realmEvents)) options.reread({ requestPolicy: 'network-only' });
      return data;
    },
  );
}
