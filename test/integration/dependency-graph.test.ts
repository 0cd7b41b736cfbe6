import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '../..');

/*
 * The rules of src/'s imports (.dependency-cruiser.cjs, docs/decisions.md 68) and the README's picture
 * of them. CI runs `npm run deps` too; here a violation fails `npm test` with the offending imports.
 */
describe('the dependency graph', () => {
  test('has no cycle (type imports included), no domain importing an edge, no repository imported by another domain', () => {
    const run = spawnSync(path.join(root, 'node_modules/.bin/depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect({ exit: run.status, output: run.stdout.trim() }).toEqual({ exit: 0, output: expect.stringContaining('no dependency violations found') });
  });

  test('the README’s picture of it is current (npm run deps:graph)', () => {
    const run = spawnSync(process.execPath, ['scripts/dependency-graph.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect({ exit: run.status, stderr: run.stderr }).toEqual({ exit: 0, stderr: '' });
  });
});
