/**
 * Issue #15 asked "leases in PostgreSQL, or a well-kept PostgreSQL job queue — measure and decide";
 * decision 108 chose leases without measuring the queues. This measures graphile-worker and pg-boss
 * on W11's shape (bench/workloads/webhooks.mjs): 10 endpoints × 10 000 events, written in ten
 * transactions of 1 000, every event POSTed once to every endpoint, in the log's order, by 10 slots.
 *
 * Each transaction inserts its 1 000 rows into `events` and enqueues, in the same transaction, one
 * job per event per endpoint (10 000 job rows): the outbox done the job queue's way. The job carries
 * the event, so a delivery reads nothing but its job. Per-endpoint order is the library's:
 * graphile-worker runs one job at a time per named queue (`queue_name` = the endpoint); pg-boss
 * (v12) has the `key_strict_fifo` policy, FIFO per `singletonKey` (= the endpoint).
 *
 * Measured per run: the ten write transactions with the enqueueing and without it (workers idle,
 * rolled back, so neither leaves rows), the same writes committed while the workers deliver (W11's
 * situation), the time until every endpoint has every event, deliveries/s, latency p50/p99 from each
 * batch's commit, repeats, out-of-order arrivals, the library's tables' size after the writes and
 * after the drain. Then small order checks: each endpoint answers 500 once to one event; and pg-boss
 * with its own (random) job ids.
 *
 * Everything happens in a scratch database it creates and drops. Before each run it waits (up to
 * 15 minutes) until no jest and no other bench runs, and records the 1-minute load average.
 *
 *   npm install && node_modules/node/bin/node index.mjs [--runs 2] [--deadline-s 900] [--quiet-wait-s 900] [--only graphile-worker,pg-boss,pg-boss-random-ids]
 *
 * Prints one line per run and writes every figure to results/latest.json.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger, run as runGraphileWorker } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const serverUrl = option('database-url', process.env.QUEUE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const databaseName = 'realmgraph_queue_bench';
const databaseUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();
const runs = Number(option('runs', '2'));
// How long a run waits for every endpoint to have every event; past it, what arrived is counted.
const deadlineSeconds = Number(option('deadline-s', '900'));
// How long a run waits for a quiet machine before it goes anyway (and says so in its figures).
const quietWaitSeconds = Number(option('quiet-wait-s', '900'));
const only = option('only', 'graphile-worker,pg-boss,pg-boss-random-ids').split(',');

const endpoints = 10;
const batches = 10;
// --batch-size only to try the script quickly; the figures are for 1 000.
const batchSize = Number(option('batch-size', '1000'));
const concurrency = 10;
const expected = batches * batchSize;

// A fixed Standard Webhooks key: `whsec_` and 32 bytes, base64.
const signingKey = Buffer.alloc(32, 7);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** pgrep's pids for a pattern, none when it finds nothing. */
function running(pattern) {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
}

/** Waits until no jest and no other bench is running (15 minutes at most); says how long and the load then. */
async function waitUntilQuiet(log) {
  const started = Date.now();
  // --no-wait: only to try the script; its figures are not to be kept.
  if (args.includes('--no-wait')) return { waitedMs: 0, quiet: false, skipped: true, loadAverage1m: os.loadavg()[0] };
  const busy = () => [...running('jest'), ...running('bench/index.mjs'), ...running('bench/run.mjs')];
  // The load average lags a minute behind: a test run that just ended still shows; wait for it too.
  const settled = () => os.loadavg()[0] < 1.5;
  let others = busy();
  if (others.length || !settled()) log(`  waiting for a quiet machine (pids ${others.join(', ') || 'none'}, load ${os.loadavg()[0].toFixed(2)})…`);
  while ((others.length || !settled()) && Date.now() - started < quietWaitSeconds * 1000) {
    await sleep(5000);
    others = busy();
  }
  return { waitedMs: Date.now() - started, quiet: others.length === 0 && settled(), busyPids: others, loadAverage1m: os.loadavg()[0] };
}

/** Samples, every 5 s while a run lasts, the load and whether jest or another bench came up meanwhile. */
function watchMachine() {
  const seen = { maxLoadAverage1m: os.loadavg()[0], othersSeen: false };
  const timer = setInterval(() => {
    seen.maxLoadAverage1m = Math.max(seen.maxLoadAverage1m, os.loadavg()[0]);
    if (running('jest').length || running('bench/index.mjs').length) seen.othersSeen = true;
  }, 5000).unref();
  return { stop: () => (clearInterval(timer), { ...seen, loadAverage1mAtEnd: os.loadavg()[0] }) };
}

