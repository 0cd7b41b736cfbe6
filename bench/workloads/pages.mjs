/**
 * W13 (issue #18): what the browser pages weigh and how soon a person can use them — /console,
 * with /dashboard and /graphiql beside it — in Debian's headless Chromium (playwright-core) on
 * loopback, against a realmgraph instance of this workload's own on the bench database (the
 * realm of W1's data: its identities list is the whole realm's).
 *
 * - Weight: every file a page loads (not the API's answers), fetched here with `Accept-Encoding`
 *   identity, gzip and br, counting the bytes of the body as the server sends them (its compression
 *   middleware, src/server/compression.ts); and what Chromium received on the wire (status lines,
 *   headers, bodies as encoded — Chromium asks for brotli), counted by a relay between it and the
 *   server, for the files and for the API's answers (HTTP and the graphql-ws frames), until
 *   nothing has moved for a second.
 * - Time to interactive: from the start of the navigation (the document's time origin) until the
 *   page shows what a person came for, seen by a MutationObserver installed before the page's own
 *   scripts: /console — the "Identities" table holds its first identity (a row with a link to it);
 *   /dashboard — the groups table holds its first group; /graphiql — the operation editor shows
 *   its first tab's document. Cold: a new browser context each load (empty cache, the token given in
 *   the address); warm: one context loading the page again and again (the build's content-named
 *   files from the cache, index.html revalidated, the token from localStorage), after two loads
 *   that are not counted. Medians over the loads, with their least and greatest.
 *
 * The instance runs as the others (NODE_ENV=production) but with INTROSPECTION=true: /graphiql is
 * served only where introspection is on.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { median } from '../lib/load.mjs';
import { productServer } from '../lib/peers.mjs';

const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
const readyTimeoutMs = 60_000;

/**
 * Runs in the page before its own scripts (an init script: the pages' CSP forbids eval, so the
 * checks are this function's own code, chosen by `kind`). Sets window.__readyAt to
 * performance.now() — milliseconds since the navigation started — the first time the check holds.
 */
