/**
 * graphql-ws subscribers spoken to over plain `ws` (the protocol by hand, so that the client's own
 * cost stays small and every delivery is timestamped as it arrives), and the waits on what they got.
 */
import WebSocket from 'ws';

/**
 * One connection with one subscription; resolves once the subscription is sent. `received` holds
 * every `next` and `error` message with its arrival time and the id of `field`'s event.
 */
export function graphqlWsClient(url, token, { query, variables, field }) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const client = { socket, received: [] };
    const timer = setTimeout(() => reject(new Error('graphql-ws connection timed out')), 30_000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => {
      const at = performance.now();
      const message = JSON.parse(data.toString());
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        clearTimeout(timer);
        resolve(client);
      } else if (message.type === 'next') {
        const event = message.payload?.data?.[field];
        client.received.push({ at, id: event?.id ?? null, type: event?.type ?? null, raw: data.toString(), errors: message.payload?.errors });
      } else if (message.type === 'error') {
        client.received.push({ at, id: null, type: null, errors: message.payload });
      }
    });
    // After the subscription is sent this rejects nothing: a settled promise stays as it is.
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      reject(new Error(`closed ${code} before the subscription was sent${reason?.length ? `: ${reason}` : ''}`));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Opens `n` clients, `batch` at a time; `open(i)` resolves with a client once it is ready. */
export async function openAll(n, open, batch = 100) {
  const clients = [];
  for (let i = 0; i < n; i += batch) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, k) => open(i + k)))));
  }
  return clients;
}

/** Waits until every client has `count` messages, or the timeout. */
export function allReceived(clients, count, timeoutMs) {
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      if (clients.every((c) => c.received.length >= count) || Date.now() > deadline) resolve();
      else setTimeout(poll, 5);
    };
    poll();
  });
}

export function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null;
}
