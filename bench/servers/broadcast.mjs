/**
 * The fan-out baseline: a plain `ws` server that sends one prepared payload to every connected
 * client when POST /broadcast arrives. The same bytes the product delivers, no GraphQL, no database.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200).end('ok');
    return;
  }
  if (req.method === 'POST' && req.url === '/broadcast') {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const payload = Buffer.concat(chunks).toString('utf8');
      let sent = 0;
      for (const client of wss.clients) {
        if (client.readyState === 1) {
          client.send(payload);
          sent += 1;
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sent }));
    });
    return;
  }
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: '/ws' });
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
const stop = () => {
  for (const client of wss.clients) client.terminate();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
