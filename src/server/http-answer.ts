import type { ServerResponse } from 'node:http';

/**
 * An answer written straight to node's response, for the steps in front of /graphql that run
 * without Express (src/server/graphql-http.ts). Content-Length always: a small answer is one write.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text);
}

export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** Adds a field to the Vary header, once. */
export function vary(res: ServerResponse, field: string): void {
  const current = res.getHeader('vary');
  const fields = current === undefined ? [] : String(current).split(',').map((name) => name.trim());
  if (fields.includes('*') || fields.some((name) => name.toLowerCase() === field.toLowerCase())) return;
  res.setHeader('vary', [...fields, field].join(', '));
}
