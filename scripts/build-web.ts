/**
 * Bundles the browser pages into dist/web/ with esbuild; `npm run build` runs it after tsc, so
 * `npm start` and `npm test` always serve fresh bundles. Everything a page needs — scripts, styles,
 * fonts, Monaco's workers — is written next to its index.html: nothing comes from a CDN.
 *
 *   dist/web/graphiql/   GraphiQL (React, Monaco), the README's examples as tabs
 *   dist/web/dashboard/  the live membership dashboard (plain TypeScript and DOM)
 */
import { copyFile, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { readmeExamples } from './readme-examples';

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist/web');

const common: BuildOptions = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  target: ['chrome120', 'firefox120', 'safari17'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  // Fonts and images referenced from CSS are inlined: one file fewer to serve, none to forget.
  loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
};

async function main(): Promise<void> {
  const started = Date.now();
  await rm(out, { recursive: true, force: true });
  const examples = readmeExamples(await readFile(path.join(root, 'README.md'), 'utf8'));

  await Promise.all([
    build({
      ...common,
      entryPoints: { graphiql: path.join(root, 'web/graphiql/main.tsx') },
      outdir: path.join(out, 'graphiql'),
      format: 'esm',
      jsx: 'automatic',
      define: { ...common.define, README_EXAMPLES: JSON.stringify(examples) },
    }),
    // Monaco's workers, one classic-script bundle each (web/graphiql/workers.ts names them).
    build({
      ...common,
      entryPoints: {
        'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
        'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
        'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js'),
      },
      outdir: path.join(out, 'graphiql'),
      format: 'iife',
    }),
    build({
      ...common,
      entryPoints: { dashboard: path.join(root, 'web/dashboard/main.ts') },
      outdir: path.join(out, 'dashboard'),
      format: 'esm',
    }),
  ]);
  for (const page of ['graphiql', 'dashboard']) {
    await mkdir(path.join(out, page), { recursive: true });
    await copyFile(path.join(root, 'web', page, 'index.html'), path.join(out, page, 'index.html'));
  }

  const sizes: string[] = [];
  for (const page of ['graphiql', 'dashboard']) {
    for (const file of await readdir(path.join(out, page))) {
      sizes.push(`${page}/${file} ${((await stat(path.join(out, page, file))).size / 1024).toFixed(0)} KiB`);
    }
  }
  process.stdout.write(`web: built dist/web in ${Date.now() - started} ms (${examples.length} example tabs): ${sizes.join(', ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`web build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
