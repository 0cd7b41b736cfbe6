// Scratch: W1s against realmgraph under --cpu-prof (or not, with --no-prof), on the quick bench database.
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { productServer } from '../lib/peers.mjs';
import { measure } from '../lib/load.mjs';
import { summarizeProfile } from '../lib/profile.mjs';
import { smallReadIdentities, smallReadProductRequests } from '../workloads/reads.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const dbUrl = process.env.BENCH_DB ?? 'postgres://postgres:postgres@127.0.0.1:5432/realmgraph_bench_quick';
const database = new URL(dbUrl).pathname.slice(1);
const prof = !process.argv.includes('--no-prof');
const dir = '/tmp/prof/w1s';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const token = randomBytes(32).toString('base64url');
const admin = new pg.Client({ connectionString: dbUrl });
await admin.connect();
const ids = await smallReadIdentities(admin);
const server = await productServer(root, { databaseUrl: dbUrl, adminToken: token, profileDir: prof ? dir : undefined });
const ctx = { token };
const load = await measure({ peer: server, url: server.url('/'), requests: smallReadProductRequests(ctx, ids), connections: 8, duration: Number(process.env.SECONDS ?? 8), repeats: Number(process.env.REPEATS ?? 1), admin, database });
console.log(JSON.stringify({ rps: load.rps, p50: load.p50, cpu: load.serverCpuMsPerRequest, runs: load.runs }));
await server.stop();
await admin.end();
if (prof) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  console.log(JSON.stringify(summarizeProfile(path.join(dir, file), 3000), null, 1));
}
