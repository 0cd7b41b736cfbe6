// Scratch: W2's API load against realmgraph under --cpu-prof (or not, with --no-prof), on the quick
// bench database; prints throughput, p50 and server/pg CPU per write. PROF_DIR, SECONDS, REPEATS.
import { randomBytes } from 'node:crypto';
import { appendFileSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { productServer } from '../lib/peers.mjs';
import { measure } from '../lib/load.mjs';
import { realmName } from '../lib/data.mjs';
import { operations, writeRequests, writeTargets } from '../workloads/writes.mjs';

const root = process.env.ROOT ?? path.resolve(import.meta.dirname, '../..');
const dbUrl = process.env.BENCH_DB ?? 'postgres://postgres@127.0.0.1:5432/realmgraph_bench_quick';
const prof = !process.argv.includes('--no-prof');
const dir = process.env.PROF_DIR ?? '/tmp/prof/w2';
if (prof) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}
const token = randomBytes(32).toString('base64url');
const admin = new pg.Client({ connectionString: dbUrl });
await admin.connect();
const { groupUuids, identityUuids } = await writeTargets({ admin, realmName });
const server = await productServer(root, { databaseUrl: dbUrl, adminToken: token, profileDir: prof ? dir : undefined });
const reported = { added: 0, removed: 0, failed: 0 };
const requests = writeRequests(token, operations(groupUuids, identityUuids, Number(process.env.SEED ?? 7)), reported);
const onResponse = requests[0].onResponse;
let shown = 0;
requests[0].onResponse = (status, body) => { const before = reported.failed; onResponse(status, body); if (reported.failed > before && shown++ < 3) appendFileSync('/tmp/w2-failures.log', `${status} ${String(body).slice(0, 400)}\n`); };
const load = await measure({ peer: server, url: server.url('/'), requests, connections: Number(process.env.CONNECTIONS ?? 8), duration: Number(process.env.SECONDS ?? 8), repeats: Number(process.env.REPEATS ?? 1), warmup: 1, admin, database: 'realmgraph_bench_quick' });
console.log(JSON.stringify({ requests: load.requests, errors: load.errors, rps: Math.round(load.rps), p50: load.p50, serverCpuMs: load.serverCpuMsPerRequest?.toFixed(3), pgCpuMs: load.pgCpuMsPerRequest?.toFixed(3), load1: load.load1, reported, runs: load.runs?.map((r) => Math.round(r.rps)) }));
await server.stop();
await admin.end();
