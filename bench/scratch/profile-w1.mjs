// Scratch: W1 (nested read) against realmgraph, closed loop of 2 clients as the bench runs it, on the quick bench database.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { productServer } from '../lib/peers.mjs';
import { graphqlRequest, measure } from '../lib/load.mjs';
import * as q from '../lib/queries.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const dbUrl = process.env.BENCH_DB ?? 'postgres://postgres:postgres@127.0.0.1:5432/realmgraph_bench_quick';
const database = new URL(dbUrl).pathname.slice(1);
const token = randomBytes(32).toString('base64url');
const admin = new pg.Client({ connectionString: dbUrl });
await admin.connect();
const server = await productServer(root, { databaseUrl: dbUrl, adminToken: token });
const request = graphqlRequest('/graphql', q.w1Product, { name: 'bench' }, { authorization: `Bearer ${token}` });
const load = await measure({ peer: server, url: server.url('/'), request, connections: 2, duration: Number(process.env.SECONDS ?? 8), repeats: Number(process.env.REPEATS ?? 1), ownLoop: true, admin, database });
console.log(JSON.stringify({ rps: load.rps, p50: load.p50, cpu: load.serverCpuMsPerRequest, runs: load.runs, errors: load.errors, requests: load.requests }));
await server.stop();
await admin.end();
