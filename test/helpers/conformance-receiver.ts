import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * What the test servers of the webhook suites run with (webhooks-spec.md, "Tests set …"): receivers
 * on 127.0.0.1 allowed, a short retry schedule (three attempts in all), a response timeout above
 * any answer a receiver holds back on purpose (4 s at most), and no rate limit.
 */
export const webhookEnv: Record<string, string> = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_RETRY_DELAYS_MS: '200,400',
  WEBHOOK_TIMEOUT_MS: '5000',
  RATE_LIMIT_PER_MINUTE: '0',
};

/** One request as the receiver got it: the raw bytes the signature covers, and what it answered. */
export interface ReceivedRequest {
  /** Arrival order over the whole receiver, from 0. */
  readonly index: number;
  /** Arrival order among the requests to the same path, from 0. */
  readonly nth: number;
  readonly method: string;
  /** The path (with its query), e.g. `/a`: one receiver serves many endpoints, one per path. */
  readonly path: string;
  /** Lower-cased names; a repeated header's values joined with `, ` (as Node does). */
  readonly headers: Record<string, string>;
  /** The body exactly as it came: what `webhook-signature` signs. */
  readonly body: Buffer;
  /** The body as UTF-8 text. */
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any;
  /** The `webhook-id` header. */
  readonly webhookId: string | undefined;
  /** Date.now() when the whole body had arrived. */
  readonly receivedAt: number;
  /** Date.now() when it stopped being in flight (answered, closed by us, or aborted by the sender). */
  endedAt: number | undefined;
  /** The status answered; undefined while in flight or when the socket was closed instead. */
  status: number | undefined;
  /** How it ended. */
  outcome: 'in-flight' | 'answered' | 'closed' | 'aborted';
}

/** What to do with a request. Everything optional: the default is 200 at once. */
export interface Answer {
  /** HTTP status to answer (default 200). */
  status?: number;
  /** Extra response headers (e.g. `location` for a redirect). */
  headers?: Record<string, string>;
  /** Response body (default empty). */
  body?: string;
  /** Wait this long before answering (or closing). */
  delayMs?: number;
  /** Wait for this before answering (or closing), e.g. until another endpoint has had its events. */
  until?: Promise<unknown>;
  /** Destroy the socket instead of answering: the sender sees a network error. */
  close?: boolean;
}

/** Decides each request's answer; `undefined` means 200. */
export type Responder = (request: ReceivedRequest) => Answer | undefined | void;

/** Two requests in flight at the same time to one endpoint (path), or with the same webhook-id on one endpoint. */
export interface Overlap {
  readonly kind: 'endpoint' | 'webhook-id';
  readonly path: string;
  readonly webhookId?: string;
  /** `index` of the request already in flight, and of the one that arrived meanwhile. */
  readonly first: number;
  readonly second: number;
}

interface Waiter {
  check: () => boolean;
  resolve: () => void;
}

