import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FlakyNetwork {
  /** The address to give the browser instead of the server's. */
  readonly url: string;
  /** Drops every open connection (TCP reset, as a network failure would) and refuses new ones. */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay between the browser and the server on loopback: the test cuts the network under a
 * live page without touching the server, while the test itself still reaches the server directly.
 */
export async function flakyNetwork(targetPort: number): Promise<FlakyNetwork> {
  const open = new Set<net.Socket>();
  let down = false;
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const relay = net.createServer((client) => {
    if (down) return void client.resetAndDestroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    cut: () => {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore: () => {
      down = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}
