// Scratch: W2's statement sequences (pgcost-lib.mjs) from CLIENTS clients at once (default 8) on W2's
// groups w2-10… (the realm's counter row shared, as in W2): PostgreSQL CPU per write (their backends),
// alternating blocks.
import pg from 'pg';
import { cpuMs } from '../lib/proc.mjs';
const url = 'postgres://postgres@127.0.0.1:5432/realmgraph_bench_quick';
const clientCount = Number(process.env.CLIENTS ?? 8);
const { old, neu, pip, pip2, pip3, setup } = await import('./pgcost-lib.mjs');
const clients = await Promise.all(Array.from({ length: clientCount }, async (_, i) => { const c = new pg.Client({ connectionString: url }); await c.connect(); return setup(c, `w2-${String(10 + i).padStart(2, '0')}`); }));
const totals = { old: [0, 0], pip: [0, 0], pip2: [0, 0], pip3: [0, 0] };
for (let block = 0; block < 4; block++) {
  for (const name of block % 2 ? ['pip3', 'pip2', 'pip', 'old'] : ['old', 'pip', 'pip2', 'pip3']) {
    const fn = { old, neu, pip, pip2, pip3 }[name];
    const t = clients.reduce((s, k) => s + cpuMs(k.pid), 0);
    const started = performance.now();
    await Promise.all(clients.map(async (k) => { for (const id of k.idents.slice(0, 60)) { await fn(k, 'add', id); await fn(k, 'remove', id); } }));
    totals[name][0] += clients.reduce((s, k) => s + cpuMs(k.pid), 0) - t; totals[name][1] += clientCount * 120;
    console.log(name, ((clientCount * 120) / ((performance.now() - started) / 1000)).toFixed(0), 'writes/s');
  }
}
for (const [name, [ms, n]] of Object.entries(totals)) console.log(name, (ms / n).toFixed(3), 'pg CPU-ms per write,', clientCount, 'clients');
for (const k of clients) await k.c.end();