/**
 * A real HTTP server on 127.0.0.1 that webhook endpoints point at (`receiver.url('/a')`). It records
 * every request with its raw body and headers, answers what its responder says (a status, after a
 * delay or a promise, or a closed socket), and records every pair of requests in flight at once to
 * the same path, or with the same webhook-id on the same path. Tests wait on what arrives
 * (`waitFor`), never on time passing.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly overlaps: Overlap[] = [];
  /** Requests in flight now, by path. */
  private readonly inFlight = new Map<string, Set<ReceivedRequest>>();
  private readonly responders = new Map<string, Responder>();
  private readonly perPath = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private port = 0;

  constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.port = (receiver.server.address() as { port: number }).port;
    return receiver;
  }

  /** `http://127.0.0.1:<port>` */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The URL of one endpoint of this receiver. */
  url(path: string): string {
    return `${this.origin}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** Sets how requests to `path` are answered (replacing the previous responder; default 200). */
  respond(path: string, responder: Responder): void {
    this.responders.set(path, responder);
  }

  /** The requests to `path`, in arrival order. */
  at(path: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** The webhook-ids of the requests to `path`, in arrival order. */
  idsAt(path: string): string[] {
    return this.at(path).map((request) => request.webhookId ?? '?');
  }

  /** The requests to `path` answered with a 2xx, in arrival order. */
  deliveredAt(path: string): ReceivedRequest[] {
    return this.at(path).filter((request) => request.status !== undefined && request.status >= 200 && request.status < 300);
  }

  /** Whether every one of `ids` was answered 2xx at `path` at least once. */
  hasDelivered(path: string, ids: readonly string[]): boolean {
    const delivered = new Set(this.deliveredAt(path).map((request) => request.webhookId));
    return ids.every((id) => delivered.has(id));
  }

  /**
   * Resolves once `done` holds (checked now, and after every arrival and every end of a request);
   * rejects after `timeoutMs` saying what had arrived, so that a failure explains itself.
   */
  waitFor(done: () => boolean, what: string, timeoutMs = 40_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: done,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`webhook receiver: still waiting for ${what} after ${timeoutMs} ms; received:\n${this.describe()}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits until `path` has had `count` requests (any answer); returns the first `count`. */
  async waitForRequests(path: string, count: number, timeoutMs?: number): Promise<ReceivedRequest[]> {
    await this.waitFor(() => this.at(path).length >= count, `${count} requests at ${path}`, timeoutMs);
    return this.at(path).slice(0, count);
  }

  /** Waits until each of `ids` was answered 2xx at `path`; returns the 2xx-answered requests. */
  async waitForDelivered(path: string, ids: readonly string[], timeoutMs?: number): Promise<ReceivedRequest[]> {
    await this.waitFor(() => this.hasDelivered(path, ids), `${ids.length} events delivered at ${path}`, timeoutMs);
    return this.deliveredAt(path);
  }

  /** A line per request: for failure messages. */
  describe(path?: string): string {
    return (path === undefined ? this.requests : this.at(path))
      .map((request) => `#${request.index} ${request.method} ${request.path} id=${request.webhookId} → ${request.outcome}${request.status === undefined ? '' : ` ${request.status}`}`)
      .join('\n');
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      const path = request.url ?? '/';
      const nth = this.perPath.get(path) ?? 0;
      this.perPath.set(path, nth + 1);
      const received: ReceivedRequest = {
        index: this.requests.length,
        nth,
        method: request.method ?? '?',
        path,
        headers,
        body,
        text,
        json,
        webhookId: headers['webhook-id'],
        receivedAt: Date.now(),
        endedAt: undefined,
        status: undefined,
        outcome: 'in-flight',
      };
      this.track(received);
      this.requests.push(received);

      let ended = false;
      const end = (outcome: ReceivedRequest['outcome'], status?: number) => {
        if (ended) return;
        ended = true;
        received.outcome = outcome;
        received.status = status;
        received.endedAt = Date.now();
        this.inFlight.get(path)?.delete(received);
        this.notify();
      };
      // The sender gave up (a timeout, or its process died): no longer in flight.
      response.once('close', () => end('aborted'));

      let answer: Answer = {};
      try {
        answer = this.responders.get(path)?.(received) ?? {};
      } catch (error) {
        answer = { status: 599, body: String(error) };
      }
      this.notify();
      const waits: Array<Promise<unknown>> = [];
      if (answer.delayMs) waits.push(new Promise((resolve) => setTimeout(resolve, answer.delayMs)));
      if (answer.until) waits.push(answer.until.catch(() => undefined));
      void Promise.all(waits).then(() => {
        if (ended) return;
        if (answer.close) {
          // Marked ended before the socket goes, so the sender cannot have seen the end first.
          end('closed');
          request.socket.destroy();
          return;
        }
        const status = answer.status ?? 200;
        // Marked ended before the answer is written: the sender cannot send its next request before it has this one's answer.
        end('answered', status);
        response.writeHead(status, { 'content-type': 'text/plain', ...answer.headers });
        response.end(answer.body ?? '');
      });
    });
  }

  /** Records any request in flight to the same path (and with the same webhook-id) when this one arrives. */
  private track(received: ReceivedRequest): void {
    let flying = this.inFlight.get(received.path);
    if (!flying) this.inFlight.set(received.path, (flying = new Set()));
    for (const other of flying) {
      this.overlaps.push({ kind: 'endpoint', path: received.path, first: other.index, second: received.index });
      if (other.webhookId !== undefined && other.webhookId === received.webhookId) {
        this.overlaps.push({ kind: 'webhook-id', path: received.path, webhookId: received.webhookId, first: other.index, second: received.index });
      }
    }
    flying.add(received);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (!waiter.check()) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

/**
 * Whether `secret` (`whsec_…`) verifies the request with the `standardwebhooks` library, exactly as a
 * receiver would: its headers as they came, its raw body. `signature` replaces the
 * `webhook-signature` header (to check one of several signatures on its own). The library also
 * refuses a timestamp more than five minutes from now, so verify soon after receipt.
 */
export function verifies(request: ReceivedRequest, secret: string, signature?: string): boolean {
  const headers = signature === undefined ? request.headers : { ...request.headers, 'webhook-signature': signature };
  try {
    new Webhook(secret).verify(request.body, headers);
    return true;
  } catch {
    return false;
  }
}

/** The signatures of a request's `webhook-signature` header, in order. */
export function signaturesOf(request: ReceivedRequest): string[] {
  return (request.headers['webhook-signature'] ?? '').split(' ').filter(Boolean);
}
