import compression from 'compression';
import type { RequestHandler } from 'express';

/**
 * Brotli or gzip, as the client prefers (brotli on a tie), for GraphQL answers and the pages
 * (docs/decisions.md 86). Brotli at the package's moderate quality, gzip at zlib's default level:
 * brotli's top quality costs many times the CPU for a few bytes less. Nothing small: below the
 * threshold the answer fits one packet either way and the work buys nothing.
 *
 * Never a stream: a compressor holds bytes back until it has a block, which would stall an
 * incremental-delivery (multipart) or event-stream answer between its parts. The WebSocket upgrade
 * does not pass through Express at all, and its messages are not deflated (ws' default).
 */
export function responseCompression(): RequestHandler {
  return compression({
    threshold: 1024,
    filter: (req, res) => {
      const type = String(res.getHeader('content-type') ?? '');
      if (/^(multipart\/mixed|text\/event-stream)\b/i.test(type)) return false;
      return compression.filter(req, res);
    },
  });
}
