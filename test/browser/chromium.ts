import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Browser tests drive Debian's Chromium (apt-get install chromium) through playwright-core: npm's
 * own browser downloads do not work here. Where it is missing they never pass silently: on a
 * developer's machine they are reported as skipped, with a banner saying how to install it (so that
 * `npm install && npm test` passes on a fresh machine, as promised); in CI (`CI` set), where
 * .ci/run installs it, a missing Chromium FAILS them. SKIP_BROWSER_TESTS=1 skips them anywhere.
 */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const skipReason =
  process.env.SKIP_BROWSER_TESTS === '1'
    ? 'SKIP_BROWSER_TESTS=1'
    : !existsSync(chromiumPath) && !process.env.CI
      ? `there is no Chromium at ${chromiumPath}; install it with \`sudo apt-get install -y --no-install-recommends chromium\` (or set CHROMIUM_PATH)`
      : undefined;

/** Whether the browser tests are skipped here (they are then reported as skipped, with the reason). */
export const skipBrowser = skipReason !== undefined;

if (skipReason) process.stderr.write(`\n  BROWSER TESTS SKIPPED (test/browser): ${skipReason}.\n\n`);

/** `describe`, or `describe.skip` where the browser tests cannot or should not run. */
export const describeInBrowser: jest.Describe = skipBrowser ? describe.skip : describe;

const builtPages = path.join(__dirname, '../../dist/web');

/**
 * Headless Chromium with a fresh profile (playwright gives every launch its own temporary
 * --user-data-dir) and nothing in the background that could call out: no component updates, no
 * sync, no first-run pages.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The browser tests need Chromium at ${chromiumPath} and it is not there. Install Debian's package:\n` +
        `    sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium\n` +
        `or point CHROMIUM_PATH at a Chromium binary. To skip these tests (they are then reported as skipped), set SKIP_BROWSER_TESTS=1.`,
    );
  }
  if (['graphiql', 'dashboard', 'console'].some((page) => !existsSync(path.join(builtPages, page, 'index.html')))) {
    throw new Error('The browser pages are not built (dist/web): run `npm run build` first (`npm test` does).');
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

export interface Watched {
  readonly page: Page;
  /** Every URL the page (and its workers) asked for, WebSockets included. */
  readonly requests: string[];
  /** Uncaught exceptions and console errors: a CSP violation shows up here. */
  readonly errors: string[];
}

/** A page whose requests and errors are recorded; anything not on this machine is refused too. */
export async function watchedPage(context: BrowserContext): Promise<Watched> {
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await context.route(
    (url) => !isLocal(url.href),
    (route) => route.abort('blockedbyclient'),
  );
  const page = await context.newPage();
  page.on('websocket', (socket) => requests.push(socket.url()));
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return { page, requests, errors };
}

/** This machine's loopback, or a resource the page made itself. */
export function isLocal(url: string): boolean {
  return /^(https?|wss?):\/\/127\.0\.0\.1(:\d+)?\//.test(url) || url.startsWith('data:') || url.startsWith('blob:');
}
