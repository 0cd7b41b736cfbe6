/**
 * Load with autocannon, closed loop (as fast as `connections` allow) or at a fixed rate
 * (`overallRate`: autocannon paces the requests; far enough below capacity this is the open model).
 * Latencies are taken from every response (autocannon's summary has no p95); CPU of the server and
 * of the database backends is read from /proc before and after.
 */
import autocannon from 'autocannon';
import { backendPids, cpuMeter, cpuMs, loadAverage } from './proc.mjs';

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function median(values) {
  const defined = values.filter((v) => v !== null && v !== undefined && !Number.isNaN(v));
  if (defined.length === 0) return null;
  const sorted = [...defined].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One autocannon run; `request` is { method, path, headers, body } or `requests` for autocannon. */
export async function runOnce({ peer, admin, database, url, request, requests, connections, duration, overallRate }) {
  const pids = admin ? await backendPids(admin, database) : [];
  const meter = await cpuMeter(peer?.pid, pids, admin ? () => backendPids(admin, database) : undefined);
  const latencies = [];
  let non2xx = 0;
  let bytes = 0;
  const { path, ...single } = request ?? {};
  const instance = autocannon({
    url: path ? new URL(path, url).toString() : url,
    connections,
    duration,
    overallRate,
    timeout: 30,
    pipelining: 1,
    ...(requests ? { requests } : single),
  });
  instance.on('response', (_client, statusCode, resBytes, responseTime) => {
    latencies.push(responseTime);
    bytes += resBytes;
    if (statusCode < 200 || statusCode >= 300) non2xx += 1;
  });
  const result = await instance;
  const cpu = await meter.stop();
  latencies.sort((a, b) => a - b);
  const count = latencies.length;
  return {
    requests: count,
    rps: count / result.duration,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: non2xx + result.errors + result.timeouts,
    bytesPerRequest: count ? bytes / count : 0,
    serverCpuMsPerRequest: count ? cpu.serverMs / count : null,
    pgCpuMsPerRequest: count ? cpu.pgMs / count : null,
    serverCpuShare: cpu.serverMs / (result.duration * 1000),
    load1: loadAverage()[0],
  };
}

/**
 * autocannon against several servers at once (W12: instances of realmgraph on one database), one
 * autocannon per server in this process, the `connections` dealt round-robin (the first servers get
 * one more when they do not divide evenly) and `overallRate` likewise. `targets`: [{ peer, requests }].
 * Server CPU is the sum over the servers; the load generator's own (this process) is reported too,
 * since on a small machine it competes with them. Latencies are the 2xx responses'; other statuses
 * are counted by code (a rate limit's 429s).
 */
export async function runSpread({ targets, admin, database, connections, duration, overallRate }) {
  const pids = admin ? await backendPids(admin, database) : [];
  const pgMeter = await cpuMeter(undefined, pids, admin ? () => backendPids(admin, database) : undefined);
  const serversBefore = targets.map((t) => cpuMs(t.peer.pid) ?? 0);
  const ownBefore = cpuMs(process.pid) ?? 0;
  const latencies = [];
  const statuses = {};
  const perServer = targets.map(() => 0);
  let bytes = 0;
  const started = performance.now();
  const results = await Promise.all(
    targets.map((target, i) => {
      const share = Math.floor(connections / targets.length) + (i < connections % targets.length ? 1 : 0);
      const instance = autocannon({
        url: target.peer.url('/'),
        connections: share,
        duration,
        overallRate: overallRate ? (overallRate * share) / connections : undefined,
        timeout: 30,
        pipelining: 1,
        requests: target.requests,
      });
      instance.on('response', (_client, statusCode, resBytes, responseTime) => {
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
        perServer[i] += 1;
        bytes += resBytes;
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
      return instance;
    }),
  );
  const seconds = Math.max((performance.now() - started) / 1000, ...results.map((r) => r.duration));
  const servers = targets.reduce((sum, t, i) => sum + Math.max(0, (cpuMs(t.peer.pid) ?? serversBefore[i]) - serversBefore[i]), 0);
  const own = (cpuMs(process.pid) ?? ownBefore) - ownBefore;
  const cpu = await pgMeter.stop();
  latencies.sort((a, b) => a - b);
  const answered = perServer.reduce((a, b) => a + b, 0);
  const ok = latencies.length;
  const errors = results.reduce((sum, r) => sum + r.errors + r.timeouts, 0);
  return {
    requests: answered,
    rps: answered / seconds,
    okRps: ok / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: answered - ok + errors,
    statuses,
    perServer,
    bytesPerRequest: answered ? bytes / answered : 0,
    serverCpuMsPerRequest: answered ? servers / answered : null,
    serverCpuMsPerOkRequest: ok ? servers / ok : null,
    pgCpuMsPerRequest: answered ? cpu.pgMs / answered : null,
    loadCpuMsPerRequest: answered ? own / answered : null,
    // Cores kept busy: the servers together, PostgreSQL's backends, the load generator.
    serverCpuShare: servers / (seconds * 1000),
    pgCpuShare: cpu.pgMs / (seconds * 1000),
    loadCpuShare: own / (seconds * 1000),
    load1: loadAverage()[0],
  };
}

const spreadKeys = ['okRps', 'serverCpuMsPerOkRequest', 'loadCpuMsPerRequest', 'pgCpuShare', 'loadCpuShare'];

/** A warm-up, then `repeats` runs (autocannon's, with `targets` runSpread's, or with `ownLoop` closedLoop's); every figure is the median over the runs. */
export async function measure(options) {
  const { repeats, warmup = 2 } = options;
  const once = options.ownLoop ? closedLoop : options.targets ? runSpread : runOnce;
  if (warmup > 0) await once({ ...options, duration: warmup, admin: undefined });
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await once(options));
  const keys = ['rps', 'p50', 'p95', 'p99', 'bytesPerRequest', 'serverCpuMsPerRequest', 'pgCpuMsPerRequest', 'serverCpuShare', 'load1', ...(options.targets ? spreadKeys : [])];
  const summary = Object.fromEntries(keys.map((key) => [key, median(runs.map((run) => run[key]))]));
  summary.errors = runs.reduce((sum, run) => sum + run.errors, 0);
  summary.requests = runs.reduce((sum, run) => sum + run.requests, 0);
  summary.repeats = repeats;
  summary.duration = options.duration;
  summary.connections = options.connections;
  summary.overallRate = options.overallRate ?? null;
  summary.runs = runs.map((run) => Number(run.rps.toFixed(2)));
  if (options.targets) {
    // Summed over the runs: how the load fell on the servers, and what they answered.
    summary.perServer = runs.reduce((sum, run) => sum.map((n, i) => n + run.perServer[i]), options.targets.map(() => 0));
    summary.statuses = {};
    for (const run of runs) for (const [code, n] of Object.entries(run.statuses)) summary.statuses[code] = (summary.statuses[code] ?? 0) + n;
  }
  return summary;
}

/** A JSON POST of a GraphQL document, as autocannon sends it. */
export function graphqlRequest(path, query, variables, headers = {}) {
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  };
}

export async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/**
 * The open model at a fixed rate: requests leave every 1/rate seconds whether or not earlier ones
 * have come back (at most 64 in flight, beyond which a request counts as an error), for rates
 * autocannon cannot pace (under 1 req/s) and so that latency includes queueing at the server.
 * `request` is { method, path, headers, body }, or `bodies` a function giving the i-th body.
 */
export async function openLoop({ peer, admin, database, url, request, rate, duration }) {
  const pids = admin ? await backendPids(admin, database) : [];
  const meter = await cpuMeter(peer?.pid, pids, admin ? () => backendPids(admin, database) : undefined);
  const target = new URL(request.path ?? '/', url).toString();
  const latencies = [];
  let errors = 0;
  let inFlight = 0;
  const pending = [];
  const started = performance.now();
  const total = Math.max(1, Math.round(rate * duration));
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight >= 64) {
      errors += 1;
      continue;
    }
    inFlight += 1;
    const sent = performance.now();
    pending.push(
      fetch(target, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(30_000) })
        .then(async (response) => {
          await response.arrayBuffer();
          if (!response.ok) errors += 1;
          latencies.push(performance.now() - sent);
        })
        .catch(() => {
          errors += 1;
        })
        .finally(() => {
          inFlight -= 1;
        }),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  return summarize(latencies, seconds, await meter.stop(), errors);
}

