/**
 * W12 (issue #16): scale-out, and the cost of the shared rate limit.
 *
 * 1. The curve: W1s (the small read) and W2 (the membership writes) against 1, 2 and 3 instances of
 *    realmgraph on the one PostgreSQL, the load spread over them (one autocannon per instance, the
 *    8 connections dealt round-robin; no load balancer). Instance 1 is the run's product peer; the
 *    others are started by the same function (bench/lib/peers.mjs), each on a port of its own, and
 *    stopped at the end. W2's invariants are checked after each instance count: the writes of
 *    several instances still give one event per committed change.
 * 2. The shared rate limit (src/shared-limits/): W1s on one instance with RATE_LIMIT_PER_MINUTE=0
 *    (off, as every other workload runs), with a budget far above the load (the largest the
 *    configuration takes: leases of 5 % of it, so a statement every 10 s at most), and near the limit
 *    (offered 50 % above the budget, the shared bucket emptied first: leases shrink to a few
 *    requests, refusals are answered 429). Throughput closed-loop (off and far only: a closed loop
 *    past the limit measures how fast 429s go), CPU per request at one fixed rate for all three, and
 *    SQL statements per request counted by the statement proxy in runs of their own (the proxy adds
 *    a hop), less what an idle instance sends in as long.
 *
 * Everything shares the machine's cores: the instances, PostgreSQL and the load generator (this
 * process). The figures say how many cores each kept busy.
 */
import os from 'node:os';
import { median, measure, postJson } from '../lib/load.mjs';
import { productServer } from '../lib/peers.mjs';
import * as q from '../lib/queries.mjs';
import { statementProxy } from '../lib/statement-proxy.mjs';
import { smallReadIdentities, smallReadProductRequests } from './reads.mjs';
import { invariants, lastSeq, operations, writeRequests, writeTargets } from './writes.mjs';

const instanceCounts = [1, 2, 3];
/** As W1s and W2 (8 each), dealt over the instances. */
const connections = 8;
/** The largest RATE_LIMIT_PER_MINUTE src/config.ts accepts: ≈ 16 700 req/s, far above what one instance serves here. */
const farBudgetPerMinute = 1_000_000;
/** Near the limit: the load offered is this much above the budget (a margin: on a loaded machine the rate achieved falls short of the rate asked). */
const overBudget = 1.5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const f0 = (value) => (value === null || value === undefined ? '–' : value.toFixed(0));
const f2 = (value) => (value === null || value === undefined ? '–' : value.toFixed(2));

export async function scaleOut(ctx) {
  const ids = await smallReadIdentities(ctx.admin);
  const targets = await writeTargets(ctx);
  const { duration, repeats } = ctx.profile;
  // A fresh instance serves W1s a third slower for its first ten seconds or so (the JIT): each
  // instance is warmed on its own, with both workloads, before it counts.
  const warm = async (peer) => {
    await measure({ targets: [{ peer, requests: smallReadProductRequests(ctx, ids) }], connections, duration: 0, repeats: 0, warmup: 8 });
    const next = operations(targets.groupUuids, targets.identityUuids, 99);
    await measure({ targets: [{ peer, requests: writeRequests(ctx.token, next, { added: 0, removed: 0, failed: 0 }) }], connections, duration: 0, repeats: 0, warmup: 4 });
  };
  const instances = [ctx.peers.product];
  await warm(ctx.peers.product);
  const started = [];
  const curve = [];
  try {
    for (const n of instanceCounts) {
      while (instances.length < n) {
        const instance = await productServer(ctx.root, { databaseUrl: ctx.databaseUrl, adminToken: ctx.token });
        started.push(instance);
        instances.push(instance);
        await warm(instance);
      }
      ctx.log(`  W12 W1s on ${n} instance${n > 1 ? 's' : ''}`);
      const reads = await measure({ ...ctx.loadBase, targets: instances.map((peer) => ({ peer, requests: smallReadProductRequests(ctx, ids) })), connections, duration, repeats });
      ctx.log(`    ${f0(reads.rps)} req/s, p50 ${reads.p50} ms, p99 ${reads.p99} ms; CPU-ms/req server ${f2(reads.serverCpuMsPerRequest)}, PostgreSQL ${f2(reads.pgCpuMsPerRequest)}, load ${f2(reads.loadCpuMsPerRequest)}; per instance ${reads.perServer.join(' / ')}`);

      ctx.log(`  W12 W2 on ${n} instance${n > 1 ? 's' : ''}`);
      // The warm-up's writes count too: the events after `fromSeq` include theirs.
      const fromSeq = await lastSeq(ctx);
      const reported = { added: 0, removed: 0, failed: 0 };
      const next = operations(targets.groupUuids, targets.identityUuids, 100 + n);
      const writes = await measure({ ...ctx.loadBase, targets: instances.map((peer) => ({ peer, requests: writeRequests(ctx.token, next, reported) })), connections, duration, repeats });
      const writesCheck = await invariants(ctx, targets.groupUuids, reported, fromSeq);
      ctx.log(`    ${f0(writes.rps)} writes/s, p50 ${writes.p50} ms, p99 ${writes.p99} ms; CPU-ms/write server ${f2(writes.serverCpuMsPerRequest)}, PostgreSQL ${f2(writes.pgCpuMsPerRequest)}; invariants ${writesCheck.ok ? 'hold' : `VIOLATED ${JSON.stringify(writesCheck.violations)}`}`);
      curve.push({ instances: n, reads, writes, writesCheck });
    }
  } finally {
    for (const instance of started) await instance.stop();
  }
  const rateLimit = await rateLimitCost(ctx, ids);
  return { cores: os.cpus().length, connections, curve, rateLimit };
}

