import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import accepts from 'accepts';
import type { Caller } from '../auth/caller';
import type { Context } from '../common/context';
import { ErrorCode } from '../common/errors';
import type { Logger } from '../logger';
import { requestNote } from './access-log';
import type { OriginPolicy } from './cors';
import { bodyErrorResponse } from './errors';
import { send, sendJson, vary } from './http-answer';
import { httpAuthentication, type HttpAuthenticationSteps } from './http-authentication';
import { callerKey, spendRequest, type RateBudget } from './limits';
import { noteContext } from './operation-metrics';
import { readJsonBody } from './request-body';
import { setSecurityHeaders } from './security-headers';

export interface GraphqlOverHttpOptions {
  readonly apollo: ApolloServer<Context>;
  readonly origins: OriginPolicy;
  readonly authentication: HttpAuthenticationSteps;
  /** RATE_LIMIT_PER_MINUTE's budget; undefined: no limit. */
  readonly requests: RateBudget | undefined;
  readonly maxBodyBytes: number;
  /** Whether a browser opening /graphql is sent to /graphiql (where introspection is on). */
  readonly graphiql: boolean;
  newContext(requestId: string, caller: Caller, cache: boolean): Context;
  readonly logger: Logger;
}

/**
 * GraphQL over HTTP at /graphql, on node's own request and response (decision 116): the security
 * headers, CORS, authentication, the rate limit, the body, Apollo's `executeHTTPGraphQLRequest`,
 * compression — in the order, and with the answers, that the Express middleware gave them. Express
 * cost a small read about a sixth of its server CPU (its router, body-parser, the ETag of every
 * answer, its response helpers: bench/ANALYSIS.md); it still serves everything else (the pages,
 * SCIM, the probes), whose answers are not on a hot path.
 */
export function graphqlOverHttp(options: GraphqlOverHttpOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { apollo, origins, authentication, requests, maxBodyBytes, newContext, logger } = options;
  return async (req, res) => {
    try {
      setSecurityHeaders(res);
      if (origins.answers(req, res)) return;
      if (options.graphiql && wantsPage(req)) {
        res.statusCode = 302;
        res.setHeader('location', '/graphiql');
        res.end();
        return;
      }
      // Who is asking first: the rate limit spends the caller's budget, not the header's.
      const { caller, address } = await authentication.identify(req, res);
      if (requests && !(await spendRequest(requests, callerKey(caller, address), res))) return;
      if (authentication.refuse(res)) return;
      const read = await readJsonBody(req, maxBodyBytes);
      if ('error' in read) {
        const { status, body } = bodyErrorResponse(read.error);
        sendJson(res, status, body);
        return;
      }
      const answer = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: httpRequest(req, read.body),
        context: async () => {
          const { requestId } = httpAuthentication(res);
          return noteContext(newContext(requestId, caller, true), requestNote(res));
        },
      });
      for (const [name, value] of answer.headers) res.setHeader(name, value);
      res.statusCode = answer.status ?? 200;
      if (answer.body.kind === 'complete') {
        await sendComplete(req, res, answer.body.string);
        return;
      }
      // Incremental delivery: never compressed, a compressor would hold parts back.
      for await (const chunk of answer.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      logger.error('unexpected HTTP error', { error: String(error) });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
    }
  };
}

/** Whether a request is for /graphql (any case, or below it, as Express' mount matched). */
export function isGraphqlPath(url: string | undefined): boolean {
  if (url === undefined) return false;
  const end = url.indexOf('?');
  const path = (end === -1 ? url : url.slice(0, end)).toLowerCase();
  return path === '/graphql' || path.startsWith('/graphql/');
}

/** A browser opening /graphql (it prefers HTML and asks no query) is shown the playground. */
function wantsPage(req: IncomingMessage): boolean {
  if (req.method !== 'GET' || new URLSearchParams(searchOf(req.url)).has('query')) return false;
  return accepts(req).type(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

function httpRequest(req: IncomingMessage, body: unknown): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return { method: (req.method ?? 'GET').toUpperCase(), headers, search: searchOf(req.url), body };
}

function searchOf(url: string | undefined): string {
  const start = url?.indexOf('?') ?? -1;
  return start === -1 ? '' : url!.slice(start);
}

/**
 * Below this an answer fits a packet or two either way and compressing it buys nothing
 * (docs/decisions.md 86); above it, brotli or gzip as the client prefers (brotli on a tie), brotli
 * at a moderate quality: its top quality costs many times the CPU for a few bytes less.
 */
const compressionThreshold = 1024;
const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);
const brotliOptions = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } };

async function sendComplete(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const contentType = String(res.getHeader('content-type') ?? 'application/json; charset=utf-8');
  vary(res, 'Accept-Encoding');
  if (body.length < compressionThreshold || req.method === 'HEAD') {
    send(res, res.statusCode, contentType, body);
    return;
  }
  const encoding = compressionFor(req.headers['accept-encoding']);
  if (encoding === undefined) {
    send(res, res.statusCode, contentType, body);
    return;
  }
  const compressed = encoding === 'br' ? await brotli(body, brotliOptions) : await gzipped(body);
  res.setHeader('content-encoding', encoding);
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', compressed.length);
  res.end(compressed);
}

/** brotli or gzip, whichever Accept-Encoding weighs more (brotli on a tie); undefined: neither (RFC 9110 12.5.3). */
export function compressionFor(header: string | undefined): 'br' | 'gzip' | undefined {
  if (!header) return undefined;
  let br: number | undefined;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of header.split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const weight = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    const q = weight === undefined ? 1 : Number(weight.slice(2));
    if (!(q >= 0 && q <= 1)) continue;
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gzip = q;
    else if (name === '*') any = q;
  }
  const brWeight = br ?? any ?? 0;
  const gzipWeight = gzip ?? any ?? 0;
  if (brWeight === 0 && gzipWeight === 0) return undefined;
  return brWeight >= gzipWeight ? 'br' : 'gzip';
}
