import type { IncomingMessage } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../../common/errors';
import type { Limits } from '../../config';
import type { Logger } from '../../logger';
import { costRule, type CostOptions } from './cost';
import { documentTooLarge, formatCount, limitError } from './limit-error';
import type { ConnectionBudget } from '../../shared-limits/connection-budget';
import { rateLimitedError, type RateBudget } from './rate-limit';
import { longListError } from './lists';

/** The parts of a graphql-ws connection's context the limits read. */
export interface WsLimitContext {
  readonly connectionParams?: Readonly<Record<string, unknown>>;
  readonly subscriptions: Readonly<Record<string, unknown>>;
  readonly extra: { readonly socket: WebSocket; readonly request: IncomingMessage };
}

export interface WsSubscribePayload {
  readonly query: string;
  readonly operationName?: string | null;
  readonly variables?: Record<string, unknown> | null;
}

/**
 * Close code for a connection over MAX_WS_CONNECTIONS_PER_TOKEN: 1013 "Try Again Later" (RFC 6455's
 * registry), which graphql-ws clients retry with backoff — the cap frees as other connections close.
 */
export const tryAgainLaterClose = 1013;

/**
 * What graphql-ws does not do by itself and Apollo does over HTTP: the document limits (tokens, then
 * GraphQL's own rules with depth, aliases and cost), the rate limit, and the caps on connections
 * per token and operations per connection. Every refusal comes before any resolver, so before SQL.
 */
export class WebSocketLimits {
  private readonly counted = new WeakMap<object, string>();
  private readonly rules: readonly ValidationRule[];

  constructor(
    private readonly options: {
      schema: GraphQLSchema;
      limits: Limits;
      cost: CostOptions;
      /** Rules Apollo runs over HTTP beside graphql-js' own: depth, aliases. */
      documentRules: readonly ValidationRule[];
      introspection: boolean;
      rateLimiter?: RateBudget;
      /** The open connections per key, across instances (src/shared-limits/connection-budget.ts). */
      connections: ConnectionBudget;
    },
  ) {
    this.rules = [...specifiedRules, ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]), ...options.documentRules];
  }

  /**
   * For `onConnect`, once authenticated: `key` is the caller's (rate-limit.ts' callerKey), which the
   * connection's operations then spend the rate budget of. Over the cap (counted across instances),
   * closes with 1013 and says so.
   */
  async admit(ctx: WsLimitContext, key: string): Promise<boolean> {
    const { connections, limits } = this.options;
    if (!(await connections.admit(key))) {
      const max = limits.maxWsConnectionsPerToken;
      // The reason is the one place a refused connection can say why (at most 123 bytes).
      ctx.extra.socket.close(tryAgainLaterClose, `${ErrorCode.TOO_MANY_CONNECTIONS}: ${formatCount(max)} connections are open for this token, the most it may have.`);
      return false;
    }
    // Closed while it was being counted: onClose has run already, and would never give it back.
    if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) {
      connections.release(key);
      return false;
    }
    this.counted.set(ctx, key);
    return true;
  }

  /** For `onClose`: gives back what `admit` counted, however the connection ended. */
  release(ctx: WsLimitContext): void {
    const key = this.counted.get(ctx);
    if (key === undefined) return;
    this.counted.delete(ctx);
    this.options.connections.release(key);
  }

  /**
   * For `onSubscribe`: the operation's arguments, parsed and validated under the limits, or the
   * coded errors that refuse it. graphql-ws registers the operation before calling this and forgets
   * it however it ends, so its own count is the number running, this one included.
   */
  async prepare(ctx: WsLimitContext, payload: WsSubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const { limits, schema, rateLimiter, cost } = this.options;
    const running = Object.keys(ctx.subscriptions).length;
    if (running > limits.maxSubscriptionsPerConnection) {
      return [
        limitError(
          ErrorCode.TOO_MANY_SUBSCRIPTIONS,
          `This connection already runs ${formatCount(running - 1)} operations, the most one connection may; complete some first.`,
          { limit: limits.maxSubscriptionsPerConnection, found: running },
        ),
      ];
    }
    if (rateLimiter) {
      const decision = await rateLimiter.take(this.keyOf(ctx));
      if (!decision.allowed) return [rateLimitedError(decision)];
    }
    const tooLong = longListError(payload.variables);
    if (tooLong) return [tooLong];
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxLexicalTokens: limits.maxQueryTokens });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return [documentTooLarge(error) ?? coded(error, ErrorCode.GRAPHQL_PARSE_FAILED, this.options.introspection)];
    }
    const errors = validate(schema, document, [
      ...this.rules,
      costRule({ ...cost, maxCost: limits.maxQueryCost, variables: payload.variables, operationName: payload.operationName }),
    ]);
    if (errors.length > 0) return errors.map((error) => coded(error, ErrorCode.GRAPHQL_VALIDATION_FAILED, this.options.introspection));
    // graphql-ws would answer an uncoded "Unable to identify operation"; Apollo codes it over HTTP.
    if (!getOperationAST(document, payload.operationName)) return [operationNotFound(payload.operationName)];
    return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
  }

  /** graphql-ws runs operations only on an acknowledged connection, so one that `admit` counted. */
  private keyOf(ctx: WsLimitContext): string {
    return this.counted.get(ctx) ?? 'unadmitted';
  }
}

/**
 * graphql-js' own parse and validation errors carry no code; over HTTP Apollo gives them one. Where
 * introspection is off the schema stays private, so its "Did you mean …?" suggestions go, as Apollo
 * drops them over HTTP.
 */
function coded(error: GraphQLError, code: ErrorCode, showSchema: boolean): GraphQLError {
  if (error.extensions.code !== undefined) return error;
  const message = showSchema ? error.message : error.message.replace(/ ?Did you mean(.+?)\?$/, '');
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

/** In graphql-js' words, as Apollo answers over HTTP. */
function operationNotFound(operationName: string | null | undefined): GraphQLError {
  const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
  return new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } });
}

/**
 * `ws` reports a message over maxPayload (or any protocol error) as an 'error' on the socket after it
 * has closed it with the right code (1009); graphql-ws' adapter then prints "Internal error … check
 * your implementation" to the console. It is the client's fault and no internal error: log it as
 * a warning, in our format, instead.
 */
export function logClientProtocolErrors(socket: WebSocket, logger: Logger): void {
  socket.removeAllListeners('error');
  socket.on('error', (error) => logger.warn('WebSocket closed on a protocol error', { error: error.message }));
}