/** Several one-run summaries of measure() as one: medians of the figures, sums of the counts. */
function combine(summaries) {
  const out = {};
  for (const key of Object.keys(summaries[0])) {
    if (typeof summaries[0][key] === 'number' || summaries[0][key] === null) out[key] = median(summaries.map((s) => s[key]));
  }
  out.errors = summaries.reduce((sum, s) => sum + s.errors, 0);
  out.requests = summaries.reduce((sum, s) => sum + s.requests, 0);
  out.repeats = summaries.length;
  out.runs = summaries.flatMap((s) => s.runs);
  out.statuses = {};
  for (const s of summaries) for (const [code, n] of Object.entries(s.statuses ?? {})) out.statuses[code] = (out.statuses[code] ?? 0) + n;
  return out;
}

/** Empties the shared bucket of the request budget `perMinute` (every key's): the callers are at their limit from now on. */
async function drain(ctx, perMinute) {
  await ctx.admin.query(`UPDATE rate_limit_buckets SET tokens = 0, updated_at = clock_timestamp() WHERE scope = $1`, [`requests:${perMinute}`]);
}

/** One W1s request, so that the caller's bucket exists (and the instance holds its first lease). */
async function touch(ctx, peer, ids) {
  const { status } = await postJson(peer.url('/graphql'), { query: q.w1sProduct, variables: { id: q.globalId('Identity', ids[0]) } }, { authorization: `Bearer ${ctx.token}` });
  if (status !== 200) throw new Error(`W1s answered HTTP ${status}`);
}

