/**
 * The benchmark suite (issue #5): realmgraph, PostGraphile v4 (and v5, on Node 22, in W1/W1s when it
 * can be started) and a raw-SQL baseline over the same
 * PostgreSQL database and data, in one run; writes bench/RESULTS.md, bench/results/<mode>.json and
 * the charts. Started by index.mjs (which installs, builds and bounds the run); see README "Benchmarks".
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { databaseUrl, prepareDatabase, realmName } from './lib/data.mjs';
import { postJson } from './lib/load.mjs';
import { broadcastServer, postgraphile5Server, postgraphileServer, productServer, rawServer, stopAll } from './lib/peers.mjs';
import { loadAverage, machine } from './lib/proc.mjs';
import { summarizeProfile } from './lib/profile.mjs';
import { drawCharts, targets, writeReport } from './lib/report.mjs';
import { statementProxy } from './lib/statement-proxy.mjs';
import * as q from './lib/queries.mjs';
import { abuse } from './workloads/abuse.mjs';
import { batchFanout, largeGroupDelete } from './workloads/batches.mjs';
import { fanout } from './workloads/fanout.mjs';
import { bigGroupPages, nestedRead, smallRead } from './workloads/reads.mjs';
import { nestingWorkload } from './workloads/nesting.mjs';
import { pagesWorkload } from './workloads/pages.mjs';
import { webhooksWorkload } from './workloads/webhooks.mjs';
import { scaleOut } from './workloads/scale.mjs';
import { scimWorkload } from './workloads/scim.mjs';
import { search } from './workloads/search.mjs';
import { writes } from './workloads/writes.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');

const profiles = {
  quick: { identities: 100_000, duration: 8, shortDuration: 3, repeats: 3, abuseRequests: 20, fanout: [100, 1000], fanoutRounds: 5, bigGroup: 100_000, scimUsers: 2_000, pageLoads: 5, deadlineMinutes: 25 },
  full: { identities: 1_000_000, duration: 20, shortDuration: 10, repeats: 3, abuseRequests: 100, fanout: [100, 1000, 5000], fanoutRounds: 10, bigGroup: 200_000, scimUsers: 10_000, pageLoads: 11, deadlineMinutes: 100 },
};
const allWorkloads = ['w1', 'w1s', 'w4', 'w8', 'w5', 'profile', 'w2', 'w3', 'w6', 'w7', 'w9', 'w10', 'w11', 'w12', 'w13'];

const { values: options } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    regenerate: { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

const usage = `Usage: npm run bench [-- --quick] [-- --only w1,w1s,w4,w8,w5,profile,w2,w3,w6,w7,w9,w10,w11,w12,w13] [-- --regenerate] [-- --database-url postgres://…/postgres]

  --quick           the whole suite on a tenth of the data, shorter runs (about 20 minutes on 2 cores)
  --only LIST       only these workloads (comma-separated)
  --regenerate      rebuild the bench database even if it holds the right data
  --database-url    a PostgreSQL server where the user may CREATE DATABASE
                    (default: BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --no-build        do not rebuild the product first
  --report          measure nothing: write RESULTS.md again from results/<mode>.json (after editing ANALYSIS.md)
`;
if (options.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const mode = options.quick ? 'quick' : 'full';
const profile = profiles[mode];
const selected = options.only ? options.only.split(',').map((s) => s.trim().toLowerCase()) : allWorkloads;
for (const name of selected) if (!allWorkloads.includes(name)) throw new Error(`Unknown workload "${name}"; one of ${allWorkloads.join(', ')}.`);
const adminUrl = options['database-url'] ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const host = new URL(adminUrl).hostname;
if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error(`The bench stays on loopback: ${host} is not.`);

const startedAt = Date.now();
const log = (message) => process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);
const resultsDir = path.join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });

const results = {
  mode,
  profile,
  startedAt: new Date(startedAt).toISOString(),
  machine: machine(),
  loadBefore: loadAverage(),
  versions: {},
  workloads: {},
  errors: {},
  // Peers that could not be had in this run, and why (the report says so).
  skipped: {},
  /** When each workload's figures were measured: this run, or (with --only) an earlier one. */
  measuredAt: {},
};

