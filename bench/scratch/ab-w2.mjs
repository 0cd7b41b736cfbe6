// Scratch: W2's API load on two builds of realmgraph at once (ROOT_A, ROOT_B), alternating short runs
// so that both meet the same contention on a shared machine; prints each run and the medians.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { productServer } from '../lib/peers.mjs';
import { runOnce, median } from '../lib/load.mjs';
import { realmName } from '../lib/data.mjs';
import { operations, writeRequests, writeTargets } from '../workloads/writes.mjs';

const database = 'realmgraph_bench_quick';
const dbUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
const roots = { A: process.env.ROOT_A, B: process.env.ROOT_B ?? path.resolve(import.meta.dirname, '../..') };
const rounds = Number(process.env.ROUNDS ?? 6);
const seconds = Number(process.env.SECONDS ?? 3);
const token = randomBytes(32).toString('base64url');
const admin = new pg.Client({ connectionString: dbUrl });
await admin.connect();
const { groupUuids, identityUuids } = await writeTargets({ admin, realmName });
const servers = {};
for (const [name, root] of Object.entries(roots)) servers[name] = await productServer(root, { databaseUrl: dbUrl, adminToken: token });
const results = { A: [], B: [] };
// utime and stime (ms) of a process: a system call's cost shows in stime.
const times = (pid) => { const stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return [Number(f[11]) * 10, Number(f[12]) * 10]; };
let seed = 3;
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 ? ['B', 'A'] : ['A', 'B']) {
    const reported = { added: 0, removed: 0, failed: 0 };
    const requests = writeRequests(token, operations(groupUuids, identityUuids, seed++), reported);
    const server = servers[name];
    const t0 = times(server.pid);
    const run = await runOnce({ peer: server, url: server.url('/'), requests, connections: 8, duration: seconds, admin, database });
    const t1 = times(server.pid);
    run.userMs = (t1[0] - t0[0]) / run.requests;
    run.sysMs = (t1[1] - t0[1]) / run.requests;
    results[name].push(run);
    console.log(name, Math.round(run.rps), 'writes/s', run.serverCpuMsPerRequest.toFixed(3), 'server CPU-ms', run.pgCpuMsPerRequest.toFixed(3), 'pg CPU-ms', 'user', run.userMs.toFixed(3), 'sys', run.sysMs.toFixed(3), 'load', run.load1.toFixed(2), 'errors', run.errors);
  }
}
for (const name of ['A', 'B']) {
  const runs = results[name];
  console.log(`${name} (${roots[name]}): median ${Math.round(median(runs.map((r) => r.rps)))} writes/s, server ${median(runs.map((r) => r.serverCpuMsPerRequest)).toFixed(3)} CPU-ms/write (user ${median(runs.map((r) => r.userMs)).toFixed(3)}, sys ${median(runs.map((r) => r.sysMs)).toFixed(3)}), pg ${median(runs.map((r) => r.pgCpuMsPerRequest)).toFixed(3)} CPU-ms/write`);
}
for (const server of Object.values(servers)) await server.stop();
await admin.end();
