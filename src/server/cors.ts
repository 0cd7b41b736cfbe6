import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendText, vary } from './http-answer';

/**
 * Which browser pages may call the API: the server's own, and those of the origins CORS_ORIGINS
 * lists (docs/decisions.md 85). One rule for both transports: over HTTP it decides the CORS
 * headers, on the WebSocket upgrade — which browsers send with an Origin but never preflight —
 * whether the connection opens at all.
 */
export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.listed = new Set(origins);
  }

  /** Whether CORS_ORIGINS names this origin. */
  lists(origin: string): boolean {
    return this.listed.has(origin);
  }

  /**
   * Whether a request may proceed. No Origin: not a browser page, which the token alone decides
   * on. The page's own server — its host is the Host the request was sent to: a browser writes
   * both from the address it opens — or a listed origin.
   */
  admits(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    return origin === undefined || this.lists(origin) || isSameHost(origin, request.headers.host);
  }

  /**
   * The CORS step of /graphql, before authentication and the rate limit: a preflight is answered
   * here and costs nothing, and every answer to a listed origin — a 401, 429 or 503 refusal
   * included — carries the headers that let its page read it. Says whether it answered.
   */
  answers(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    // Caches must not give one origin's answer to another.
    if (this.listed.size > 0) vary(res, 'Origin');
    if (origin === undefined) return false;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!this.lists(origin)) {
      // A page of the server's own never preflights; another origin's is told why, in the
      // network panel where its developer looks (its script cannot read this).
      if (!preflight) return false;
      sendText(res, 403, `${quoted(origin)} may not call this API from a browser: add it to CORS_ORIGINS.\n`);
      return true;
    }
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', exposedHeaders);
    if (!preflight) return false;
    vary(res, 'Access-Control-Request-Headers');
    res.setHeader('access-control-allow-methods', 'GET, POST');
    res.setHeader('access-control-max-age', String(preflightMaxAgeSeconds));
    // The origin is trusted: whatever its client adds (authorization, content-type, Apollo's
    // and tracing headers) is its own business.
    const requested = req.headers['access-control-request-headers'];
    if (requested) res.setHeader('access-control-allow-headers', requested);
    res.statusCode = 204;
    res.end();
    return true;
  }

  /** The refusal of a WebSocket upgrade from a page of an origin not admitted (ws writes it). */
  websocketRefusal(request: IncomingMessage): { status: number; message: string } | undefined {
    if (this.admits(request)) return undefined;
    return {
      status: 403,
      message: `${quoted(request.headers.origin ?? '')} may not open a WebSocket to this API: add it to CORS_ORIGINS.\n`,
    };
  }
}

/** What a page's script may read of an answer beyond the CORS-safelisted headers: when to retry, and what to quote. */
const exposedHeaders = 'Retry-After, X-Request-Id';

/** Chromium's ceiling: a longer value is cut to it. */
const preflightMaxAgeSeconds = 7200;

function isSameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** The Origin as sent, when it looks like one; never a stranger's bytes in an answer. */
function quoted(origin: string): string {
  return /^[\x21-\x7e]{1,200}$/.test(origin) ? `The origin ${origin}` : 'This origin';
}