/**
 * A receiver on loopback, as in W11: per path, each webhook-id with when it first arrived, the
 * arrival order, and how many requests came. `failOnce` holds `path webhook-id` pairs answered 500
 * the first time.
 */
function receiver(failOnce = new Set()) {
  const paths = new Map();
  const server = http.createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk) => (bytes += chunk.length));
    request.on('end', () => {
      const at = performance.now();
      let seen = paths.get(request.url);
      if (!seen) paths.set(request.url, (seen = { first: new Map(), order: [], requests: 0, failed: 0, bytes: 0 }));
      seen.requests += 1;
      seen.bytes += bytes;
      const id = request.headers['webhook-id'];
      const failKey = `${request.url} ${id}`;
      if (failOnce.has(failKey)) {
        failOnce.delete(failKey);
        seen.failed += 1;
        response.writeHead(500).end();
        return;
      }
      if (!seen.first.has(id)) {
        seen.first.set(id, at);
        seen.order.push(id);
      }
      response.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, paths, port: server.address().port })));
}

/** POSTs one event to one endpoint with Standard Webhooks headers; throws on anything but a 2xx (the job fails). */
function makeSender(port) {
  const agent = new http.Agent({ keepAlive: true });
  return (endpoint, event) =>
    new Promise((resolve, reject) => {
      const timestamp = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ type: event.type, timestamp: new Date().toISOString(), data: event.data });
      const signature = createHmac('sha256', signingKey).update(`${event.id}.${timestamp}.${body}`).digest('base64');
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: `/e${endpoint}`,
          method: 'POST',
          agent,
          timeout: 10_000,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'webhook-id': event.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': `v1,${signature}`,
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => (response.statusCode >= 200 && response.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', reject);
      request.end(body);
    });
}

async function recreateDatabase() {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
}

async function dropDatabase() {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
}

/** The log: what the product's `events` is, reduced to what a delivery needs. */
const eventsTable = `
  CREATE TABLE events (
    seq bigserial PRIMARY KEY,
    id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    type text NOT NULL,
    data jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`;

/** One batch's 1 000 events in one statement; the seq range it got. */
async function insertBatch(client, batch) {
  const { rows } = await client.query(
    `INSERT INTO events (type, data)
     SELECT 'membership.added', jsonb_build_object('groupId', 'w11-queue', 'identityId', gen_random_uuid(), 'batch', $1::int, 'n', g)
     FROM generate_series(1, $2::int) g
     RETURNING seq`,
    [batch, batchSize],
  );
  const seqs = rows.map((row) => Number(row.seq));
  return { first: Math.min(...seqs), last: Math.max(...seqs) };
}

