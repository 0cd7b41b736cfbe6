/**
 * The raw baseline: plain node:http, a pg pool, and ONE hand-written statement per answer that
 * builds the JSON in PostgreSQL (servers/raw-sql.mjs). It does what the limit of "the same answer
 * over HTTP" costs: parse a small request, run one query, copy the text out. No auth, no GraphQL.
 */
import http from 'node:http';
import pg from 'pg';
import { memberPageSql, nestedReadSql, smallReadSql } from './raw-sql.mjs';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function answer(req) {
  const url = new URL(req.url, 'http://localhost');
  const input = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : Object.fromEntries(url.searchParams);
  switch (url.pathname) {
    case '/w1':
      return (await pool.query(nestedReadSql, [input.name])).rows[0].body;
    case '/w1s':
      return (await pool.query(smallReadSql, [input.id])).rows[0].body;
    case '/w4': {
      const params = [input.group, input.afterAt ?? null, input.afterId ?? null, input.count === '1' || input.count === true, input.active === '1' || input.active === true];
      return (await pool.query(memberPageSql, params)).rows[0].body;
    }
    default:
      return undefined;
  }
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  answer(req).then(
    (body) => {
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    },
    (error) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
