import type { ServerResponse } from 'node:http';

/**
 * The policy of everything that is not one of the pages: JSON, plain text, the 404. Nothing in
 * it may load, run or frame anything; a page sets its own policy over this one (web-pages.ts, the
 * accept page).
 */
const noContentPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Headers on every answer the HTTP server gives, set before anything else runs, so that a refusal,
 * an error or a 404 carries them like a page (docs/decisions.md 87). No HSTS: whether the server
 * is reached over TLS is the proxy's to say, and an HSTS header cannot be taken back for its
 * lifetime.
 */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', noContentPolicy);
  res.setHeader('x-content-type-options', 'nosniff');
  // Addresses may carry secrets (?token= of the dashboard and of an invitation link).
  res.setHeader('referrer-policy', 'no-referrer');
  // frame-ancestors for the browsers that predate it.
  res.setHeader('x-frame-options', 'DENY');
}