/** A uuid whose bytes sort by (seq, endpoint): pg-boss breaks created_on ties by id. */
function orderedUuid(seq, endpoint) {
  const hex = seq.toString(16).padStart(24, '0') + endpoint.toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The libraries, each as: start(pool, deliver) → { enqueue(client, range), schema, stop() }. */
const libraries = {
  'graphile-worker': {
    version: () => JSON.parse(fs.readFileSync(path.join(here, 'node_modules/graphile-worker/package.json'), 'utf8')).version,
    async start(deliver, log) {
      const runner = await runGraphileWorker({
        connectionString: databaseUrl,
        concurrency,
        // Its pool serves the 10 workers, LISTEN and the completions.
        maxPoolSize: concurrency + 4,
        noHandleSignals: true,
        // New jobs wake it through LISTEN/NOTIFY (add_jobs notifies); the poll is for retries.
        pollInterval: 1000,
        logger: new Logger(() => (level, message) => {
          if (level === 'error') log(`  graphile-worker: ${message}`);
        }),
        taskList: {
          deliver: async (payload) => deliver(payload.endpoint, payload.event),
        },
      });
      return {
        schema: 'graphile_worker',
        // One job per event per endpoint, queue_name = the endpoint: graphile-worker runs a named
        // queue's jobs one at a time, in (priority, run_at, id) order. add_jobs is its batch SQL API.
        async enqueue(client, range) {
          await client.query(
            `SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(
               SELECT ROW('deliver', json_build_object('endpoint', ep, 'event', json_build_object('id', e.id, 'seq', e.seq, 'type', e.type, 'data', e.data)),
                          'e' || ep, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec
               FROM generate_series(0, $3::int - 1) ep CROSS JOIN events e
               WHERE e.seq BETWEEN $1 AND $2
               ORDER BY ep, e.seq))`,
            [range.first, range.last, endpoints],
          );
        },
        stop: () => runner.stop(),
      };
    },
  },
  'pg-boss': { version: pgBossVersion, start: (deliver, log) => startPgBoss(deliver, log, { orderedIds: true }) },
  'pg-boss-random-ids': { version: pgBossVersion, start: (deliver, log) => startPgBoss(deliver, log, { orderedIds: false }) },
};

function pgBossVersion() {
  return JSON.parse(fs.readFileSync(path.join(here, 'node_modules/pg-boss/package.json'), 'utf8')).version;
}

/**
 * pg-boss: one queue with the `key_strict_fifo` policy, `singletonKey` = the endpoint; a key's
 * next job is fetchable only when none of its jobs is active, in retry or failed. Within a key the
 * head is the oldest by (created_on, id), and created_on is now(): the same for every job of a
 * transaction, so the order within a batch is the ids' order. `orderedIds` gives ids that sort by
 * (seq, endpoint); without them the ids are gen_random_uuid()'s and a batch's order is random.
 */
async function startPgBoss(deliver, log, { orderedIds }) {
  // The stats pipeline at its fastest (1 s, default 60 s): `burstWhenReadyExceeds` reads the
  // cached ready count. Without a burst trigger a worker waits out its poll (notify or not) after
  // every job: 10 slots delivered ≈ 10 jobs/s in a first try.
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: concurrency + 4,
    useListenNotify: true,
    monitorIntervalSeconds: 1,
    superviseIntervalSeconds: 1,
    queueCacheIntervalSeconds: 1,
  });
  boss.on('error', (error) => log(`  pg-boss error: ${error.message}`));
  // Its backlog warning (over `warningQueueSize`, 10 000 by default) fires every second here: the backlog is the workload.
  boss.on('warning', (warning) => !String(warning.message).includes('large queue backlog') && log(`  pg-boss warning: ${warning.message ?? JSON.stringify(warning)}`));
  await boss.start();
  const queue = 'webhook-delivery';
  // Retries as the product's first ones: at once here (the schedule is not what is measured).
  await boss.createQueue(queue, { policy: 'key_strict_fifo', notify: true, retryLimit: 5, retryDelay: 1 });
  // 10 slots that each fetch one job (a key's head; a key with a job active is skipped), as the
  // product's 10 slots each hold one endpoint. burstWhenBatchFull is ignored at batchSize 1.
  await boss.work(queue, { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 2, burstWhenReadyExceeds: 1 }, async ([job]) =>
    deliver(job.data.endpoint, job.data.event),
  );
  return {
    schema: 'pgboss',
    async enqueue(client, range) {
      // The events' bodies, read back in the transaction (graphile-worker's SQL does the same).
      const { rows } = await client.query(`SELECT id::text, seq, type, data FROM events WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, [range.first, range.last]);
      const jobs = [];
      for (let ep = 0; ep < endpoints; ep++) {
        for (const event of rows) {
          const job = { singletonKey: `e${ep}`, data: { endpoint: ep, event: { id: event.id, seq: Number(event.seq), type: event.type, data: event.data } } };
          if (orderedIds) job.id = orderedUuid(Number(event.seq), ep);
          jobs.push(job);
        }
      }
      // insert() with `db`: pg-boss's statement runs on our client, inside our transaction.
      await boss.insert(queue, jobs, { db: { executeSql: (text, values) => client.query(text, values) } });
    },
    stop: () => boss.stop({ graceful: true, timeout: 10_000 }),
  };
}

async function schemaBytes(pool, schema) {
  const { rows } = await pool.query(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
    [schema],
  );
  return Number(rows[0].bytes);
}

/** Ten transactions of a batch each; `enqueue` (or not) inside; commit or roll back. */
async function writeBatches(pool, { enqueue, commit, committedAt }) {
  const client = await pool.connect();
  const ranges = [];
  const t0 = performance.now();
  try {
    for (let b = 0; b < batches; b++) {
      await client.query('BEGIN');
      const range = await insertBatch(client, b);
      if (enqueue) await enqueue(client, range);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      committedAt?.push(performance.now());
      ranges.push(range);
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return { ms: performance.now() - t0, ranges };
}

async function measure(name, run, log) {
  const library = libraries[name];
  const quiet = await waitUntilQuiet(log);
  const watch = watchMachine();
  await recreateDatabase();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  await pool.query(eventsTable);
  const sink = await receiver();
  const send = makeSender(sink.port);
  const started = await library.start(send, log);
  try {
    // 1. The writer's cost, workers idle: the same ten transactions without and with the
    //    enqueueing, rolled back (so the queue stays empty and the log's seqs are not used up).
    const plain = await writeBatches(pool, { enqueue: null, commit: false });
    const withJobs = await writeBatches(pool, { enqueue: started.enqueue, commit: false });
    await pool.query(`VACUUM (ANALYZE) events`);
    await pool.query(`VACUUM ${started.schema === 'graphile_worker' ? 'graphile_worker._private_jobs' : 'pgboss.job'}`);
    const bytesEmpty = await schemaBytes(pool, started.schema);
    // 2. W11: committed while the workers deliver.
    const committedAt = [];
    const t0 = performance.now();
    const live = await writeBatches(pool, { enqueue: started.enqueue, commit: true, committedAt });
    const bytesAfterWrites = await schemaBytes(pool, started.schema);
    // Whether each endpoint's jobs are in the log's order in the queue's own order (graphile-worker:
    // id; pg-boss: created_on, id): pairs of consecutive jobs whose events are the wrong way round.
    const { rows: inversions } = await pool.query(
      started.schema === 'graphile_worker'
        ? `SELECT count(*) FILTER (WHERE seq < prev)::int AS n FROM (SELECT (payload->'event'->>'seq')::bigint AS seq, lag((payload->'event'->>'seq')::bigint) OVER (PARTITION BY job_queue_id ORDER BY id) AS prev FROM graphile_worker._private_jobs) x`
        : `SELECT count(*) FILTER (WHERE seq < prev)::int AS n FROM (SELECT (data->'event'->>'seq')::bigint AS seq, lag((data->'event'->>'seq')::bigint) OVER (PARTITION BY singleton_key ORDER BY created_on, id) AS prev FROM pgboss.job WHERE state = 'created') x`,
    );
    const { rows: logged } = await pool.query(`SELECT id::text FROM events ORDER BY seq`);
    const batchOf = new Map(logged.map((row, index) => [row.id, Math.floor(index / batchSize)]));
    const complete = () => [...Array(endpoints).keys()].every((i) => (sink.paths.get(`/e${i}`)?.first.size ?? 0) >= logged.length);
    const deadline = Date.now() + deadlineSeconds * 1000;
    while (!complete() && Date.now() < deadline) await sleep(50);
    const done = complete();
    const endedAt = performance.now();
    // Anything sent twice would arrive about now; give it a moment before counting.
    if (done) await sleep(1000);
    const latencies = [];
    const perEndpoint = [];
    let lastAt = 0;
    for (let i = 0; i < endpoints; i++) {
      const seen = sink.paths.get(`/e${i}`) ?? { first: new Map(), order: [], requests: 0 };
      let outOfOrder = 0;
      seen.order.forEach((id, index) => {
        if (logged[index]?.id !== id) outOfOrder++;
      });
      for (const [id, at] of seen.first) {
        latencies.push(at - committedAt[batchOf.get(id) ?? 0]);
        lastAt = Math.max(lastAt, at);
      }
      perEndpoint.push({ received: seen.first.size, requests: seen.requests, repeats: seen.requests - seen.first.size, outOfOrder });
    }
    latencies.sort((a, b) => a - b);
    const bytesAfterDrain = await schemaBytes(pool, started.schema);
    // Unfinished at the deadline: the rate is what arrived in the window, the latencies only the delivered events'.
    const allMs = done ? lastAt - t0 : endedAt - t0;
    const delivered = perEndpoint.reduce((n, e) => n + e.received, 0);
    const figures = {
      library: name,
      version: library.version(),
      run,
      quiet,
      machine: watch.stop(),
      queuedOutOfOrderAfterWrites: inversions[0].n,
      writes: { plainRolledBackMs: plain.ms, withJobsRolledBackMs: withJobs.ms, withJobsCommittedWhileDeliveringMs: live.ms },
      events: logged.length,
      allMs,
      delivered,
      complete: done,
      deliveriesPerSecond: (delivered * 1000) / allMs,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? null },
      repeats: perEndpoint.reduce((n, e) => n + e.repeats, 0),
      outOfOrder: perEndpoint.reduce((n, e) => n + e.outOfOrder, 0),
      tableBytes: { empty: bytesEmpty, afterWrites: bytesAfterWrites, afterDrain: bytesAfterDrain, events: await schemaBytes(pool, 'public') },
      perEndpoint,
    };
    figures.ok = done;
    log(
      `${name} run ${run} (load ${quiet.loadAverage1m.toFixed(2)} → max ${figures.machine.maxLoadAverage1m.toFixed(2)}${figures.machine.othersSeen ? ', jest or a bench ran meanwhile' : ''}; queued out of order ${figures.queuedOutOfOrderAfterWrites}): writes ${plain.ms.toFixed(0)} ms plain vs ${withJobs.ms.toFixed(0)} ms with jobs (rolled back), ` +
        `${live.ms.toFixed(0)} ms committed while delivering; ${done ? 'all delivered after' : `only ${delivered} of ${endpoints * logged.length} delivered in`} ${(allMs / 1000).toFixed(1)} s (${figures.deliveriesPerSecond.toFixed(0)}/s); ` +
        `latency p50 ${figures.latencyMs.p50?.toFixed(0)} ms, p99 ${figures.latencyMs.p99?.toFixed(0)} ms; repeats ${figures.repeats}, out of order ${figures.outOfOrder}; ` +
        `tables ${(bytesAfterWrites / 1048576).toFixed(1)} MiB after writes, ${(bytesAfterDrain / 1048576).toFixed(1)} MiB after drain${figures.ok ? '' : ' — NOT ALL DELIVERED'}`,
    );
    return figures;
  } finally {
    await started.stop().catch((error) => log(`  stop: ${error.message}`));
    sink.server.close();
    await pool.end();
  }
}

/**
 * Order, small: `count` events in one transaction to every endpoint. With `failFifth`, each
 * endpoint answers 500 once to the 5th: does the 6th wait for the 5th's retry (the product's rule:
 * a failure holds the endpoint's later events back), or go ahead?
 */
async function orderCheck(name, log, { count = 20, failFifth = true } = {}) {
  const library = libraries[name];
  await recreateDatabase();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await pool.query(eventsTable);
  const failOnce = new Set();
  const sink = await receiver(failOnce);
  const started = await library.start(makeSender(sink.port), log);
  try {
    const client = await pool.connect();
    let ids;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        `INSERT INTO events (type, data) SELECT 'membership.added', jsonb_build_object('n', g) FROM generate_series(1, $1::int) g RETURNING id::text, seq`,
        [count],
      );
      ids = rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((row) => row.id);
      if (failFifth) for (let ep = 0; ep < endpoints; ep++) failOnce.add(`/e${ep} ${ids[4]}`);
      await started.enqueue(client, { first: Math.min(...rows.map((r) => Number(r.seq))), last: Math.max(...rows.map((r) => Number(r.seq))) });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const deadline = Date.now() + 120_000;
    const done = () => [...Array(endpoints).keys()].every((i) => (sink.paths.get(`/e${i}`)?.first.size ?? 0) >= ids.length);
    while (!done() && Date.now() < deadline) await sleep(50);
    const seen = [...Array(endpoints).keys()].map((i) => sink.paths.get(`/e${i}`));
    const figures = {
      library: name,
      events: count,
      failFifth,
      endpointsWithFifthLast: seen.filter((s) => s && s.order.indexOf(ids[4]) > 4).length,
      outOfOrder: seen.reduce((n, s) => n + (s ? s.order.filter((id, index) => ids[index] !== id).length : 0), 0),
      allDelivered: done(),
      fifthPositionOnE0: seen[0]?.order.indexOf(ids[4]),
    };
    log(
      failFifth
        ? `${name} order under failure: ${figures.endpointsWithFifthLast}/${endpoints} endpoints got the failed 5th event after later ones (on e0 at position ${figures.fifthPositionOnE0}); out of order ${figures.outOfOrder}`
        : `${name} order, ${count} events in one transaction × ${endpoints} endpoints, no failure: out of order ${figures.outOfOrder}${figures.allDelivered ? '' : ' — NOT ALL DELIVERED'}`,
    );
    return figures;
  } finally {
    await started.stop().catch((error) => log(`  stop: ${error.message}`));
    sink.server.close();
    await pool.end();
  }
}

async function main() {
  const log = (line) => console.log(line);
  const results = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    shape: { endpoints, batches, batchSize, concurrency },
    postgres: null,
    runs: [],
    order: [],
  };
  {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    results.postgres = (await admin.query('SHOW server_version')).rows[0].server_version;
    await admin.end();
  }
  try {
    for (let run = 1; run <= runs; run++) {
      // pg-boss-random-ids is only the small order check below: what order pg-boss gives by default.
      for (const name of only.filter((n) => n !== 'pg-boss-random-ids')) results.runs.push(await measure(name, run, log));
    }
    for (const name of only) {
      if (name === 'pg-boss-random-ids') results.order.push(await orderCheck(name, log, { count: 200, failFifth: false }));
      else results.order.push(await orderCheck(name, log, { count: 20, failFifth: true }));
    }
  } finally {
    await dropDatabase();
    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(path.join(here, 'results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
