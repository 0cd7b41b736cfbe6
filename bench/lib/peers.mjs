/**
 * Starting and stopping the servers under test, each its own process (so that its CPU is its own),
 * each on a free loopback port, each stopped with SIGTERM and, past a deadline, SIGKILL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const running = new Set();

/** Every child still running: the harness's deadline and signal handlers stop them. */
export function stopAll() {
  for (const child of running) child.kill('SIGKILL');
}

async function waitReady(url, child, timeoutMs, output) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before it was ready:\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready after ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts one server: `args` run by this Node (or by `executable`, another Node binary), `env` added
 * to the environment, ready when `readyPath` answers 200. Returns { name, pid, port, url(path), stop() }.
 */
export async function startServer({ name, args, cwd, env, readyPath = '/healthz', nodeOptions = [], executable = process.execPath }) {
  const port = await freePort();
  const spawnedAt = Date.now();
  const child = spawn(executable, [...nodeOptions, ...args], {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let stopping = false;
  child.on('exit', (code, signal) => {
    running.delete(child);
    // A server that dies under load is a finding: say so, with what it last wrote.
    if (!stopping) process.stderr.write(`\n${name} (pid ${child.pid}) exited unexpectedly (${signal ?? `exit ${code}`}). Its last output:\n${output.slice(-4000)}\n`);
  });
  try {
    await waitReady(`http://127.0.0.1:${port}${readyPath}`, child, 90_000, () => output);
  } catch (error) {
    stopping = true;
    child.kill('SIGKILL');
    throw new Error(`${name} ${error.message}`);
  }
  return {
    name,
    pid: child.pid,
    port,
    spawnedAt,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        stopping = true;
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The Node options `npm start` runs the product with (package.json), so that the bench measures that. */
function startOptions(root) {
  const start = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start.split(/\s+/);
  return start.slice(1, start.indexOf('dist/src/main.js')).filter((word) => word.startsWith('--'));
}

/** realmgraph as the bench runs it; `env` overrides a setting (W12 starts instances with the rate limit on). */
export function productServer(root, { databaseUrl, adminToken, profileDir, env = {} }) {
  return startServer({
    name: 'realmgraph',
    cwd: root,
    args: ['dist/src/main.js'],
    readyPath: '/readyz',
    nodeOptions: [...startOptions(root), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    env: {
      DATABASE_URL: databaseUrl,
      NODE_ENV: 'production',
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      // The nested read costs about 2.6·10^5 by the product's rule; abuse (W5) goes far past this.
      MAX_QUERY_COST: '5000000',
      MAX_WS_CONNECTIONS_PER_TOKEN: '20000',
      // Background jobs look for work rarely: their statements are not what is measured.
      JOB_INTERVAL_MS: '60000',
      // W11's receiver listens on loopback.
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      ...env,
    },
  });
}

export function postgraphileServer(benchDir, { databaseUrl }) {
  return startServer({
    name: 'postgraphile',
    cwd: benchDir,
    args: [path.join(benchDir, 'servers/postgraphile.mjs')],
    env: { DATABASE_URL: databaseUrl, NODE_ENV: 'production' },
  });
}

/**
 * The Node 22 that PostGraphile v5 needs: the binary of the npm package "node" installed in
 * bench/peers/postgraphile5 (its preinstall script links bin/node to the platform's node-<os>-<arch>
 * package). Returns { path, version }, or throws saying why there is none.
 */
export function node22(benchDir) {
  const dir = path.join(benchDir, 'peers/postgraphile5');
  const candidates = [path.join(dir, 'node_modules/node/bin/node'), path.join(dir, 'node_modules/.bin/node')];
  const binary = candidates.find((p) => existsSync(p));
  if (!binary) throw new Error(`no Node 22 binary (looked for ${candidates.map((p) => path.relative(benchDir, p)).join(', ')}; run npm install in bench/peers/postgraphile5)`);
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  const version = run.stdout?.trim();
  if (run.status !== 0 || !/^v\d+\./.test(version ?? '')) throw new Error(`${path.relative(benchDir, binary)} does not run (${run.error?.message ?? `exit ${run.status}: ${run.stderr?.trim().slice(0, 200)}`})`);
  if (Number(version.slice(1).split('.')[0]) < 22) throw new Error(`${path.relative(benchDir, binary)} is Node ${version}; PostGraphile v5 needs 22 or later`);
  return { path: binary, version };
}

/** PostGraphile v5 (bench/servers/postgraphile5.mjs) on the Node 22 of node22(); throws when it cannot start. */
export function postgraphile5Server(benchDir, { databaseUrl }) {
  const node = node22(benchDir);
  return startServer({
    name: 'postgraphile5',
    cwd: benchDir,
    executable: node.path,
    args: [path.join(benchDir, 'servers/postgraphile5.mjs')],
    env: { DATABASE_URL: databaseUrl, NODE_ENV: 'production', GRAPHILE_ENV: 'production' },
  }).then((server) => Object.assign(server, { nodeVersion: node.version }));
}

export function rawServer(benchDir, { databaseUrl }) {
  return startServer({ name: 'raw', cwd: benchDir, args: [path.join(benchDir, 'servers/raw.mjs')], env: { DATABASE_URL: databaseUrl, NODE_ENV: 'production' } });
}

export function broadcastServer(benchDir) {
  return startServer({ name: 'ws-broadcast', cwd: benchDir, args: [path.join(benchDir, 'servers/broadcast.mjs')], env: { NODE_ENV: 'production' } });
}
