import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The trace the current code runs in, for log lines: what the HTTP instrumentation started for the
 * request (joining the caller's `traceparent`) when tracing is on (src/observability/tracing.ts);
 * undefined when it is off — the API's no-op answers without a span, at the cost of a function call.
 */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const context = span.spanContext();
  return isSpanContextValid(context) ? context.traceId : undefined;
}
