import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';
import { ErrorCode } from '../../common/errors';
import { fieldsOf, fragmentsOf } from './fragments';
import { formatCount, limitError } from './limit-error';

/**
 * How deep introspection may go whatever MAX_QUERY_DEPTH says: graphql-js' `getIntrospectionQuery()`,
 * which GraphiQL and most tools send, unwraps types through nine `ofType` levels and is 15 deep. Its
 * size is bounded by the schema's, not by the data's, and no SQL runs for it.
 */
export const introspectionMaxDepth = 15;

/**
 * The number of fields on the longest path from a root field to a leaf: `{ realm { name } }` is 2,
 * the README's nested read (realm → groups → edges → node → members → … → name) is 11.
 */
export class DepthMeter {
  private readonly fragmentDepths = new Map<string, number>();
  private readonly visiting = new Set<string>();

  constructor(private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>) {}

  field(field: FieldNode): number {
    return 1 + (field.selectionSet ? this.selectionSet(field.selectionSet) : 0);
  }

  selectionSet(selectionSet: SelectionSetNode): number {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      const depth =
        selection.kind === Kind.FIELD
          ? this.field(selection)
          : selection.kind === Kind.INLINE_FRAGMENT
            ? this.selectionSet(selection.selectionSet)
            : this.fragment(selection.name.value);
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  }

  /** Measured once per fragment, however often it is spread. */
  private fragment(name: string): number {
    const known = this.fragmentDepths.get(name);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    if (!fragment || this.visiting.has(name)) return 0;
    this.visiting.add(name);
    const depth = this.selectionSet(fragment.selectionSet);
    this.visiting.delete(name);
    this.fragmentDepths.set(name, depth);
    return depth;
  }
}

const isIntrospection = (field: FieldNode) => field.name.value === '__schema' || field.name.value === '__type';

/** QUERY_TOO_DEEP when an operation nests fields deeper than `maxDepth`. */
export function depthRule(maxDepth: number): ValidationRule {
  return (context) => {
    const fragments = fragmentsOf(context.getDocument());
    const meter = new DepthMeter(fragments);
    return {
      OperationDefinition(operation) {
        let worst: { field: FieldNode; depth: number; limit: number } | undefined;
        for (const field of fieldsOf(operation.selectionSet, fragments)) {
          const limit = isIntrospection(field) ? Math.max(maxDepth, introspectionMaxDepth) : maxDepth;
          const depth = meter.field(field);
          if (depth > limit && (!worst || depth - limit > worst.depth - worst.limit)) worst = { field, depth, limit };
        }
        if (worst) {
          const { field, depth, limit } = worst;
          context.reportError(
            limitError(
              ErrorCode.QUERY_TOO_DEEP,
              `This operation nests fields ${formatCount(depth)} levels deep (under \`${field.name.value}\`); the server accepts at most ` +
                `${formatCount(limit)}. Ask for fewer levels, and fetch deeper ones with another query by the IDs this one returns.`,
              { limit, found: depth },
              field,
            ),
          );
        }
        return false;
      },
    };
  };
}
