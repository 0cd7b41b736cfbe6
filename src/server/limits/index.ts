import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema, type ParseOptions, type ValidationRule } from 'graphql';
import type { Config } from '../../config';
import { aliasRule } from './aliases';
import { CostMeter, costError, maxBatchSize, type CostOptions } from './cost';
import { depthRule } from './depth';
import { longListError } from './lists';
import type { RateBudget } from './rate-limit';
import type { ConnectionBudget } from '../../shared-limits/connection-budget';
import { WebSocketLimits } from './ws-limits';

export { withLimitCode } from './limit-error';
export { callerKey, rateLimitHeaders, rateLimitedMessage, spendRequest, type RateBudget } from './rate-limit';
export { logClientProtocolErrors } from './ws-limits';

/** Everything app.ts wires in, for HTTP (Apollo) and WebSocket (ws, graphql-ws) alike. */
export interface RequestLimits {
  /** The per-caller request budget (RATE_LIMIT_PER_MINUTE; none when it is 0), one for every edge: what /graphql, the WebSocket and SCIM spend. */
  readonly requests: RateBudget | undefined;
  /** Failed authentications per client address (src/auth/authenticator.ts); none when AUTH_FAILURES_PER_MINUTE is 0. */
  readonly authFailures: RateBudget | undefined;
  readonly maxBodyBytes: number;
  /** Apollo's `parseOptions`: the token limit. */
  readonly parseOptions: ParseOptions;
  /** Apollo's `validationRules`: depth and aliases, which depend on the document only (Apollo caches them with it). */
  readonly validationRules: ValidationRule[];
  /** The cost, which depends on the variables too, once Apollo has chosen the operation. */
  readonly apolloPlugin: ApolloServerPlugin;
  /** WebSocketServer's `maxPayload`. */
  readonly maxWsMessageBytes: number;
  readonly ws: WebSocketLimits;
}

/** The budgets the limits spend: one across instances (src/shared-limits/), or this instance's own. */
export interface Budgets {
  rate(kind: 'requests' | 'auth-failures', perMinute: number): RateBudget;
  readonly connections: ConnectionBudget;
}

export function createRequestLimits(
  schema: GraphQLSchema,
  config: Config,
  budgets: Budgets,
  /** Told of each refusal (the metrics): a request budget's, by whose key it is, or the failed authentications'. */
  refused: (kind: 'token' | 'address' | 'auth') => void = () => {},
): RequestLimits {
  const { limits } = config;
  const cost: CostOptions = { defaultPageSize: config.defaultPageSize, maxPageSize: config.maxPageSize, maxListSize: maxBatchSize };
  const documentRules = [depthRule(limits.maxQueryDepth), aliasRule(limits.maxAliases)];
  // One budget per caller for both transports.
  const rateLimiter =
    limits.rateLimitPerMinute > 0
      ? countingRefusals(budgets.rate('requests', limits.rateLimitPerMinute), (key) => refused(key.startsWith('token:') ? 'token' : 'address'))
      : undefined;
  return {
    requests: rateLimiter,
    authFailures: limits.authFailuresPerMinute > 0 ? countingRefusals(budgets.rate('auth-failures', limits.authFailuresPerMinute), () => refused('auth')) : undefined,
    maxBodyBytes: limits.maxBodyBytes,
    parseOptions: { maxLexicalTokens: limits.maxQueryTokens },
    validationRules: documentRules,
    apolloPlugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ document, operation, request }) {
            if (!operation) return;
            const tooLong = longListError(request.variables);
            if (tooLong) throw new GraphQLError(tooLong.message, { extensions: { ...tooLong.extensions, http: { status: 400 } } });
            const meter = new CostMeter(schema, document, request.variables ?? {}, cost);
            const error = costError(meter, operation, { ...cost, maxCost: limits.maxQueryCost });
            // A 400, as Apollo answers the other validation errors.
            if (error) throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, http: { status: 400 } } });
          },
        };
      },
    },
    maxWsMessageBytes: limits.maxWsMessageBytes,
    ws: new WebSocketLimits({ schema, limits, cost, documentRules, introspection: config.introspection, rateLimiter, connections: budgets.connections }),
  };
}

/** The budget, telling `refused` of each refusal (the metrics count them by kind). */
function countingRefusals(budget: RateBudget, refused: (key: string) => void): RateBudget {
  return {
    perMinute: budget.perMinute,
    take: async (key) => {
      const decision = await budget.take(key);
      if (!decision.allowed) refused(key);
      return decision;
    },
    refund: (key) => budget.refund(key),
  };
}
