import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * How much a connection may hold unsent before a send waits for the socket again: a client that
 * reads slowly holds up its own stream at this much, never the server's memory.
 */
const maxBuffered = 1 << 20;

/**
 * The turn of the event loop the server is in, and the sockets corked during it: one setImmediate
 * per turn for all connections, whatever their number (one event to 5 000 subscribers is 5 000
 * sends in a turn).
 */
const turns = {
  current: 0,
  corked: new Set<Socket>(),
  ending: false,
  /** This turn's number; the sockets corked in it are uncorked when it ends. */
  now(): number {
    if (!this.ending) {
      this.ending = true;
      setImmediate(() => {
        this.ending = false;
        this.current += 1;
        const corked = [...this.corked];
        this.corked.clear();
        for (const socket of corked) socket.uncork();
      });
    }
    return this.current;
  },
};

/**
 * Lets the messages a connection sends in one turn of the event loop leave in one socket write.
 *
 * graphql-ws sends a subscription's results one at a time, each after the previous one's write
 * has completed (its `send` resolves in ws' write callback): a burst of 1 000 events was 1 000
 * writes, each a system call and a TCP segment, and their cost was most of what W6 had left
 * (bench/ANALYSIS.md). Here a send is complete, for graphql-ws, as soon as ws has taken it while
 * the connection holds less than `maxBuffered`; the first message of a turn leaves at once (one
 * event to many subscribers is as fast as before), and from a connection's second message in the
 * same turn the socket is corked until the turn ends, so the rest go in one write. Past
 * `maxBuffered` a send completes when its write does, as before. A write that fails closes the
 * connection (ws), which ends its operations.
 */
export function coalesceSends(socket: WebSocket, transport: Socket): void {
  const send = socket.send.bind(socket) as (data: unknown, options: object, callback?: (error?: Error) => void) => void;
  let lastTurn = -1;
  type Callback = (error?: Error) => void;
  const patched = (data: unknown, optionsOrCallback?: object | Callback, maybeCallback?: Callback): void => {
    const options = typeof optionsOrCallback === 'function' ? {} : (optionsOrCallback ?? {});
    const callback = typeof optionsOrCallback === 'function' ? (optionsOrCallback as Callback) : maybeCallback;
    const turn = turns.now();
    if (turn !== lastTurn) lastTurn = turn;
    else if (!turns.corked.has(transport) && !transport.destroyed) {
      transport.cork();
      turns.corked.add(transport);
    }
    if (!callback || socket.bufferedAmount >= maxBuffered) {
      send(data, options, callback);
      return;
    }
    send(data, options);
    queueMicrotask(() => callback());
  };
  socket.send = patched as WebSocket['send'];
}
