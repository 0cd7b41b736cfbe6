import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { testAdminToken } from '../helpers/server';
import { mainScript, startServerProcess, type ServerProcess } from '../helpers/server-process';

/*
 * Issue #16: OpenTelemetry tracing, off unless the standard OTEL_* variables ask for it. A real
 * server process exports to a tiny OTLP/HTTP collector on loopback, in OTLP's JSON encoding
 * (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), and a request sent with a W3C `traceparent` produces
 * spans of the caller's trace: the HTTP server span, the GraphQL operation's, PostgreSQL's.
 */

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** OTLP/HTTP JSON: POST /v1/traces with resourceSpans → scopeSpans → spans, attributes as { key, value: { stringValue | intValue | … } }. */
class Collector {
  readonly spans: Span[] = [];
  private waiters: Array<() => void> = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Collector> {
    let collector!: Collector;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces' && req.method === 'POST') collector.receive(JSON.parse(Buffer.concat(chunks).toString()));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    collector = new Collector(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return collector;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits for each batch the process exports until `done` holds of what arrived. */
  async until(done: (spans: Span[]) => boolean): Promise<Span[]> {
    while (!done(this.spans)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.spans;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(body: { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<Omit<Span, 'attributes'> & { attributes?: Array<{ key: string; value: Record<string, unknown> }> }> }> }> }): void {
    for (const resource of body.resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? [])
        for (const span of scope.spans ?? [])
          this.spans.push({ ...span, attributes: Object.fromEntries((span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]])) });
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

let db: TestDatabase;
let collector: Collector;
let server: ServerProcess;
beforeAll(async () => {
  db = await createTestDatabase();
  collector = await Collector.start();
  server = await startServerProcess({
    DATABASE_URL: db.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // A batch leaves after 100 ms instead of 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
});
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  await collector.close();
  await db.drop();
});

test('a request with a traceparent produces spans of that trace: HTTP server, GraphQL operation, PostgreSQL', async () => {
  const traceId = randomBytes(16).toString('hex');
  const parentSpanId = randomBytes(8).toString('hex');
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${testAdminToken}`, traceparent: `00-${traceId}-${parentSpanId}-01`, 'x-request-id': 'traced-1' },
    body: JSON.stringify({ query: 'mutation Traced { createRealm(input: { name: "traced", displayName: "Traced" }) { realm { id } } }' }),
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { createRealm: { realm: { id: expect.any(String) } } } });

  const isServer = (span: Span) => span.kind === 2 && span.attributes['http.request.method'] === 'POST';
  const isOperation = (span: Span) => span.attributes['graphql.operation.name'] === 'Traced';
  const isStatement = (span: Span) => span.attributes['db.system'] === 'postgresql' || span.attributes['db.system.name'] === 'postgresql';
  const spans = await collector.until((all) => {
    const ours = all.filter((span) => span.traceId === traceId);
    return ours.some(isServer) && ours.some(isOperation) && ours.some(isStatement);
  });
  const ours = spans.filter((span) => span.traceId === traceId);
  // The server span continues the caller's: its parent is the traceparent's span.
  expect(ours.find(isServer)!.parentSpanId).toBe(parentSpanId);
  expect(ours.filter(isStatement).some((span) => /INSERT INTO realms|realms/i.test(String(span.attributes['db.statement'] ?? span.attributes['db.query.text'] ?? span.name)))).toBe(true);
  // No parameter values: a statement's values may be secrets.
  expect(JSON.stringify(ours)).not.toContain(testAdminToken);

  // The access log line names the trace.
  let line: Record<string, unknown> | undefined;
  while (!(line = server.output.map((entry) => JSON.parse(entry)).find((entry) => entry.requestId === 'traced-1' && entry.message === 'request'))) {
    await new Promise((resolve) => server.child.stdout!.once('data', resolve));
  }
  expect(line).toMatchObject({ traceId, operationName: 'Traced', status: 200 });
});

test('the serving line says tracing is on', () => {
  expect(server.output.map((entry) => JSON.parse(entry)).find((entry) => entry.message === 'realmgraph is serving')).toMatchObject({ tracing: 'on' });
});

test('unconfigured, the SDK is not even loaded', async () => {
  const tracingModule = mainScript.replace(/main\.js$/, 'observability/tracing.js');
  const probe = `require(${JSON.stringify(tracingModule)}); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes('@opentelemetry/sdk'))))`;
  const loaded = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-e', probe], { env: { PATH: process.env.PATH ?? '' } }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  expect(JSON.parse(loaded)).toEqual([]);
});
