/**
 * `npm run bench [-- --quick]` from the repository root: installs the bench's own dependencies when
 * missing (into bench/node_modules, never the product's), builds the product, then runs the suite
 * (run.mjs) in a child process bounded in time. Only Node built-ins here: it runs before the install.
 */
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');
const args = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a command; a failure ends the bench unless `optional`. Returns whether it succeeded. */
function step(title, command, commandArgs, cwd, timeoutMs, optional = false) {
  process.stderr.write(`${title}\n`);
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit', timeout: timeoutMs });
  if (result.status === 0) return true;
  process.stderr.write(`${title} failed (${result.error?.message ?? `exit ${result.status}`}).\n`);
  if (!optional) process.exit(1);
  return false;
}

/** `npm install` in `dir` when a dependency of its package.json (or a file it must hold) is missing. */
function installIfMissing(dir, title, { optional = false, alsoNeeds = [] } = {}) {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const missing = [
    ...Object.keys(manifest.dependencies).filter((name) => !existsSync(path.join(dir, 'node_modules', name, 'package.json'))),
    ...alsoNeeds.filter((file) => !existsSync(path.join(dir, file))),
  ];
  if (missing.length === 0) return;
  // `npm install`, not `npm ci`: docs/decisions.md 14.
  if (!step(`Installing ${title} (${missing.join(', ')})...`, npm, ['install', '--no-audit', '--no-fund'], dir, 600_000, optional)) {
    process.stderr.write('The run goes on without it.\n');
  }
}

if (args.includes('--help') || args.includes('-h')) {
  spawnSync(process.execPath, [path.join(benchDir, 'run.mjs'), '--help'], { stdio: 'inherit' });
  process.exit(0);
}

installIfMissing(benchDir, "the bench's dependencies");
// PostGraphile v5 and its Node 22 live in a folder of their own (see its package.json). Without them
// the suite runs with the other peers and says so in RESULTS.md: a failed install here is not fatal.
installIfMissing(path.join(benchDir, 'peers/postgraphile5'), 'PostGraphile v5 and Node 22 for the bench', {
  optional: true,
  alsoNeeds: ['node_modules/node/bin/node'],
});
if (!args.includes('--no-build')) step('Building the product (npm run build)...', npm, ['run', 'build'], root, 600_000);

// The suite bounds itself (its deadline); this is the last line: 27 minutes quick, 115 full.
const limitMs = (args.includes('--quick') ? 27 : 115) * 60_000;
const child = spawn(process.execPath, [path.join(benchDir, 'run.mjs'), ...args.filter((a) => a !== '--no-build')], { stdio: 'inherit', detached: true });
const timer = setTimeout(() => {
  process.stderr.write(`The bench ran past ${limitMs / 60_000} minutes: killing it.\n`);
  // The whole group: run.mjs and the servers it started.
  process.kill(-child.pid, 'SIGKILL');
}, limitMs);
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  process.exit(code ?? (signal ? 1 : 0));
});
