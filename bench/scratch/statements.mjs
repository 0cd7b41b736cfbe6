// Scratch: the statements one W1s (or, with --w1, W1) request sends (a logging proxy in front of PostgreSQL).
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { productServer } from '../lib/peers.mjs';
import { smallReadIdentities } from '../workloads/reads.mjs';
import * as q from '../lib/queries.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const db = process.env.BENCH_DB_NAME ?? 'realmgraph_bench_quick';
let log = [];
const proxy = net.createServer((client) => {
  const up = net.connect(5432, '127.0.0.1');
  let buf = Buffer.alloc(0); let started = false;
  client.on('data', (chunk) => {
    up.write(chunk); buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (!started) { if (buf.length < 8) break; const len = buf.readInt32BE(0); if (buf.length < len) break; const code = buf.readInt32BE(4); buf = buf.subarray(len); if (code !== 80877103) started = true; continue; }
      if (buf.length < 5) break; const type = String.fromCharCode(buf[0]); const len = buf.readInt32BE(1); if (buf.length < 1 + len) break;
      const body = buf.subarray(5, 1 + len);
      if (type === 'Q') log.push('Q ' + body.toString('utf8', 0, body.length - 1).slice(0, 160));
      if (type === 'P') { const nameEnd = body.indexOf(0); log.push('P ' + body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1)).replace(/\s+/g, ' ').slice(0, 160)); }
      if (type === 'E') log.push('E');
      if (type === 'S') log.push('S(sync)');
      buf = buf.subarray(1 + len);
    }
  });
  up.on('data', (c) => client.write(c)); client.on('error', () => {}); up.on('error', () => {}); client.on('close', () => up.destroy()); up.on('close', () => client.destroy());
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const url = `postgres://postgres@127.0.0.1:${proxy.address().port}/${db}`;
const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
await admin.connect();
const ids = await smallReadIdentities(admin);
const token = randomBytes(32).toString('base64url');
const server = await productServer(root, { databaseUrl: url, adminToken: token });
const w1 = process.argv.includes('--w1');
const ask = async (id) => (await fetch(server.url('/graphql'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(w1 ? { query: q.w1Product, variables: { name: 'bench' } } : { query: q.w1sProduct, variables: { id: q.globalId('Identity', id) } }) })).json();
await ask(ids[0]); await ask(ids[1]);
await new Promise((r) => setTimeout(r, 300));
log = [];
const answer = await ask(ids[2]);
if (process.argv.includes('--answer')) console.log(JSON.stringify(answer).slice(0, 400));
await new Promise((r) => setTimeout(r, 100));
console.log(log.join('\n'));
await server.stop(); await admin.end(); proxy.close();
