/**
 * Builds dist/ once, and again only when its sources changed (docs/decisions.md 88).
 *
 *   node scripts/build.mjs [target…]          build the targets whose sources changed (npm's prepare,
 *                                             prestart, pretest, pretoken, preseed, premigration:run)
 *   node scripts/build.mjs --force [target…]  build them whatever the stamp says (npm run build)
 *   node scripts/build.mjs --check [target…]  only say what is stale: exit 0 when nothing is, 1 when
 *                                             something is
 *
 * Targets: `server` (tsc: dist/src, dist/migrations) and `web` (esbuild: dist/web); none named, both.
 * Each build records the SHA-256 of every file it read in dist/build-stamp.json; a target is stale
 * when a file was added, removed or changed since, or its output is gone. Contents, not times: a
 * checkout, a copy or an extracted archive can give a changed file an older time, and an untouched
 * one a newer. Plain JavaScript with no dependency, so that the check on a built tree costs a
 * Node start and a few milliseconds of hashing, not a TypeScript compiler.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, 'build-stamp.json');
const lockFile = path.join(dist, '.build.lock');
const require = createRequire(import.meta.url);

/**
 * What each target reads and makes. The installed packages are an input of both, read from npm's
 * record of what is in node_modules (not from package-lock.json, which a `git pull` changes
 * before anyone reinstalls). This file is an input too: a change to the targets rebuilds them.
 */
const targets = {
  server: {
    inputs: ['src', 'migrations', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'node_modules/.package-lock.json', 'scripts/build.mjs'],
    outputs: ['dist/src/main.js'],
    // What a build from nothing removes first.
    owns: ['dist/src', 'dist/migrations', 'dist/ormconfig.js', 'dist/ormconfig.js.map', 'dist/tsconfig.build.tsbuildinfo'],
    // Incremental: after a change tsc re-checks what depends on it, not the whole program.
    command: () => [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/tsconfig.build.tsbuildinfo'],
  },
  web: {
    inputs: ['web', 'scripts/build-web.ts', 'scripts/readme-examples.ts', 'README.md', 'schema/schema.graphql', 'node_modules/.package-lock.json', 'scripts/build.mjs'],
    outputs: ['dist/web/graphiql/index.html', 'dist/web/dashboard/index.html', 'dist/web/console/index.html'],
    owns: ['dist/web'],
    command: () => ['-r', require.resolve('ts-node/register/transpile-only'), 'scripts/build-web.ts'],
  },
};

/** Every input file of a target (relative to the root, `/`-separated) and the SHA-256 of its contents. */
function fingerprint(name) {
  const files = {};
  const visit = (relative) => {
    const absolute = path.join(root, relative);
    if (!existsSync(absolute)) return;
    let entries;
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch (error) {
      if (error.code !== 'ENOTDIR') throw error;
      files[relative.split(path.sep).join('/')] = createHash('sha256').update(readFileSync(absolute)).digest('hex');
      return;
    }
    // Editors' swap and backup files are nobody's input.
    for (const entry of entries) if (!entry.name.startsWith('.') && !entry.name.endsWith('~')) visit(path.join(relative, entry.name));
  };
  for (const input of targets[name].inputs) visit(input);
  return files;
}

/** Why a target needs building, or undefined when its build is current. */
function staleness(name, stamp) {
  const missing = targets[name].outputs.find((output) => !existsSync(path.join(root, output)));
  const built = stamp?.targets?.[name]?.inputs;
  // Without a stamp or an output, nothing of the last build is trusted: it starts from nothing.
  if (!built) return { reason: 'never built here', files: fingerprint(name), fromNothing: true };
  if (missing) return { reason: `${missing} is missing`, files: fingerprint(name), fromNothing: true };
  const files = fingerprint(name);
  const changes = [];
  for (const [file, hash] of Object.entries(files)) {
    if (!(file in built)) changes.push(`${file} added`);
    else if (built[file] !== hash) changes.push(`${file} changed`);
  }
  for (const file of Object.keys(built)) if (!(file in files)) changes.push(`${file} removed`);
  if (changes.length === 0) return undefined;
  const shown = changes.slice(0, 3).join(', ');
  return { reason: changes.length > 3 ? `${shown} and ${changes.length - 3} more` : shown, files };
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeStamp(name, files) {
  const stamp = readStamp() ?? { targets: {} };
  stamp.targets = { ...stamp.targets, [name]: { inputs: files } };
  mkdirSync(dist, { recursive: true });
  writeFileSync(`${stampFile}.tmp`, `${JSON.stringify(stamp, null, 1)}\n`);
  renameSync(`${stampFile}.tmp`, stampFile);
}

function run(name) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, targets[name].command(), { cwd: root, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(Date.now() - started);
      else reject(new Error(`the ${name} build failed (${signal ?? `exit code ${code}`}); dist/ is left stale and the next start builds it again`));
    });
  });
}