/**
 * `--only` reruns some workloads; the others keep their figures from the last run of this mode
 * (results/<mode>.json), each with the date of the run that measured it, so that RESULTS.md stays
 * whole. A run without --only measures everything afresh.
 */
function carryOverUnselected() {
  if (!options.only) return;
  let previous;
  try {
    previous = JSON.parse(readFileSync(path.join(resultsDir, `${mode}.json`), 'utf8'));
  } catch {
    return;
  }
  if (previous.mode !== mode) return;
  for (const [name, figures] of Object.entries(previous.workloads ?? {})) {
    if (selected.includes(name)) continue;
    results.workloads[name] = figures;
    results.measuredAt[name] = previous.measuredAt?.[name] ?? previous.startedAt;
    if (previous.errors?.[name]) results.errors[name] = previous.errors[name];
  }
  if (!selected.includes('w1') && previous.statements) results.statements = previous.statements;
  // The Node 22 that ran PostGraphile v5, when its workloads are carried over.
  if (!selected.includes('w1') && !selected.includes('w1s')) carriedNode22 = previous.versions?.node22;
}
let carriedNode22;
carryOverUnselected();

async function finish(incomplete) {
  results.finishedAt = new Date().toISOString();
  results.loadAfter = loadAverage();
  if (incomplete) results.incomplete = incomplete;
  results.charts = await drawCharts(results, resultsDir).catch((error) => {
    log(`charts failed: ${error.message}`);
    return {};
  });
  writeFileSync(path.join(resultsDir, `${mode}.json`), JSON.stringify(results, null, 2));
  const analysisFile = path.join(benchDir, 'ANALYSIS.md');
  try {
    results.analysis = readFileSync(analysisFile, 'utf8');
  } catch {
    // No hand-written analysis: the tables only.
  }
  writeFileSync(path.join(benchDir, 'RESULTS.md'), await writeReport(results, { benchDir }));
  log(`Wrote bench/RESULTS.md and bench/results/${mode}.json`);
  for (const t of targets(results)) log(`  ${t.workload} ${t.target}: ${t.measured}${t.ok === undefined ? '' : t.ok ? ' met' : ' MISSED'}`);
}

// The whole run is bounded: past the deadline the servers are killed and what was measured is written.
const deadline = setTimeout(async () => {
  log(`Deadline of ${profile.deadlineMinutes} minutes reached: stopping.`);
  stopAll();
  await finish(`stopped at the ${profile.deadlineMinutes}-minute deadline`).catch(() => {});
  process.exit(2);
}, profile.deadlineMinutes * 60_000);
deadline.unref();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