/** The figures both of our own loops report: throughput, latency percentiles, errors, CPU per request. */
function summarize(latencies, seconds, cpu, errors) {
  latencies.sort((a, b) => a - b);
  const count = latencies.length;
  return {
    requests: count,
    rps: count / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors,
    serverCpuMsPerRequest: count ? cpu.serverMs / count : null,
    pgCpuMsPerRequest: count ? cpu.pgMs / count : null,
    load1: loadAverage()[0],
  };
}

/**
 * A closed loop of our own for heavy requests (W1, under a second each at best here): `connections`
 * workers send the next request when the last has come back, until `duration`; requests in flight
 * then are waited for and counted, so that CPU per request divides the CPU by the requests it served
 * (autocannon drops them, which with a few requests per run skews the figure).
 */
export async function closedLoop({ peer, admin, database, url, request, connections, duration }) {
  const pids = admin ? await backendPids(admin, database) : [];
  const meter = await cpuMeter(peer?.pid, pids, admin ? () => backendPids(admin, database) : undefined);
  const target = new URL(request.path ?? '/', url).toString();
  const latencies = [];
  let errors = 0;
  let bytes = 0;
  const started = performance.now();
  const deadline = started + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        try {
          const response = await fetch(target, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(60_000) });
          bytes += (await response.arrayBuffer()).byteLength;
          if (!response.ok) errors += 1;
          latencies.push(performance.now() - sent);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = await meter.stop();
  const summary = summarize(latencies, seconds, cpu, errors);
  return { ...summary, bytesPerRequest: summary.requests ? bytes / summary.requests : 0, serverCpuShare: cpu.serverMs / (seconds * 1000) };
}
