/**
 * OpenTelemetry tracing, started before anything it instruments is loaded: main.ts imports this
 * module first, and its instrumentations hook `require` (http, express, graphql, pg), which only
 * sees modules loaded after them. Off unless the standard variables ask for it
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER, and not
 * OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true); then the SDK is not even loaded. Everything
 * else is the SDK's own reading of the environment: the protocol (OTEL_EXPORTER_OTLP_PROTOCOL,
 * http/protobuf by default, http/json, grpc), the sampler (OTEL_TRACES_SAMPLER, parentbased_always_on
 * by default), the propagators (OTEL_PROPAGATORS, W3C traceparent and baggage by default), the
 * batch's timing (OTEL_BSP_*), the service's name (OTEL_SERVICE_NAME, "realmgraph" here by default).
 * Only traces: the metrics are Prometheus' (src/observability/metrics.ts), the logs are stdout's.
 *
 * Only type imports at the top: this module runs before the rest and must load nothing it would
 * then fail to instrument.
 */
import type { NodeSDK } from '@opentelemetry/sdk-node';

export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  if (['true', '1'].includes((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase())) return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (exporters.length > 0) return exporters.some((name) => name !== 'none');
  return set('OTEL_EXPORTER_OTLP_ENDPOINT') || set('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
}

/** The probes, asked every few seconds by the orchestrator: no traces of them. */
const untracedPaths = new Set(['/healthz', '/readyz']);

let sdk: NodeSDK | undefined;

function startTracing(env: NodeJS.ProcessEnv): void {
  // require, not import(): loaded only when tracing is on, and synchronously, before the modules it instruments.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation, ExpressLayerType } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { GraphQLInstrumentation } = require('@opentelemetry/instrumentation-graphql') as typeof import('@opentelemetry/instrumentation-graphql');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : 'realmgraph',
    // Traces only: no OTLP metrics or logs, whatever the SDK would default to.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // The server span of each request, joining the caller's trace (`traceparent`); client spans of webhook deliveries.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => untracedPaths.has((req.url ?? '').split('?')[0]) }),
      // Routers and handlers, not each middleware (headers, compression, CORS): a span each would bury the rest.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // parse, validate, execute (named after the operation), and the resolvers of note: not the
      // trivial ones that read a property, only two levels deep, list items merged.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, depth: 2, mergeItems: true }),
      // Statements inside a request's trace; not the background jobs' polling, nor parameter values.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

/** Sends what is batched and stops (main.ts' shutdown, before the process exits). */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
}

export const tracingOn = tracingRequested(process.env);
if (tracingOn) startTracing(process.env);
