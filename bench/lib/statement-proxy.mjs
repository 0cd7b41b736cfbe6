/**
 * A loopback TCP proxy in front of PostgreSQL that counts the statements clients send: simple
 * queries ('Q') and extended-protocol executions ('E'). Used only to count SQL statements per
 * request (not in timed runs: it adds a hop).
 */
import net from 'node:net';

/** `onStatement(text)`, when given, is told each statement's text (a simple query's, a Parse's). */
export function statementProxy(targetHost, targetPort, { onStatement } = {}) {
  let count = 0;
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    let buffer = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) break;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) break;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          // An SSLRequest (80877103) or GSSENCRequest (80877104) comes before the real startup.
          if (code !== 80877103 && code !== 80877104) started = true;
          continue;
        }
        if (buffer.length < 5) break;
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) break;
        const type = String.fromCharCode(buffer[0]);
        if (type === 'Q' || type === 'E') count += 1;
        if (onStatement && type === 'Q') onStatement(buffer.toString('utf8', 5, length));
        if (onStatement && type === 'P') {
          const nameEnd = buffer.indexOf(0, 5);
          onStatement(buffer.toString('utf8', nameEnd + 1, buffer.indexOf(0, nameEnd + 1)));
        }
        buffer = buffer.subarray(1 + length);
      }
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        count: () => count,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
