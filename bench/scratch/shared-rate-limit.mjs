/**
 * The cost of one rate-limit decision, per candidate, on a real PostgreSQL (issue #16):
 *
 *   npx ts-node-transpile-only bench/scratch/shared-rate-limit.cts [path/to/rate-limiter-flexible]
 *
 * - local: this instance's own token bucket (src/common/token-bucket.ts), the per-instance limit.
 * - table, every request: our bucket (src/shared-limits), one lease of one request per decision:
 *   the cost of the statement itself, and what a caller near its limit pays.
 * - table, far from the limit: SharedRateLimiter with its leases (600 a minute: 30 a lease).
 * - table, logged: the same statement on a logged copy of the table (what UNLOGGED saves).
 * - rate-limiter-flexible: RateLimiterPostgres.consume, one statement per decision (no fast path).
 *   Not a dependency of the project: pass the path of an install of it (npm i rate-limiter-flexible).
 *
 * Each runs `decisions` decisions one after another (latency: p50, p99) over 200 keys, then the
 * same with 32 at once (throughput). Starts an embedded PostgreSQL of its own, on loopback.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

// The compiled server (npm run build), as bench/ uses it.
const require = createRequire(import.meta.url);
require('reflect-metadata');
const { Client, Pool } = require('pg');
const { RateLimiter } = require('../../dist/src/common/token-bucket.js');
const { createDataSource } = require('../../dist/src/db/data-source.js');
const { startEmbeddedPostgres } = require('../../dist/src/db/embedded.js');
const { createLogger } = require('../../dist/src/logger.js');
const { SharedRateLimiter } = require('../../dist/src/shared-limits/rate-budget.js');
const { leaseTokens } = require('../../dist/src/shared-limits/shared-limits.repository.js');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const decisions = Number(process.env.DECISIONS ?? 5000);
const keys = 200;
const concurrency = 32;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(candidate) {
  for (let i = 0; i < 200; i++) await candidate.decide(`warm:${i % keys}`);
  const before = candidate.statements();
  const times = [];
  for (let i = 0; i < decisions; i++) {
    const started = process.hrtime.bigint();
    await candidate.decide(`key:${i % keys}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const statements = (candidate.statements() - before) / decisions;
  times.sort((x, y) => x - y);
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < decisions) await candidate.decide(`burst:${next++ % keys}`);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { candidate: candidate.name, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), statementsPerDecision: statements, decisionsPerSecond: Math.round(decisions / seconds) };
}

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'realmgraph-bench-rate-'));
  const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger: createLogger('warn'), persistent: false });
  const admin = new Client({ connectionString: embedded.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE bench_rate');
  await admin.end();
  const url = new URL(embedded.adminUrl);
  url.pathname = '/bench_rate';
  const dataSource = createDataSource(url.toString());
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  const pool = new Pool({ connectionString: url.toString(), max: 4 });
  // The same bucket in a logged table: what UNLOGGED saves (a WAL record and its flush per lease).
  await pool.query('CREATE TABLE rate_limit_buckets_logged (LIKE rate_limit_buckets INCLUDING ALL)');
  let sent = 0;
  const db = { query: async (sql, parameters) => (sent++, (await pool.query(sql, parameters)).rows) };
  const logger = createLogger('warn');
  const results = [];
  try {
    const local = new RateLimiter(1_000_000);
    results.push(await measure({ name: 'local token bucket (per instance)', decide: async (key) => local.take(key), statements: () => 0 }));

    results.push(
      await measure({
        name: 'table, a statement every decision (near the limit)',
        decide: (key) => leaseTokens(db, 'requests:600', `each ${key}`, 600, 1, 0),
        statements: () => sent,
      }),
    );

    const logged = { query: (sql, parameters) => db.query(sql.replaceAll('rate_limit_buckets', 'rate_limit_buckets_logged'), parameters) };
    results.push(
      await measure({
        name: 'same, in a logged table',
        decide: (key) => leaseTokens(logged, 'requests:600', `each ${key}`, 600, 1, 0),
        statements: () => sent,
      }),
    );

    const shared = new SharedRateLimiter({ scope: 'requests:600', perMinute: 600, store: (...args) => leaseTokens(db, ...args), logger });
    results.push(await measure({ name: 'table with leases, far from the limit (600/min)', decide: (key) => shared.take(`far ${key}`), statements: () => shared.statements }));

    const flexiblePath = process.argv[2];
    if (flexiblePath) {
      const { RateLimiterPostgres } = require(path.resolve(flexiblePath));
      let flexibleSent = 0;
      const counted = new Pool({ connectionString: url.toString(), max: 4 });
      const query = counted.query.bind(counted);
      counted.query = (...args) => (flexibleSent++, query(...args));
      const limiter = await new Promise((resolve, reject) => {
        const created = new RateLimiterPostgres(
          { storeClient: counted, storeType: 'pool', tableName: 'rlflx_bench', points: 1_000_000, duration: 60, clearExpiredByTimeout: false },
          (error) => (error ? reject(error) : resolve(created)),
        );
      });
      results.push(await measure({ name: 'rate-limiter-flexible RateLimiterPostgres', decide: (key) => limiter.consume(key), statements: () => flexibleSent }));
      await counted.end();
    }
  } finally {
    await pool.end();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.table(results.map((r) => ({ ...r, p50Ms: r.p50Ms.toFixed(3), p99Ms: r.p99Ms.toFixed(3), statementsPerDecision: r.statementsPerDecision.toFixed(3) })));
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
