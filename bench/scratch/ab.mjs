// Scratch: W1s and W1 on two builds of the product, alternately (A B A B …), on one database: with a
// loaded machine, only a comparison run side by side says anything. Usage: node scratch/ab.mjs ROOT_A ROOT_B [rounds]
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { productServer } from '../lib/peers.mjs';
import { graphqlRequest, measure } from '../lib/load.mjs';
import * as q from '../lib/queries.mjs';
import { smallReadIdentities, smallReadProductRequests } from '../workloads/reads.mjs';

const [rootA, rootB, rounds = '3'] = process.argv.slice(2);
const dbUrl = process.env.BENCH_DB ?? 'postgres://postgres:postgres@127.0.0.1:5432/realmgraph_bench_quick';
const database = new URL(dbUrl).pathname.slice(1);
const seconds = Number(process.env.SECONDS ?? 6);
const only = (process.env.ONLY ?? 'w1s,w1').split(',');
const admin = new pg.Client({ connectionString: dbUrl });
await admin.connect();
const ids = await smallReadIdentities(admin);
const results = { A: { w1s: [], w1: [] }, B: { w1s: [], w1: [] } };
for (let round = 0; round < Number(rounds); round++) {
  for (const [name, root] of round % 2 === 0 ? [['A', rootA], ['B', rootB]] : [['B', rootB], ['A', rootA]]) {
    const token = randomBytes(32).toString('base64url');
    const server = await productServer(root, { databaseUrl: dbUrl, adminToken: token });
    if (only.includes('w1s')) {
      const load = await measure({ peer: server, url: server.url('/'), requests: smallReadProductRequests({ token }, ids), connections: 8, duration: seconds, repeats: 1, admin, database });
      results[name].w1s.push({ rps: Math.round(load.rps), cpu: Number(load.serverCpuMsPerRequest.toFixed(3)) });
    }
    if (only.includes('w1')) {
      const request = graphqlRequest('/graphql', q.w1Product, { name: 'bench' }, { authorization: `Bearer ${token}` });
      const load = await measure({ peer: server, url: server.url('/'), request, connections: 2, duration: seconds, repeats: 1, ownLoop: true, admin, database });
      results[name].w1.push({ rps: Number(load.rps.toFixed(2)), cpu: Number(load.serverCpuMsPerRequest.toFixed(1)), errors: load.errors });
    }
    await server.stop();
    console.error(round, name, JSON.stringify(results[name]));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const name of ['A', 'B']) {
  for (const w of only) console.log(name, w, 'rps', median(results[name][w].map((r) => r.rps)), 'cpu-ms', median(results[name][w].map((r) => r.cpu)), JSON.stringify(results[name][w]));
}
await admin.end();