function versionOf(dir, name) {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

async function main() {
  const product = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  results.versions = {
    product: `${product.version} (${['@apollo/server', 'graphql', 'type-graphql', 'typeorm', 'graphql-ws', 'pg'].map((n) => `${n} ${versionOf(root, n)}`).join(', ')})`,
    postgraphile: versionOf(benchDir, 'postgraphile'),
    postgraphile5: versionOf(path.join(benchDir, 'peers/postgraphile5'), 'postgraphile'),
    autocannon: versionOf(benchDir, 'autocannon'),
    pg: versionOf(benchDir, 'pg'),
  };
  if (carriedNode22) results.versions.node22 = carriedNode22;
  const database = `realmgraph_bench_${mode}`;
  const dbUrl = databaseUrl(adminUrl, database);
  log(`Mode ${mode}: database ${database} on ${host}; workloads ${selected.join(', ')}.`);
  results.data = await prepareDatabase({ adminUrl, database, root, identities: profile.identities, regenerate: options.regenerate, log });

  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  results.versions.postgres = (await admin.query('SELECT version()')).rows[0].version.replace(/ on .*/, '');
  const token = randomBytes(32).toString('base64url');
  const benchProfileDir = path.join(resultsDir, 'profiles');

  log('Starting realmgraph, PostGraphile and the raw baseline...');
  const peers = {
    product: await productServer(root, { databaseUrl: dbUrl, adminToken: token }),
    postgraphile: await postgraphileServer(benchDir, { databaseUrl: dbUrl }),
    raw: await rawServer(benchDir, { databaseUrl: dbUrl }),
  };
  // PostGraphile v5 only where it serves (W1, W1s); without it the run goes on and the report says why.
  if (selected.includes('w1') || selected.includes('w1s')) {
    try {
      peers.postgraphile5 = await postgraphile5Server(benchDir, { databaseUrl: dbUrl });
      results.versions.node22 = peers.postgraphile5.nodeVersion;
    } catch (error) {
      results.skipped.postgraphile5 = error.message.split('\n')[0];
      log(`PostGraphile v5 left out: ${error.message}`);
    }
  }
  const ctx = { root, benchDir, profile, admin, database, databaseUrl: dbUrl, realmName, token, peers, log, loadBase: { admin, database } };

  const run = async (name, fn) => {
    if (!selected.includes(name)) return;
    log(`${name.toUpperCase()}`);
    results.measuredAt[name] = results.startedAt;
    try {
      results.workloads[name] = await fn();
    } catch (error) {
      results.errors[name] = error instanceof Error ? error.message.split('\n')[0] : String(error);
      log(`${name} failed: ${error.stack ?? error}`);
    }
  };

  await run('w1', async () => {
    const result = await nestedRead(ctx);
    results.statements = await countStatements(ctx, dbUrl, token).catch((error) => {
      log(`statement count failed: ${error.message}`);
      return undefined;
    });
    return result;
  });
  await run('w1s', () => smallRead(ctx));
  await peers.postgraphile5?.stop();
  delete peers.postgraphile5;
  await run('w4', () => bigGroupPages(ctx));
  await run('w8', () => search(ctx));
  await run('w5', () => abuse(ctx));
  await run('profile', () => profileNestedRead(ctx, dbUrl, token, benchProfileDir));
  await peers.postgraphile.stop();
  await peers.raw.stop();
  // The pages in headless Chromium, on an instance of its own (with introspection, for /graphiql); before the writes change the realm.
  await run('w13', () => pagesWorkload(ctx));
  await run('w2', () => writes(ctx));
  await run('w3', async () => {
    const broadcast = await broadcastServer(benchDir);
    try {
      return await fanout(ctx, broadcast);
    } finally {
      await broadcast.stop();
    }
  });
  await run('w6', () => batchFanout(ctx));
  await run('w7', () => largeGroupDelete(ctx));
  // Last: it writes 10 000 users (quick: 2 000) and twice as many memberships, into a realm of its own deleted at its end.
  await run('w9', () => scimWorkload(ctx));
  // Builds a tree of 111 groups over 90 % of the realm (memberships by SQL) and removes it at its end.
  await run('w10', () => nestingWorkload(ctx));
  // Ten endpoints on a receiver in this process, 10 000 membership events.
  await run('w11', () => webhooksWorkload(ctx));
  // Starts two more instances of the product (and, for the rate limit's cost, instances with it on); stops them at its end.
  await run('w12', () => scaleOut(ctx));
  await peers.product.stop();
  await admin.end();
  await finish();
}

/** SQL statements per W1 request, counted by a proxy, for a narrow and a wide answer. */
async function countStatements(ctx, dbUrl, token) {
  const target = new URL(dbUrl);
  const proxy = await statementProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(dbUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const narrow = q.w1Product.replace('first: 50', 'first: 5').replace('first: 100', 'first: 10');
  const servers = [];
  try {
    const product = await productServer(root, { databaseUrl: viaProxy.toString(), adminToken: token });
    servers.push(product);
    const pgl = await postgraphileServer(benchDir, { databaseUrl: viaProxy.toString() });
    servers.push(pgl);
    const measureOne = async (url, body, headers) => {
      const counts = [];
      for (let i = 0; i < 3; i++) {
        const before = proxy.count();
        const { status } = await postJson(url, body, headers);
        if (status !== 200) throw new Error(`HTTP ${status}`);
        counts.push(proxy.count() - before);
      }
      // The least of three: a background statement (the event relay's poll) can fall into one.
      return Math.min(...counts);
    };
    const headers = { authorization: `Bearer ${token}` };
    const result = {
      narrow: await measureOne(product.url('/graphql'), { query: narrow, variables: { name: realmName } }, headers),
      wide: await measureOne(product.url('/graphql'), { query: q.w1Product, variables: { name: realmName } }, headers),
      postgraphileWide: await measureOne(pgl.url('/graphql'), { query: q.w1PostGraphile, variables: { name: realmName } }, {}),
    };
    if (ctx.peers.postgraphile5) {
      try {
        const pgl5 = await postgraphile5Server(benchDir, { databaseUrl: viaProxy.toString() });
        servers.push(pgl5);
        result.postgraphile5Wide = await measureOne(pgl5.url('/graphql'), { query: q.w1PostGraphile5, variables: { name: realmName } }, {});
      } catch (error) {
        ctx.log(`  statement count of PostGraphile v5 failed: ${error.message.split('\n')[0]}`);
      }
    }
    ctx.log(`  SQL statements per request: realmgraph ${result.narrow} (narrow) / ${result.wide} (wide); PostGraphile ${result.postgraphileWide}; PostGraphile v5 ${result.postgraphile5Wide ?? '–'}`);
    return result;
  } finally {
    for (const server of servers) await server.stop();
    await proxy.close();
  }
}

/** The product under `node --cpu-prof` for one W1 closed-loop run; the profile summarized. */
async function profileNestedRead(ctx, dbUrl, token, dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { measure, graphqlRequest } = await import('./lib/load.mjs');
  const server = await productServer(root, { databaseUrl: dbUrl, adminToken: token, profileDir: dir });
  let load;
  let skipMs;
  try {
    const request = graphqlRequest('/graphql', q.w1Product, { name: realmName }, { authorization: `Bearer ${token}` });
    await measure({ peer: server, url: server.url('/'), request, connections: 2, duration: 2, repeats: 0, warmup: 2, ownLoop: true });
    // Start-up and the warm-up are left out of the summary.
    skipMs = Date.now() - server.spawnedAt;
    load = await measure({ peer: server, url: server.url('/'), request, connections: 2, duration: ctx.profile.duration, repeats: 1, warmup: 0, ownLoop: true });
  } finally {
    await server.stop();
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error('the server wrote no .cpuprofile');
  const summary = summarizeProfile(path.join(dir, files[0]), skipMs);
  results.profileSummary = { ...summary, seconds: ctx.profile.duration, rps: load.rps, file: path.relative(benchDir, path.join(dir, files[0])) };
  ctx.log(`  profile: ${summary.buckets.slice(0, 5).map((b) => `${b.name} ${b.percent} %`).join(', ')}`);
  return { rpsUnderProfiler: load.rps };
}

if (options.report) {
  // The last run's figures, with the current ANALYSIS.md; the charts are drawn again.
  const saved = JSON.parse(readFileSync(path.join(resultsDir, `${mode}.json`), 'utf8'));
  Object.assign(results, saved, { analysis: undefined });
  clearTimeout(deadline);
  const analysisFile = path.join(benchDir, 'ANALYSIS.md');
  try {
    results.analysis = readFileSync(analysisFile, 'utf8');
  } catch {
    // none
  }
  results.charts = await drawCharts(results, resultsDir);
  writeFileSync(path.join(benchDir, 'RESULTS.md'), await writeReport(results, { benchDir }));
  log('Wrote bench/RESULTS.md from the saved results.');
  process.exit(0);
}

main().then(
  () => process.exit(0),
  async (error) => {
    log(`The run failed: ${error.stack ?? error}`);
    stopAll();
    results.errors.run = error.message;
    await finish(`failed: ${error.message}`).catch(() => {});
    process.exit(1);
  },
);