function installProbe(kind) {
  const nameOf = (element) => {
    const label = element.getAttribute('aria-label');
    if (label) return label.trim();
    const labelledBy = element.getAttribute('aria-labelledby');
    if (labelledBy)
      return labelledBy
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' ')
        .trim();
    return element.querySelector('caption')?.textContent?.trim() ?? '';
  };
  const checks = {
    console: () => [...document.querySelectorAll('table, [role="table"]')].some((table) => nameOf(table) === 'Identities' && table.querySelector('td a[href], [role="cell"] a[href]') !== null),
    dashboard: () => document.querySelector('#groups tr[data-group-id]') !== null,
    graphiql: () => (document.querySelector('.graphiql-query-editor .view-lines')?.textContent ?? '').trim().length > 0,
  };
  const check = checks[kind];
  const observer = new MutationObserver(() => {
    if (window.__readyAt === undefined && check()) {
      window.__readyAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

/** One GET of a file as the server sends it with this Accept-Encoding: the bytes of its body on the wire. */
function wireBytes(url, encoding) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { 'accept-encoding': encoding } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode, bytes, encoding: response.headers['content-encoding'] ?? 'identity' }));
      response.on('error', reject);
    });
    request.setTimeout(30_000, () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/**
 * A TCP relay between Chromium and the server on loopback that counts the bytes the server sends,
 * answer by answer: what went over the wire (status line, headers, the body as encoded, chunk
 * framing), the graphql-ws frames included. Chromium sends one request at a time on a connection
 * (HTTP/1.1, no pipelining), so the bytes that come back after a request, until the next one,
 * are its answer's. (The DevTools protocol of the page does not see what its workers fetch:
 * GraphiQL's Monaco workers would be left out.)
 */
async function countingRelay(targetPort) {
  let answers = [];
  let lastActivity = performance.now();
  const sockets = new Set();
  const relay = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    let pending = Buffer.alloc(0);
    let bodyLeft = 0;
    let upgraded = false;
    let current;
    // The requests on this connection, read from what the browser sends: request line, headers, a body of content-length.
    const read = (chunk) => {
      if (upgraded) return;
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (bodyLeft > 0) {
          const skipped = Math.min(bodyLeft, pending.length);
          pending = pending.subarray(skipped);
          bodyLeft -= skipped;
          if (bodyLeft > 0) return;
        }
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [line, ...headerLines] = pending.subarray(0, end).toString('latin1').split('\r\n');
        pending = pending.subarray(end + 4);
        const headers = Object.fromEntries(headerLines.map((h) => [h.slice(0, h.indexOf(':')).trim().toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
        const [method, target] = line.split(' ');
        current = { method, path: target, bytes: 0, status: undefined, websocket: /websocket/i.test(headers.upgrade ?? '') };
        answers.push(current);
        bodyLeft = Number(headers['content-length'] ?? 0);
        if (current.websocket) {
          upgraded = true;
          return;
        }
      }
    };
    client.on('data', (chunk) => {
      lastActivity = performance.now();
      read(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      lastActivity = performance.now();
      if (current) {
        if (current.status === undefined) current.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1', 0, 16))?.[1]);
        current.bytes += chunk.length;
      }
      client.write(chunk);
    });
  });
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: (path) => `http://127.0.0.1:${relay.address().port}${path}`,
    /** A new load: answers from now on are counted afresh (a connection's earlier answers stay with the earlier load). */
    reset() {
      answers = [];
      lastActivity = performance.now();
    },
    /**
     * Until nothing has moved either way for `quietMs` (at most `limitMs`): what the page fetches after
     * it is ready (workers, the schema) is counted too. (Playwright's 'networkidle' fires once per
     * navigation, possibly before the page's script has asked for more.)
     */
    async quiet(quietMs = 1000, limitMs = 30_000) {
      const until = performance.now() + limitMs;
      while (performance.now() < until && performance.now() - lastActivity < quietMs) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    summary() {
      const isApi = (answer) => answer.websocket || answer.path.split('?')[0] === '/graphql';
      const sum = (list) => list.reduce((total, answer) => total + answer.bytes, 0);
      const files = answers.filter((answer) => !isApi(answer));
      const api = answers.filter(isApi);
      return {
        fileRequests: files.length,
        fileBytes: sum(files),
        fileStatuses: [...new Set(files.map((answer) => answer.status))],
        apiRequests: api.length,
        apiBytes: sum(api),
        filePaths: files.filter((answer) => answer.method === 'GET').map((answer) => answer.path.split('?')[0]),
      };
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => relay.close(() => resolve()));
    },
  };
}

/** One load of `url` in `page`: time to the page's ready moment, the navigation's own timings, what went over the wire. */
async function load(page, recorder, url) {
  recorder.reset();
  const response = await page.goto(url, { waitUntil: 'commit', timeout: readyTimeoutMs });
  if (![200, 304].includes(response?.status())) throw new Error(`GET ${new URL(url).pathname}: HTTP ${response?.status() ?? 'no answer'}`);
  const ready = await page.waitForFunction(() => window.__readyAt, null, { timeout: readyTimeoutMs, polling: 100 }).then((handle) => handle.jsonValue());
  // The rest of what the page asks for (workers, fonts, the schema): counted until the network is quiet.
  await recorder.quiet();
  const timings = await page.evaluate(() => {
    const navigation = performance.getEntriesByType('navigation')[0];
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return { domContentLoaded: navigation?.domContentLoadedEventEnd ?? null, load: navigation?.loadEventEnd ?? null, firstContentfulPaint: paint?.startTime ?? null };
  });
  return { readyMs: ready, ...timings, ...recorder.summary() };
}

const spread = (values) => ({ p50: median(values), min: Math.min(...values), max: Math.max(...values) });

function summarize(loads) {
  const pick = (key) => spread(loads.map((l) => l[key]).filter((v) => v !== null && v !== undefined));
  return {
    loads: loads.length,
    readyMs: pick('readyMs'),
    firstContentfulPaintMs: pick('firstContentfulPaint'),
    domContentLoadedMs: pick('domContentLoaded'),
    fileBytes: median(loads.map((l) => l.fileBytes)),
    fileRequests: median(loads.map((l) => l.fileRequests)),
    fileStatuses: [...new Set(loads.flatMap((l) => l.fileStatuses))].sort(),
    apiBytes: median(loads.map((l) => l.apiBytes)),
    apiRequests: median(loads.map((l) => l.apiRequests)),
  };
}

export async function pagesWorkload(ctx) {
  if (!chromiumPath) throw new Error('no Chromium (set CHROMIUM_PATH, or apt-get install chromium)');
  const { chromium } = await import('playwright-core');
  const server = await productServer(ctx.root, { databaseUrl: ctx.databaseUrl, adminToken: ctx.token, env: { INTROSPECTION: 'true' } });
  const relay = await countingRelay(server.port);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  try {
    const answer = await fetch(server.url('/graphql'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
      body: JSON.stringify({ query: 'query($name: String!) { realm(name: $name) { id } }', variables: { name: ctx.realmName } }),
    }).then((response) => response.json());
    const realmId = answer.data?.realm?.id;
    if (!realmId) throw new Error(`the bench realm: ${JSON.stringify(answer).slice(0, 300)}`);
    const token = encodeURIComponent(ctx.token);
    const pages = [
      { page: 'console', ready: 'the "Identities" table shows its first identity', cold: `/console?realm=${ctx.realmName}&token=${token}`, warm: `/console?realm=${ctx.realmName}` },
      {
        page: 'dashboard',
        ready: 'the groups table shows its first group',
        cold: `/dashboard?realm=${encodeURIComponent(realmId)}&token=${token}`,
        warm: `/dashboard?realm=${encodeURIComponent(realmId)}`,
        shown: '/dashboard?realm=<the bench realm’s ID>',
      },
      { page: 'graphiql', ready: 'the operation editor shows its first tab', cold: `/graphiql`, warm: `/graphiql` },
    ];
    const count = ctx.profile.pageLoads ?? 5;
    const out = [];
    for (const spec of pages) {
      try {
        out.push(await measurePage(ctx, browser, server, relay, spec, count));
      } catch (error) {
        // One page that cannot be measured (not built, not served, never ready) does not take the others with it.
        ctx.log(`  W13 /${spec.page} failed: ${error.message.split('\n')[0]}`);
        out.push({ page: spec.page, path: spec.shown ?? spec.warm, ready: spec.ready, error: error.message.split('\n')[0] });
      }
    }
    if (out.every((p) => p.error)) throw new Error(`no page could be measured: ${out.map((p) => `/${p.page}: ${p.error}`).join('; ')}`);
    return { loads: count, chromium: browser.version(), pages: out };
  } finally {
    await browser.close();
    await relay.close();
    await server.stop();
  }
}

/** One page: its cold loads, its warm loads, its files' weight. */
async function measurePage(ctx, browser, server, relay, spec, count) {
  const cold = [];
  for (let i = 0; i < count; i++) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    try {
      await context.addInitScript(installProbe, spec.page);
      const page = await context.newPage();
      cold.push(await load(page, relay, relay.url(spec.cold)));
    } finally {
      await context.close();
    }
  }
  const warm = [];
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    await context.addInitScript(installProbe, spec.page);
    const page = await context.newPage();
    // Not counted: the first fills the cache and stores the token; the second caches the page at its address without the token.
    await load(page, relay, relay.url(spec.cold));
    await load(page, relay, relay.url(spec.warm));
    for (let i = 0; i < count; i++) warm.push(await load(page, relay, relay.url(spec.warm)));
  } finally {
    await context.close();
  }

  // The files the cold loads fetched (some, such as a worker, only now and then), each fetched as it is sent with no compression, gzip and brotli.
  const files = [];
  for (const path of new Set(cold.flatMap((l) => l.filePaths))) {
    const sizes = {};
    for (const [key, encoding] of [
      ['identity', 'identity'],
      ['gzip', 'gzip'],
      ['br', 'br'],
    ]) {
      const got = await wireBytes(server.url(path), encoding);
      if (got.status !== 200) throw new Error(`GET ${path}: HTTP ${got.status}`);
      sizes[key] = got.bytes;
      sizes[`${key}Sent`] = got.encoding;
    }
    files.push({ path, ...sizes });
  }
  const total = (key) => files.reduce((sum, file) => sum + file[key], 0);
  const result = {
    page: spec.page,
    path: spec.shown ?? spec.warm,
    ready: spec.ready,
    files,
    weight: { files: files.length, identity: total('identity'), gzip: total('gzip'), br: total('br') },
    cold: summarize(cold),
    warm: summarize(warm),
  };
  ctx.log(
    `  W13 /${spec.page}: ${files.length} files, ${(result.weight.identity / 1024).toFixed(0)} KiB raw, ${(result.weight.gzip / 1024).toFixed(0)} KiB gzip, ${(result.weight.br / 1024).toFixed(0)} KiB brotli; ` +
      `ready cold p50 ${result.cold.readyMs.p50.toFixed(0)} ms (Chromium received ${(result.cold.fileBytes / 1024).toFixed(0)} KiB of files, ${(result.cold.apiBytes / 1024).toFixed(1)} KiB of data), ` +
      `warm p50 ${result.warm.readyMs.p50.toFixed(0)} ms (${(result.warm.fileBytes / 1024).toFixed(1)} KiB of files in ${result.warm.fileRequests} requests, HTTP ${result.warm.fileStatuses.join('/')})`,
  );
  return result;
}