async function rateLimitCost(ctx, ids) {
  const { duration, repeats } = ctx.profile;
  const limitEnv = (perMinute) => ({ RATE_LIMIT_PER_MINUTE: String(perMinute) });
  // Both fresh instances, started alike and warmed alike (not the run's product peer, warmer by the workloads before).
  const off = await productServer(ctx.root, { databaseUrl: ctx.databaseUrl, adminToken: ctx.token, env: limitEnv(0) });
  let far;
  let near;
  try {
    far = await productServer(ctx.root, { databaseUrl: ctx.databaseUrl, adminToken: ctx.token, env: limitEnv(farBudgetPerMinute) });
    for (const peer of [off, far]) await measure({ targets: [{ peer, requests: smallReadProductRequests(ctx, ids) }], connections, duration: 0, repeats: 0, warmup: 10 });
    // Closed loop, off and far run by run in turn, in the order off far far off…: the drift of a
    // shared machine, and whatever comes of going first, fall on both alike.
    ctx.log('  W12 shared rate limit: W1s closed loop, off and far from the limit');
    const closedRuns = { off: [], far: [] };
    for (let r = 0; r < 2 * Math.ceil(repeats / 2); r++) {
      for (const [name, peer] of r % 2 === 0 ? [['off', off], ['far', far]] : [['far', far], ['off', off]]) {
        closedRuns[name].push(await measure({ ...ctx.loadBase, targets: [{ peer, requests: smallReadProductRequests(ctx, ids) }], connections, duration, repeats: 1, warmup: 2 }));
      }
    }
    const closed = { off: combine(closedRuns.off), far: combine(closedRuns.far) };
    for (const [name, c] of Object.entries(closed)) ctx.log(`    ${name}: ${f0(c.rps)} req/s, p50 ${c.p50} ms; CPU-ms/req server ${f2(c.serverCpuMsPerRequest)}, PostgreSQL ${f2(c.pgCpuMsPerRequest)}`);

    // A fixed rate every setting serves: half of the closed loop's rate.
    const rate = Math.max(10, Math.floor(Math.min(closed.off.rps, closed.far.rps) / 2));
    const nearPerSecond = Math.max(1, Math.floor(rate / overBudget));
    const nearBudgetPerMinute = nearPerSecond * 60;
    near = await productServer(ctx.root, { databaseUrl: ctx.databaseUrl, adminToken: ctx.token, env: limitEnv(nearBudgetPerMinute) });
    await touch(ctx, near, ids);
    ctx.log(`  W12 shared rate limit: W1s at ${rate} req/s; near: a budget of ${nearBudgetPerMinute.toLocaleString('en')} a minute (${nearPerSecond} req/s)`);
    const fixedRuns = { off: [], far: [], near: [] };
    for (let r = 0; r < repeats; r++) {
      for (const [name, peer] of [['off', off], ['far', far], ['near', near]]) {
        // Near: the bucket emptied, then a warm-up long enough to spend the lease the instance may
        // still hold (a twentieth of the budget: 3 s of it), so that the run is at the limit throughout.
        if (name === 'near') await drain(ctx, nearBudgetPerMinute);
        fixedRuns[name].push(await measure({ ...ctx.loadBase, targets: [{ peer, requests: smallReadProductRequests(ctx, ids) }], connections, duration, repeats: 1, overallRate: rate, warmup: 4 }));
      }
    }
    const fixed = Object.fromEntries(Object.entries(fixedRuns).map(([name, runs]) => [name, combine(runs)]));
    for (const [name, c] of Object.entries(fixed)) {
      ctx.log(`    ${name}: ${f0(c.okRps)} answered 2xx/s of ${f0(c.rps)}, statuses ${JSON.stringify(c.statuses)}, p50 ${c.p50} ms; CPU-ms/req server ${f2(c.serverCpuMsPerRequest)} (${f2(c.serverCpuMsPerOkRequest)} per 2xx), PostgreSQL ${f2(c.pgCpuMsPerRequest)}`);
    }
    await near.stop();
    near = undefined;
    await off.stop();
    await far.stop();
    far = undefined;

    const statements = await countStatements(ctx, ids, rate, { off: limitEnv(0), far: limitEnv(farBudgetPerMinute), near: limitEnv(nearBudgetPerMinute) }, nearBudgetPerMinute);
    return { farBudgetPerMinute, nearBudgetPerMinute, rate, closed, fixed, statements };
  } finally {
    // Stopping twice is harmless (stop() resolves at once for a process gone).
    await off.stop();
    await far?.stop();
    await near?.stop();
  }
}

/**
 * SQL statements per W1s request for each setting, on an instance of its own whose every connection
 * (the application's pool, the limits' pool, the listener) goes through the statement proxy: a
 * warm-up, an idle window as long as the run (what the instance sends unasked: heartbeats), then the
 * run at `rate`; the idle count is taken off.
 */
async function countStatements(ctx, ids, rate, settings, nearBudgetPerMinute) {
  const { duration } = ctx.profile;
  const target = new URL(ctx.databaseUrl);
  const proxy = await statementProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(ctx.databaseUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const out = {};
  try {
    for (const [name, env] of Object.entries(settings)) {
      const server = await productServer(ctx.root, { databaseUrl: viaProxy.toString(), adminToken: ctx.token, env });
      try {
        const options = { targets: [{ peer: server, requests: smallReadProductRequests(ctx, ids) }], connections, repeats: 1, warmup: 0, overallRate: rate };
        if (name === 'near') await touch(ctx, server, ids);
        await measure({ ...options, duration });
        const idleFrom = proxy.count();
        await sleep(duration * 1000);
        const idle = proxy.count() - idleFrom;
        // The bucket refilled while idle: emptied again, and a warm-up spends what the instance
        // still holds (as in the timed runs), so that the counted run is at the limit throughout.
        if (name === 'near') await drain(ctx, nearBudgetPerMinute);
        await measure({ ...options, duration: 4 });
        const from = proxy.count();
        const load = await measure({ ...options, duration });
        const counted = proxy.count() - from;
        const ok = load.statuses['200'] ?? 0;
        out[name] = {
          requests: load.requests,
          answered2xx: ok,
          statements: counted,
          idleStatements: idle,
          perRequest: (counted - idle) / load.requests,
          per2xx: ok ? (counted - idle) / ok : null,
          statuses: load.statuses,
        };
        ctx.log(`    statements, ${name}: ${counted} for ${load.requests} requests (${ok} answered 2xx), ${idle} idle: ${f2(out[name].perRequest)} per request, ${f2(out[name].per2xx)} per 2xx`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await proxy.close();
  }
  return out;
}
