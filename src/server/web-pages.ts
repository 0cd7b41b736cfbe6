import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response, type NextFunction } from 'express';

/**
 * The browser pages, bundled at build time into dist/web/ (scripts/build-web.ts): /graphiql, served
 * where introspection is on (it needs the schema), /dashboard and /console, always (they show only
 * what their token may read and offer only what it may do). (A browser asking /graphql for HTML is sent to /graphiql: src/server/graphql-http.ts.)
 */
export function webPages(options: { graphiql: boolean; root?: string }): express.Router {
  const root = options.root ?? webRoot();
  const router = express.Router();
  if (options.graphiql) page(router, root, 'graphiql');
  page(router, root, 'dashboard');
  page(router, root, 'console');
  return router;
}

/** dist/web of this package, whether the server runs compiled (dist/src/server) or from source (tests). */
export function webRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${__dirname}.`);
    dir = parent;
  }
  return path.join(dir, 'dist', 'web');
}

/**
 * The pages load nothing but their own files; the policy says so to the browser too. Monaco and
 * React set inline styles, hence 'unsafe-inline' for styles only. The token may be in the address
 * (?token=): no Referer carries it anywhere.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** The pages' own policy over the one every answer has (src/server/security-headers.ts: nosniff, no referrer, no framing). */
function headers(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'content-security-policy': contentSecurityPolicy,
    // The page is revalidated (ETag) every time: it names the build's files, which may change.
    'cache-control': 'no-cache',
  });
  next();
}

/**
 * The build names every file but index.html after its contents (`graphiql-<hash>.js`,
 * scripts/build-web.ts): a new build is a new name, so the browser keeps such a file for good and
 * never asks again. Anything else is revalidated, as the page is.
 */
const contentNamed = /-[A-Z0-9]{8}\.\w+$/;
const immutable = 'public, max-age=31536000, immutable';

function assetCaching(res: Response, file: string): void {
  res.setHeader('cache-control', contentNamed.test(path.basename(file)) ? immutable : 'no-cache');
}

function page(router: express.Router, root: string, name: string): void {
  const dir = path.join(root, name);
  const index = path.join(dir, 'index.html');
  router.get([`/${name}`, `/${name}/`], headers, (_req, res) => {
    if (existsSync(index)) res.sendFile(index);
    else res.status(503).type('text/plain').send(`The ${name} page is not built: run \`npm run build\` (it bundles the browser pages into dist/web).\n`);
  });
  router.use(`/${name}`, headers, express.static(dir, { index: false, redirect: false, cacheControl: false, setHeaders: assetCaching }));
}
