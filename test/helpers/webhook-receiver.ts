import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  /** What the receiver answered. */
  status: number;
}

/** A webhook receiver on loopback: records each request, answers what `answer` says (200 by default). */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedDelivery[];
  answer: (delivery: Omit<ReceivedDelivery, 'status'>, index: number) => number;
  /** How long each answer is held back (a slow receiver). */
  delayMs: number;
  /** The most requests it had open at once. */
  readonly maxConcurrent: number;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let server: Server;
  const receiver: WebhookReceiver = {
    url: '',
    received,
    answer: () => 200,
    delayMs: 0,
    maxConcurrent: 0,
    waitFor: (count, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        if (received.length >= count) return resolve(received.slice(0, count));
        const timer = setTimeout(() => reject(new Error(`Only ${received.length} of ${count} deliveries arrived: ${JSON.stringify(received.map((r) => r.json?.type))}`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received.slice(0, count));
          },
        });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  let open = 0;
  server = createServer((req, res) => {
    open++;
    (receiver as { maxConcurrent: number }).maxConcurrent = Math.max(receiver.maxConcurrent, open);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      if (receiver.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, receiver.delayMs));
      open--;
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery = { headers: req.headers, body, json: JSON.parse(body) };
      const status = receiver.answer(delivery, received.length);
      received.push({ ...delivery, status });
      res.writeHead(status).end();
      for (const waiter of waiters.splice(0)) {
        if (received.length >= waiter.count) waiter.resolve();
        else waiters.push(waiter);
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

/**
 * Verifies a delivery as the Standard Webhooks specification says (what npm `standardwebhooks`'
 * `Webhook.verify` does): some `v1,` signature of the header list is the base64 HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>` under the secret's key.
 */
export function verifiesWith(secret: string, delivery: { headers: IncomingHttpHeaders; body: string }): boolean {
  const id = String(delivery.headers['webhook-id']);
  const timestamp = String(delivery.headers['webhook-timestamp']);
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${timestamp}.${delivery.body}`).digest();
  return String(delivery.headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, value] = entry.split(',');
      const given = Buffer.from(value ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}
