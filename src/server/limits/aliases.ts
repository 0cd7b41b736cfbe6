import type { FieldNode, ValidationRule } from 'graphql';
import { ErrorCode } from '../../common/errors';
import { formatCount, limitError } from './limit-error';

/**
 * TOO_MANY_ALIASES when a document names more than `maxAliases` fields by an alias. Aliases are how
 * one request repeats a field with other arguments (`a: node(id: 1) b: node(id: 2) …`), the usual
 * way to turn one request into thousands of lookups, or one login attempt into many.
 */
export function aliasRule(maxAliases: number): ValidationRule {
  return (context) => {
    let count = 0;
    let first: FieldNode | undefined;
    return {
      Field(field) {
        if (!field.alias) return;
        count += 1;
        if (count === maxAliases + 1) first = field;
      },
      Document: {
        leave() {
          if (count <= maxAliases) return;
          context.reportError(
            limitError(
              ErrorCode.TOO_MANY_ALIASES,
              `This document uses ${formatCount(count)} aliases; the server accepts at most ${formatCount(maxAliases)}. ` +
                'Ask for lists (`nodes(ids: [...])`, a connection) instead of repeating a field under aliases.',
              { limit: maxAliases, found: count },
              first,
            ),
          );
        },
      },
    };
  };
}
