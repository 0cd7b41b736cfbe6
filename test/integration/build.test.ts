import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * `npm start`, `npm test`, `npm run token`, `seed` and `migration:run` build first only what is
 * stale (scripts/build.mjs, docs/decisions.md 88). Run on a copy of this tree as `npm test` built
 * it — its sources, its build stamp and outputs, no node_modules — so that a change here touches
 * nothing of the real one, and a build that would start fails at once instead of compiling.
 */
const repo = path.join(__dirname, '../..');
const copied = [
  'src', 'migrations', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'web', 'scripts', 'README.md', 'schema/schema.graphql',
  'node_modules/.package-lock.json', 'dist/build-stamp.json', 'dist/src/main.js', 'dist/web/graphiql/index.html', 'dist/web/dashboard/index.html',
  'dist/web/console/index.html',
];
let tree: string;

beforeEach(() => {
  tree = mkdtempSync(path.join(tmpdir(), 'realmgraph-build-'));
  for (const entry of copied) {
    if (!existsSync(path.join(repo, entry))) throw new Error(`${entry} is missing: build first (\`npm test\` does).`);
    cpSync(path.join(repo, entry), path.join(tree, entry), { recursive: true, preserveTimestamps: true });
  }
});
afterEach(() => rmSync(tree, { recursive: true, force: true }));

function build(...args: string[]): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [path.join(tree, 'scripts/build.mjs'), ...args], { cwd: tree, encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}

describe('the build on a built tree', () => {
  test('says nothing is to do, and a build builds nothing', () => {
    expect(build('--check')).toEqual({ status: 0, out: 'server, web: built, nothing to do' });
    expect(build()).toEqual({ status: 0, out: '' });
  });

  test('goes by contents: a file touched but unchanged rebuilds nothing', () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(tree, 'src/main.ts'), later, later);
    utimesSync(path.join(tree, 'README.md'), later, later);
    expect(build('--check').status).toBe(0);
  });
});

describe('a stale build is found, and only the stale target rebuilt', () => {
  test('a changed server source makes the server stale, not the pages', () => {
    appendFileSync(path.join(tree, 'src/config.ts'), '\n// changed\n');
    expect(build('--check')).toEqual({ status: 1, out: 'server: stale (src/config.ts changed)' });
    expect(build('--check', 'web').status).toBe(0);
  });

  test('a changed README (the playground’s tabs) makes the pages stale, not the server; `npm run token` does not wait for it', () => {
    appendFileSync(path.join(tree, 'README.md'), '\nMore.\n');
    expect(build('--check')).toEqual({ status: 1, out: 'web: stale (README.md changed)' });
    expect(build('server')).toEqual({ status: 0, out: '' });
  });

  test('an added and a removed file count as changes', () => {
    writeFileSync(path.join(tree, 'web/dashboard/extra.ts'), 'export {};\n');
    rmSync(path.join(tree, 'migrations/index.ts'));
    expect(build('--check')).toEqual({ status: 1, out: 'server: stale (migrations/index.ts removed)\nweb: stale (web/dashboard/extra.ts added)' });
  });

  test('newly installed packages make both stale', () => {
    appendFileSync(path.join(tree, 'node_modules/.package-lock.json'), ' ');
    expect(build('--check')).toEqual({
      status: 1,
      out: 'server: stale (node_modules/.package-lock.json changed)\nweb: stale (node_modules/.package-lock.json changed)',
    });
  });

  test('a missing output is stale, whatever the stamp says', () => {
    rmSync(path.join(tree, 'dist/web'), { recursive: true });
    expect(build('--check')).toEqual({ status: 1, out: 'web: stale (dist/web/graphiql/index.html is missing)' });
    rmSync(path.join(tree, 'dist/build-stamp.json'));
    expect(build('--check', 'server')).toEqual({ status: 1, out: 'server: stale (never built here)' });
  });

  test('a stale tree is built before it is served, and says so when the compiler is not installed', () => {
    appendFileSync(path.join(tree, 'src/config.ts'), '\n// changed\n');
    const attempt = build('server');
    expect(attempt.status).toBe(1);
    expect(attempt.out).toBe(
      'build: dist/ must be built (server: src/config.ts changed), and typescript is not installed: ' +
        'run `npm install` with the dev dependencies, or ship a dist/ built from these sources.',
    );
  });
});
