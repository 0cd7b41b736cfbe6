import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * How much a connection may hold unsent before a send waits for the socket again: a client that
 * reads slowly holds up its own stream at this much, never the server's memory.
 */
const maxBuffered = 1 << 20;

/**
 * Lets the messages a connection sends in one turn of the event loop leave in one socket write.
 *
 * graphql-ws sends a subscription's results one at a time, each after the previous one's write
 * has completed (its `send` resolves in ws' write callback): a burst of 1 000 events was 1 000
 * writes, each a system call and a TCP segment, and their cost was most of what W6 had left
 * (bench/ANALYSIS.md). Here a send is complete, for graphql-ws, as soon as ws has taken it while
 * the connection holds less than `maxBuffered`; the socket is corked on the turn's first send and
 * uncorked when the turn ends, so what the turn sent goes in one write. Past `maxBuffered` a send
 * completes when its write does, as before. A write that fails closes the connection (ws), which
 * ends its operations.
 */
export function coalesceSends(socket: WebSocket, transport: Socket): void {
  const send = socket.send.bind(socket) as (data: unknown, options: object, callback?: (error?: Error) => void) => void;
  let corked = false;
  type Callback = (error?: Error) => void;
  const patched = (data: unknown, optionsOrCallback?: object | Callback, maybeCallback?: Callback): void => {
    const options = typeof optionsOrCallback === 'function' ? {} : (optionsOrCallback ?? {});
    const callback = typeof optionsOrCallback === 'function' ? (optionsOrCallback as Callback) : maybeCallback;
    if (!corked && !transport.destroyed) {
      corked = true;
      transport.cork();
      setImmediate(() => {
        corked = false;
        transport.uncork();
      });
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
