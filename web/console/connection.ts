import { useEffect, useState } from 'preact/hooks';

/**
 * The state of the console's live connection (the WebSocket every subscription shares), for the
 * status in the header, and a generation number the views key their data on: when a lost
 * connection comes back, the generation moves on and every view reads its data again, from the
 * server, with fresh cursors — whatever happened while it was away is then shown.
 */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface ConnectionSnapshot {
  readonly state: ConnectionState;
  /** Why, when the state is not `live` and there is something to say. */
  readonly detail?: string;
  readonly generation: number;
  /** A request has waited longer than `slowAfterMs` for its answer. */
  readonly slow?: boolean;
}

/** How long an answer may take before the header says the server is slow to answer. */
const slowAfterMs = 2000;

export class ConnectionStore {
  private snapshot: ConnectionSnapshot = { state: 'idle', generation: 0 };
  private readonly listeners = new Set<() => void>();
  private lost = false;
  /** Requests on their way to the server, by operation key, with when each left. */
  private readonly pending = new Map<number, number>();
  private slowCheck: ReturnType<typeof setTimeout> | undefined;

  get = (): ConnectionSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  connecting(): void {
    this.set({ ...this.snapshot, state: this.lost ? 'reconnecting' : 'connecting' });
  }

  connected(): void {
    const generation = this.lost ? this.snapshot.generation + 1 : this.snapshot.generation;
    this.lost = false;
    this.set({ ...this.snapshot, state: 'live', detail: undefined, generation });
  }

  closed(detail: string | undefined, final: boolean): void {
    this.lost = true;
    this.set({ ...this.snapshot, state: final ? 'offline' : 'reconnecting', detail });
  }

  /** A query or mutation left for the server. */
  sent(key: number): void {
    this.pending.set(key, Date.now());
    this.watchSlow();
  }

  /** Its answer came (or it was dropped). */
  answered(key: number): void {
    if (!this.pending.delete(key)) return;
    this.watchSlow();
  }

  private watchSlow(): void {
    clearTimeout(this.slowCheck);
    const oldest = Math.min(...this.pending.values());
    const slow = this.pending.size > 0 && Date.now() - oldest >= slowAfterMs;
    if (slow !== Boolean(this.snapshot.slow)) this.set({ ...this.snapshot, slow });
    if (this.pending.size > 0 && !slow) this.slowCheck = setTimeout(() => this.watchSlow(), oldest + slowAfterMs - Date.now());
  }

  /** Read everything again (a cursor the server no longer keeps). */
  reload(): void {
    this.set({ ...this.snapshot, generation: this.snapshot.generation + 1 });
  }

  private set(next: ConnectionSnapshot): void {
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }
}

/** The store's snapshot, re-rendering on each change. */
export function useConnection(store: ConnectionStore): ConnectionSnapshot {
  const [snapshot, setSnapshot] = useState(store.get);
  useEffect(() => {
    setSnapshot(store.get());
    return store.subscribe(() => setSnapshot(store.get()));
  }, [store]);
  return snapshot;
}
