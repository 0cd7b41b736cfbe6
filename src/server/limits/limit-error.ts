import { GraphQLError, type ASTNode } from 'graphql';
import { ErrorCode } from '../../common/errors';

/** The codes of the limits checked as validation rules, whose errors Apollo wraps over HTTP. */
const validationLimitCodes: ReadonlySet<string> = new Set([ErrorCode.QUERY_TOO_DEEP, ErrorCode.QUERY_TOO_COMPLEX, ErrorCode.TOO_MANY_ALIASES]);

/** A refusal by a limit: its code, a message that says the limit and what was found, and both as numbers. */
export function limitError(
  code: ErrorCode,
  message: string,
  details: { limit: number; found?: number; [key: string]: unknown },
  nodes?: ASTNode | readonly ASTNode[],
): GraphQLError {
  return new GraphQLError(message, { nodes, extensions: { code, ...details } });
}

/** 300000 → "300,000": limits are read by people. */
export const formatCount = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'more than can be counted';

// graphql-js' own words when `maxLexicalTokens` stops the parser (16.x says "more that", a typo).
const tooManyTokens = /Document contains more (?:than|that) (\d+) tokens/;

/** The parse error graphql-js raises past MAX_QUERY_TOKENS, as our coded error; undefined for any other. */
export function documentTooLarge(error: GraphQLError): GraphQLError | undefined {
  const match = tooManyTokens.exec(error.message);
  if (!match) return undefined;
  const limit = Number(match[1]);
  return limitError(
    ErrorCode.DOCUMENT_TOO_LARGE,
    `The document has more than ${formatCount(limit)} tokens (names, punctuation, values), the most the server parses; ` +
      'send a smaller document, or pass large values as variables.',
    { limit },
  );
}

/**
 * Apollo Server wraps parse and validation errors in its own, coded GRAPHQL_PARSE_FAILED and
 * GRAPHQL_VALIDATION_FAILED: a limit's refusal gets its own code back here, as over WebSocket.
 */
export function withLimitCode(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (original instanceof GraphQLError) {
    if (validationLimitCodes.has(String(original.extensions.code))) return original;
    return documentTooLarge(original) ?? error;
  }
  return error;
}
