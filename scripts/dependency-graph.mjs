/**
 * `npm run deps:graph`: the picture of the service graph in the README's architecture section —
 * the services, the module of membership writes they share, the composition root and the edges —
 * drawn by dependency-cruiser from the imports (Mermaid, which GitHub renders), between the
 * README's `dependency-graph` markers. `--check` only says whether the README's is current
 * (test/integration/dependency-graph.test.ts runs it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = path.join(root, 'README.md');
const begin = '<!-- dependency-graph: written by npm run deps:graph -->';
const end = '<!-- /dependency-graph -->';
const shown = '(\\.service|membership\\.writes|app/services|app/app|auth/authenticator|schema/build|server/(http|websocket))\\.ts$';

export function graph() {
  const mermaid = execFileSync(
    path.join(root, 'node_modules/.bin/depcruise'),
    ['src', '--config', '.dependency-cruiser.cjs', '--include-only', shown, '--output-type', 'mermaid'],
    { cwd: root, encoding: 'utf8' },
  );
  return `${begin}\n\`\`\`mermaid\n${mermaid.trim()}\n\`\`\`\n${end}`;
}

export function withGraph(text, drawn) {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`README.md has no ${begin} … ${end} section.`);
  return text.slice(0, from) + drawn + text.slice(to + end.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = readFileSync(readme, 'utf8');
  const next = withGraph(text, graph());
  if (process.argv.includes('--check')) {
    if (next !== text) {
      process.stderr.write('The README’s dependency graph is stale: run `npm run deps:graph`.\n');
      process.exit(1);
    }
  } else {
    writeFileSync(readme, next);
    process.stdout.write('wrote the dependency graph into README.md\n');
  }
}
