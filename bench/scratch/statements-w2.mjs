// Scratch: the statements one W2 add and one W2 remove send (a logging proxy in front of PostgreSQL).
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { productServer } from '../lib/peers.mjs';
import { realmName } from '../lib/data.mjs';
import { writeTargets, writeRequests } from '../workloads/writes.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const db = 'realmgraph_bench_quick';
let log = [];
const proxy = net.createServer((client) => {
  const up = net.connect(5432, '127.0.0.1');
  let buf = Buffer.alloc(0); let started = false; let chunks = 0;
  client.on('data', (chunk) => {
    up.write(chunk); buf = Buffer.concat([buf, chunk]); chunks += 1; log.push(`  [write #${chunks}, ${chunk.length} B]`);
    for (;;) {
      if (!started) { if (buf.length < 8) break; const len = buf.readInt32BE(0); if (buf.length < len) break; const code = buf.readInt32BE(4); buf = buf.subarray(len); if (code !== 80877103) started = true; continue; }
      if (buf.length < 5) break; const type = String.fromCharCode(buf[0]); const len = buf.readInt32BE(1); if (buf.length < 1 + len) break;
      const body = buf.subarray(5, 1 + len);
      if (type === 'Q') log.push('Q ' + body.toString('utf8', 0, body.length - 1).replace(/\s+/g, ' ').slice(0, 400));
      if (type === 'P') { const nameEnd = body.indexOf(0); log.push('P ' + body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1)).replace(/\s+/g, ' ').slice(0, 400)); }
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
const { groupUuids, identityUuids } = await writeTargets({ admin, realmName });
const token = randomBytes(32).toString('base64url');
const server = await productServer(root, { databaseUrl: url, adminToken: token });
const reported = { added: 0, removed: 0, failed: 0 };
// The request the workload sends, for one operation.
const send = async (op) => {
  const [r] = writeRequests(token, () => op, reported);
  const req = r.setupRequest({ ...r });
  const res = await fetch(server.url('/graphql'), { method: 'POST', headers: req.headers, body: req.body });
  const text = await res.text();
  r.onResponse(res.status, text);
  return text;
};
const group = groupUuids[0];
const identity = identityUuids[identityUuids.length - 1];
// Warm: token cache, prepared plans, pool.
await send({ kind: 'add', group, identity }); await send({ kind: 'remove', group, identity });
await send({ kind: 'add', group, identity }); await send({ kind: 'remove', group, identity });
await new Promise((r) => setTimeout(r, 300));
for (const kind of ['add', 'remove', 'add', 'remove']) {
  if (kind === 'add' && process.argv.includes('--repeat')) { await send({ kind, group, identity }); }
  log = [];
  const answer = await send({ kind, group, identity });
  await new Promise((r) => setTimeout(r, 100));
  console.log(`--- ${kind}: ${answer.slice(0, 200)}`);
  console.log(log.join('\n'));
}
// The repeat cases: an add of a member and a removal of a non-member.
await send({ kind: 'add', group, identity });
log = []; console.log(`--- add (already a member): ${(await send({ kind: 'add', group, identity })).slice(0, 200)}`); await new Promise((r) => setTimeout(r, 100)); console.log(log.join('\n'));
await send({ kind: 'remove', group, identity });
log = []; console.log(`--- remove (not a member): ${(await send({ kind: 'remove', group, identity })).slice(0, 200)}`); await new Promise((r) => setTimeout(r, 100)); console.log(log.join('\n'));
await server.stop(); await admin.end(); proxy.close();
