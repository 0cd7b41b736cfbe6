import type { GraphQLError } from 'graphql';
import { ErrorCode } from '../../common/errors';
import { maxBatchSize } from './cost';
import { formatCount, limitError } from './limit-error';

/**
 * A list in the variables longer than any argument takes (the batch size: 1 000 IDs), refused with
 * the other limits before anything runs. Lists written in the document itself are bounded by the
 * token limit already.
 */
export function longListError(variables: unknown, maxItems = maxBatchSize): GraphQLError | undefined {
  const found = longestList(variables, 0);
  if (found <= maxItems) return undefined;
  return limitError(
    ErrorCode.LIST_TOO_LONG,
    `A list in the variables has ${formatCount(found)} items; no argument takes more than ${formatCount(maxItems)}.`,
    { limit: maxItems, found },
  );
}

function longestList(value: unknown, depth: number): number {
  if (depth > 20 || value === null || typeof value !== 'object') return 0;
  const items = Array.isArray(value) ? value : Object.values(value);
  let longest = Array.isArray(value) ? value.length : 0;
  for (const item of items) longest = Math.max(longest, longestList(item, depth + 1));
  return longest;
}
