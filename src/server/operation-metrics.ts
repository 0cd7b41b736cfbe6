import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, type GraphQLFormattedError } from 'graphql';
import type { Context } from '../common/context';
import type { Logger } from '../logger';
import { metrics, operationLabel, type OperationLabels } from '../observability/metrics';
import { activeTraceId } from '../observability/trace-context';
import type { RequestNote } from './access-log';

/** An error code as a label value: ours and Apollo's are SCREAMING_SNAKE; anything else is "other". */
export function outcomeOf(errors: readonly GraphQLFormattedError[] | undefined): string {
  if (!errors || errors.length === 0) return 'ok';
  const code = errors[0].extensions?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'other';
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * The request note of an HTTP request's context (the context holds no transport: src/common/
 * context.ts). Keyed by the context's caller, the request's own object (Caller.forRequest): Apollo
 * hands its plugins a shallow copy of the context, not the context itself.
 */
const notes = new WeakMap<Context['caller'], RequestNote>();

export function noteContext(context: Context, note: RequestNote): Context {
  notes.set(context.caller, note);
  return context;
}

/**
 * GraphQL over HTTP: each operation Apollo runs is counted when its answer is sent, by name, type
 * and outcome, with its duration, and named in the request's access log line.
 */
export const operationMetricsPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart({ contextValue }) {
    const start = process.hrtime.bigint();
    const note = notes.get(contextValue.caller);
    return {
      async willSendResponse({ response, operation, document, request }) {
        // Resolved, or (a validation error) as the parsed document names it.
        const named = operation ?? (document ? getOperationAST(document, request.operationName) : null);
        const name = named?.name?.value ?? null;
        const type = named?.operation ?? 'unknown';
        const outcome = response.body.kind === 'single' ? outcomeOf(response.body.singleResult.errors) : 'ok';
        metrics.graphqlOperation({ operation: operationLabel(name), type, transport: 'http' }, outcome, seconds(start));
        if (note) {
          note.operationName = name ?? 'anonymous';
          note.operationType = type;
          note.outcome = outcome;
        }
      },
    };
  },
};

interface WsOperation {
  readonly start: bigint;
  readonly requestId: string;
  readonly clientAddress: string | undefined;
  name: string | null;
  type: string;
  tokenId?: string;
  traceId?: string;
  outcome?: string;
  /** Its execution (or its subscription's source stream) began: graphql-ws will call onComplete. */
  executing: boolean;
}

/** What the WebSocket edge keeps per connection for its operations. */
export type WsObserved = { operations?: Map<string, WsOperation> };

/**
 * GraphQL over WebSocket: graphql-ws' hooks tell when an operation is asked (onSubscribe), runs
 * (context), fails (onError) and ends (onComplete, or the connection's close). Each is counted when
 * it ends, as over HTTP; a subscription is active from its stream's start to its end; and each
 * ends with an access log line (unless ACCESS_LOG is false).
 */
export class WsOperationObserver {
  constructor(
    private readonly logger: Logger,
    private readonly accessLog: boolean,
  ) {}

  asked(extra: WsObserved, id: string, requestId: string, operationName: string | null | undefined, clientAddress: string | undefined): void {
    const entry: WsOperation = { start: process.hrtime.bigint(), requestId, clientAddress, name: operationName ?? null, type: 'unknown', executing: false };
    (extra.operations ??= new Map()).set(id, entry);
  }

  /** What the operation turned out to be, once its document is parsed and its caller known. */
  resolved(extra: WsObserved, id: string, operation: { name: string | null; type: string; tokenId?: string }): void {
    const entry = extra.operations?.get(id);
    if (!entry) return;
    entry.name = operation.name;
    entry.type = operation.type;
    entry.tokenId = operation.tokenId;
  }

  executing(extra: WsObserved, id: string): void {
    const entry = extra.operations?.get(id);
    if (!entry || entry.executing) return;
    entry.executing = true;
    entry.traceId = activeTraceId();
    if (entry.type === 'subscription') metrics.subscriptionStarted();
  }

  /** A result or an error message: the first error's code is the outcome. */
  answered(extra: WsObserved, id: string, errors: readonly GraphQLFormattedError[] | undefined): void {
    const entry = extra.operations?.get(id);
    if (!entry || entry.outcome !== undefined || !errors || errors.length === 0) return;
    entry.outcome = outcomeOf(errors);
  }

  /**
   * graphql-ws sends an error message: the operation was refused before it ran, and graphql-ws will
   * not call onComplete (true: it is over), or its stream failed, and onComplete follows (false).
   */
  failed(extra: WsObserved, id: string, errors: readonly GraphQLFormattedError[]): boolean {
    this.answered(extra, id, errors);
    const entry = extra.operations?.get(id);
    return entry !== undefined && !entry.executing;
  }

  ended(extra: WsObserved, id: string): void {
    const entry = extra.operations?.get(id);
    if (!entry) return;
    extra.operations!.delete(id);
    const labels: OperationLabels = { operation: operationLabel(entry.name), type: entry.type, transport: 'ws' };
    const outcome = entry.outcome ?? 'ok';
    const duration = seconds(entry.start);
    metrics.graphqlOperation(labels, outcome, entry.type === 'subscription' ? undefined : duration);
    if (entry.type === 'subscription' && entry.executing) metrics.subscriptionEnded();
    if (!this.accessLog) return;
    this.logger.info('websocket operation', {
      requestId: entry.requestId,
      operationName: entry.name ?? 'anonymous',
      operationType: entry.type,
      outcome,
      durationMs: Math.round(duration * 1e4) / 10,
      ...(entry.tokenId !== undefined ? { tokenId: entry.tokenId } : {}),
      ...(entry.clientAddress !== undefined ? { clientAddress: entry.clientAddress } : {}),
      ...(entry.traceId !== undefined ? { traceId: entry.traceId } : {}),
    });
  }

  /** The connection closed: what graphql-ws has not ended is ended now. */
  closed(extra: WsObserved): void {
    for (const id of [...(extra.operations?.keys() ?? [])]) this.ended(extra, id);
  }
}
