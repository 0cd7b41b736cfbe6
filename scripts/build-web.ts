/**
 * Bundles the browser pages into dist/web/ with esbuild; scripts/build.mjs runs it when one of its
 * sources changed. Everything a page needs — scripts, styles, fonts, Monaco's workers — is written
 * next to its index.html: nothing comes from a CDN.
 *
 *   dist/web/graphiql/   GraphiQL (React, Monaco), the README's examples as tabs
 *   dist/web/dashboard/  the live membership dashboard (plain TypeScript and DOM)
 *   dist/web/console/    the admin console (Preact, urql with graphcache)
 *
 * Every file but index.html is named after its contents (`graphiql-<hash>.js`), so the server lets
 * browsers keep it for a year without asking again (src/server/web-pages.ts), and index.html, which
 * is always revalidated, names the build's files (docs/decisions.md 89).
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { buildSchema, isEnumType, isObjectType } from 'graphql';
import { readmeExamples } from './readme-examples';

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist/web');
// Built aside, then swapped in whole: a server running meanwhile serves one build or the other.
const staging = `${out}.next`;

const common: BuildOptions = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  target: ['chrome120', 'firefox120', 'safari17'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  // src/server/web-pages.ts recognises this shape as immutable.
  entryNames: '[name]-[hash]',
  metafile: true,
  // Fonts and images referenced from CSS are inlined: one file fewer to serve, none to forget.
  loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
};

/** `graphiql.js` → `graphiql-<hash>.js`: the files a build wrote, by the names the sources use. */
function namesOf(metafile: Metafile): Map<string, string> {
  const names = new Map<string, string>();
  for (const output of Object.keys(metafile.outputs)) {
    const file = path.basename(output);
    names.set(file.replace(/-[A-Z0-9]{8}(\.\w+)$/, '$1'), file);
  }
  return names;
}

/** A page's index.html with its references (`/graphiql/graphiql.js`) to the hashed files; one to a file the build did not make fails it. */
async function writePage(page: string, names: Map<string, string>): Promise<void> {
  const template = await readFile(path.join(root, 'web', page, 'index.html'), 'utf8');
  const html = template.replace(new RegExp(`(src|href)="/${page}/([^"]+)"`, 'g'), (_whole, attribute: string, file: string) => {
    const hashed = names.get(file);
    if (!hashed) throw new Error(`web/${page}/index.html refers to /${page}/${file}, which the build does not make.`);
    return `${attribute}="/${page}/${hashed}"`;
  });
  await writeFile(path.join(staging, page, 'index.html'), html);
}

const pages = ['graphiql', 'dashboard', 'console'];

/**
 * What the console needs of the schema (web/console/schema-facts.ts): the object types with no `id`
 * (its cache stores them inside their parent), each interface's object types, the event types.
 */
function schemaFacts(sdl: string): { embedded: string[]; possibleTypes: Record<string, string[]>; eventTypes: string[] } {
  const schema = buildSchema(sdl);
  const eventType = schema.getType('RealmEventType');
  if (!isEnumType(eventType)) throw new Error('schema/schema.graphql has no enum RealmEventType, which the console filters events by.');
  const embedded: string[] = [];
  const possibleTypes: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    if (!type.getFields().id && ![schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type)) embedded.push(type.name);
    for (const face of type.getInterfaces()) (possibleTypes[face.name] ??= []).push(type.name);
  }
  return { embedded: embedded.sort(), possibleTypes, eventTypes: eventType.getValues().map((value) => value.name) };
}

async function main(): Promise<void> {
  const started = Date.now();
  await rm(staging, { recursive: true, force: true });
  const examples = readmeExamples(await readFile(path.join(root, 'README.md'), 'utf8'));

  const graphiql = async () => {
    // Monaco's workers first, one classic-script bundle each: the page needs their hashed names.
    const workers = await build({
      ...common,
      entryPoints: {
        'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
        'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
        'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js'),
      },
      outdir: path.join(staging, 'graphiql'),
      format: 'iife',
    });
    const workerNames = namesOf(workers.metafile!);
    const worker = (name: string) => {
      const file = workerNames.get(name);
      if (!file) throw new Error(`the ${name} bundle is missing from esbuild's output.`);
      return file;
    };
    const page = await build({
      ...common,
      entryPoints: { graphiql: path.join(root, 'web/graphiql/main.tsx') },
      outdir: path.join(staging, 'graphiql'),
      format: 'esm',
      jsx: 'automatic',
      define: {
        ...common.define,
        README_EXAMPLES: JSON.stringify(examples),
        MONACO_WORKERS: JSON.stringify({
          editor: worker('editor.worker.js'),
          json: worker('json.worker.js'),
          graphql: worker('graphql.worker.js'),
        }),
      },
    });
    await writePage('graphiql', new Map([...workerNames, ...namesOf(page.metafile!)]));
  };
  const dashboard = async () => {
    const page = await build({
      ...common,
      entryPoints: { dashboard: path.join(root, 'web/dashboard/main.ts') },
      outdir: path.join(staging, 'dashboard'),
      format: 'esm',
    });
    await writePage('dashboard', namesOf(page.metafile!));
  };
  const adminConsole = async () => {
    const page = await build({
      ...common,
      entryPoints: { console: path.join(root, 'web/console/main.tsx') },
      outdir: path.join(staging, 'console'),
      format: 'esm',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      define: { ...common.define, CONSOLE_SCHEMA: JSON.stringify(schemaFacts(await readFile(path.join(root, 'schema/schema.graphql'), 'utf8'))) },
    });
    await writePage('console', namesOf(page.metafile!));
  };
  for (const page of pages) await mkdir(path.join(staging, page), { recursive: true });
  await Promise.all([graphiql(), dashboard(), adminConsole()]);

  await rm(`${out}.old`, { recursive: true, force: true });
  await rename(out, `${out}.old`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(staging, out);
  await rm(`${out}.old`, { recursive: true, force: true });

  const sizes: string[] = [];
  for (const page of pages) {
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
