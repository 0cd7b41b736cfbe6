import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';

/** Why a body was not read: too large (with the size the client declared, when it did), or not JSON. */
export type BodyError = { type: 'entity.too.large'; limit: number; length?: number } | { type: 'entity.parse.failed' };

/**
 * The JSON body of a request to /graphql, as Express' `json()` read it before (decision 116): no
 * body, or one that is not `application/json`, is `undefined` (Apollo then answers a POST without a
 * JSON body with 400, as a possible forgery); an empty one is `{}`; otherwise an object or array
 * in UTF-8, at most `limit` bytes after any Content-Encoding is undone. A body refused is still
 * read to its end, so that the client, still sending, receives the answer instead of a reset.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<{ body: unknown } | { error: BodyError }> {
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return { body: undefined };
  if (!isJson(req.headers['content-type'])) return { body: undefined };
  const length = declared === undefined ? undefined : Number(declared);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' && length !== undefined && length > limit) {
    await drain(req);
    return { error: { type: 'entity.too.large', limit, length } };
  }
  const stream = decoded(req, encoding);
  if (!stream) {
    await drain(req);
    return { error: { type: 'entity.parse.failed' } };
  }
  const text = await readText(req, stream, limit);
  return typeof text === 'string' ? parseJson(text) : { error: text };
}

/** The decoded body as UTF-8 text, unless it is larger than `limit` or cannot be decoded. */
function readText(req: IncomingMessage, stream: Readable, limit: number): Promise<string | BodyError> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = (error: BodyError) => {
      if (refused) return;
      refused = true;
      chunks.length = 0;
      if (stream !== req) stream.destroy();
      void drain(req).then(() => resolve(error));
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) return;
      if (size > limit) refuse({ type: 'entity.too.large', limit });
      else chunks.push(chunk);
    });
    stream.once('error', () => refuse({ type: 'entity.parse.failed' }));
    stream.once('end', () => refused || resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8')));
  });
}

/** `application/json`, in UTF-8 (what GraphQL over HTTP sends); a parameter other than the charset is ignored. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...parameters] = contentType.split(';');
  if (type.trim().toLowerCase() !== 'application/json') return false;
  return parameters.every((parameter) => {
    const [name, value] = parameter.split('=').map((part) => part.trim().toLowerCase());
    return name !== 'charset' || value === 'utf-8' || value === 'utf8' || value === '"utf-8"';
  });
}

function parseJson(text: string): { body: unknown } | { error: BodyError } {
  const trimmed = text.trimStart();
  if (trimmed === '') return { body: {} };
  // As Express' strict parser: a document is an object or an array, never a bare value.
  if (trimmed[0] !== '{' && trimmed[0] !== '[') return { error: { type: 'entity.parse.failed' } };
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { error: { type: 'entity.parse.failed' } };
  }
}

function decoded(req: IncomingMessage, encoding: string): Readable | undefined {
  switch (encoding) {
    case 'identity':
      return req;
    case 'gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      return undefined;
  }
}

/** Reads what is left of the request, discarding it. */
function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
}