/**
 * One build at a time per tree (an `npm start` and an `npm run seed` after the same `git pull`):
 * the others wait for it, then find their targets current. A lock whose process is gone is taken over.
 */
async function withLock(work) {
  mkdirSync(dist, { recursive: true });
  let said = false;
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(lockFile, 'utf8'));
    if (holder > 0 && !alive(holder)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (!said) process.stderr.write(`build: waiting for the build of process ${holder || '…'} (${path.relative(root, lockFile)})\n`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    return await work();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function devDependenciesMissing() {
  for (const module of ['typescript/bin/tsc', 'esbuild', 'ts-node/register/transpile-only']) {
    try {
      require.resolve(module);
    } catch {
      return module.split('/')[0];
    }
  }
  return undefined;
}

async function main(argv) {
  const force = argv.includes('--force');
  const check = argv.includes('--check');
  const named = argv.filter((arg) => !arg.startsWith('--'));
  const unknown = named.filter((name) => !(name in targets));
  if (unknown.length > 0) {
    process.stderr.write(`build: no target ${unknown.join(', ')}; the targets are ${Object.keys(targets).join(', ')}\n`);
    return 2;
  }
  const wanted = named.length > 0 ? named : Object.keys(targets);
  const stale = () => {
    const stamp = force ? undefined : readStamp();
    return wanted
      .map((name) => ({ name, ...(force ? { reason: 'forced', files: fingerprint(name), fromNothing: true } : staleness(name, stamp)) }))
      .filter((target) => target.reason);
  };

  const before = stale();
  if (check) {
    for (const target of before) process.stdout.write(`${target.name}: stale (${target.reason})\n`);
    if (before.length === 0) process.stdout.write(`${wanted.join(', ')}: built, nothing to do\n`);
    return before.length === 0 ? 0 : 1;
  }
  if (before.length === 0) return 0;

  const missing = devDependenciesMissing();
  if (missing) {
    process.stderr.write(
      `build: dist/ must be built (${before.map((target) => `${target.name}: ${target.reason}`).join('; ')}), ` +
        `and ${missing} is not installed: run \`npm install\` with the dev dependencies, or ship a dist/ built from these sources.\n`,
    );
    return 1;
  }
  return withLock(async () => {
    // Another process may have built while this one waited.
    const now = force ? before : stale();
    // From nothing, no output of a deleted source survives, and tsc's incremental record cannot
    // claim outputs that are gone.
    for (const target of now.filter((target) => target.fromNothing)) {
      for (const entry of targets[target.name].owns) rmSync(path.join(root, entry), { recursive: true, force: true });
    }
    for (const target of now) process.stderr.write(`build: ${target.name} (${target.reason})\n`);
    // Side by side: tsc is one thread, esbuild uses the others.
    const results = await Promise.allSettled(
      now.map(async (target) => {
        const took = await run(target.name);
        const missing = targets[target.name].outputs.find((output) => !existsSync(path.join(root, output)));
        if (missing) throw new Error(`the ${target.name} build did not make ${missing}`);
        writeStamp(target.name, target.files);
        process.stderr.write(`build: ${target.name} built in ${(took / 1000).toFixed(1)} s\n`);
      }),
    );
    const failed = results.filter((result) => result.status === 'rejected');
    for (const failure of failed) process.stderr.write(`build: ${failure.reason.message}\n`);
    return failed.length === 0 ? 0 : 1;
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
