/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time by where the code lives, so that RESULTS.md
 * can say what the server spends a nested read on.
 */
import { readFileSync } from 'node:fs';

const buckets = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)' || f.functionName === '(program)'],
  ['graphql-js', (f) => /node_modules\/graphql\//.test(f.url)],
  ['Apollo Server', (f) => /node_modules\/@apollo\//.test(f.url)],
  ['type-graphql', (f) => /node_modules\/type-graphql\//.test(f.url)],
  ['pg / pg-protocol', (f) => /node_modules\/pg(-[a-z]+)?\//.test(f.url)],
  ['TypeORM', (f) => /node_modules\/typeorm\//.test(f.url)],
  ['DataLoader', (f) => /node_modules\/dataloader\//.test(f.url)],
  ['express / body parsing', (f) => /node_modules\/(express|body-parser|raw-body|router|iconv-lite)\//.test(f.url)],
  ['realmgraph (dist/src)', (f) => /\/dist\/src\//.test(f.url)],
  ['other node_modules', (f) => /node_modules\//.test(f.url)],
  ['Node.js internals and natives (JSON, streams, …)', () => true],
];

/** `skipMs`: the samples of the first milliseconds (start-up, warm-up) are left out. */
export function summarizeProfile(file, skipMs = 0) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    elapsed += profile.timeDeltas[i] ?? 0;
    if (elapsed < skipMs * 1000) continue;
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totals = new Map();
  const functions = new Map();
  let busy = 0;
  for (const [id, micros] of self) {
    const frame = byId.get(id).callFrame;
    const [bucket] = buckets.find(([, test]) => test(frame));
    totals.set(bucket, (totals.get(bucket) ?? 0) + micros);
    if (bucket !== 'idle') {
      busy += micros;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${frame.lineNumber + 1}`;
      functions.set(key, (functions.get(key) ?? 0) + micros);
    }
  }
  const share = (micros) => Number(((100 * micros) / busy).toFixed(1));
  return {
    busyMs: Math.round(busy / 1000),
    buckets: [...totals].filter(([name]) => name !== 'idle').sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, percent: share(micros) })),
    top: [...functions].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, micros]) => ({ name, percent: share(micros) })),
  };
}
