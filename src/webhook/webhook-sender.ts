import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './url-safety';

/** One POST of a delivery. */
export interface WebhookRequest {
  url: URL;
  /** The address checked for this attempt: the connection goes there and nowhere else. */
  address: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  /** Connection and response together. */
  timeoutMs: number;
}

/** What came of it: the receiver's status code, or why there was none. */
export type WebhookResponse = { status: number } | { error: string };

/** Sends a delivery; replaceable in tests. */
export type WebhookSender = (request: WebhookRequest) => Promise<WebhookResponse>;

/** How much of a receiver's answer is read (and dropped) before the connection is let go. */
const maxResponseBytes = 64 * 1024;

/**
 * A keep-alive agent per origin and checked address, so that consecutive deliveries to an
 * endpoint reuse their connection; its `lookup` answers the checked address whatever DNS says now,
 * so the connection is pinned to the address the SSRF check passed (no second resolution for a
 * rebinding DNS server to answer differently). TLS still verifies the certificate against the
 * URL's host name (servername is the host, not the address).
 */
class PinnedAgents {
  private readonly agents = new Map<string, http.Agent>();

  get(url: URL, address: ResolvedAddress): http.Agent {
    const key = `${url.protocol}//${url.host} ${address.address}`;
    let agent = this.agents.get(key);
    if (!agent) {
      if (this.agents.size >= 1000) this.clear();
      const pinned: LookupFunction = (_hostname, options, callback) => {
        if (options.all) (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, [address]);
        else callback(null, address.address, address.family);
      };
      const options = { keepAlive: true, maxSockets: 4, maxFreeSockets: 1, lookup: pinned };
      agent = url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
      this.agents.set(key, agent);
    }
    return agent;
  }

  clear(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

/**
 * node:http(s) rather than fetch: it takes a `lookup` per agent (fetch would need undici's Agent,
 * a dependency, for the same), follows no redirect (a 3xx is an answer, and a failure), and its
 * request can be abandoned at one deadline covering connect, headers and body.
 */
export function httpWebhookSender(): WebhookSender & { close(): void } {
  const agents = new PinnedAgents();
  const send: WebhookSender = (request) =>
    new Promise((resolve) => {
      const { url } = request;
      let settled = false;
      const finish = (outcome: WebhookResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(url, {
        method: 'POST',
        agent: agents.get(url, request.address),
        headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body).toString(), 'user-agent': 'realmgraph-webhooks' },
      });
      const timer = setTimeout(() => {
        finish({ error: `No answer within ${request.timeoutMs} ms (WEBHOOK_TIMEOUT_MS).` });
        req.destroy();
      }, request.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => finish({ error: `${error.code ?? 'ERROR'}: ${error.message}`.slice(0, 500) }));
      req.on('response', (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > maxResponseBytes) res.destroy();
        });
        res.on('error', () => undefined);
        // The status is the answer; the body is read to free the connection, and dropped.
        res.on('close', () => finish({ status: res.statusCode ?? 0 }));
        res.on('end', () => finish({ status: res.statusCode ?? 0 }));
      });
      req.end(request.body);
    });
  return Object.assign(send, { close: () => agents.clear() });
}
