import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { ErrorCode } from '../../common/errors';
import { fragmentsOf } from './fragments';
import { formatCount, limitError } from './limit-error';

export interface CostOptions {
  /** The page a connection returns when neither `first` nor `last` is given. */
  readonly defaultPageSize: number;
  /** No page is larger: a bigger `first` is refused by the field itself. */
  readonly maxPageSize: number;
  /** The longest list a field without a page returns: the batch size (`nodes(ids)`, `addedMembers`). */
  readonly maxListSize: number;
}

/** The batch size: `nodes(ids)` and the membership mutations take at most 1 000 IDs. */
export const maxBatchSize = 1000;

type Variables = Readonly<Record<string, unknown>>;

/**
 * What an operation may cost to answer, from the document alone, before anything runs: every field
 * counts 1, and a field that returns a page multiplies the cost of what it selects by the page's
 * size — `first` or `last` (from the variables when they give it), else the default page size. So
 * `groups(first: 50) { members(first: 100) { name } }` costs 1 + 50 × (1 + 100 × 1) = 5 051: about
 * the number of values the answer holds. Other lists multiply by their length when an argument
 * gives it (`nodes(ids)`), else by the batch size; the lists inside a connection (`edges`) are its
 * page, counted once. Introspection counts each field once: its size is the schema's, and the depth
 * limit bounds it. Both branches of `... on A` / `... on B` count: an upper bound, cheaply known;
 * a branch that `@skip(if: true)` or `@include(if: false)` leaves out counts nothing.
 */
export class CostMeter {
  private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  private readonly fragmentCosts = new Map<string, number>();
  private readonly visiting = new Set<string>();
  private defaults = new Map<string, ValueNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Variables,
    private readonly options: CostOptions,
  ) {
    this.fragments = fragmentsOf(document);
  }

  operation(operation: OperationDefinitionNode): number {
    this.defaults = new Map(
      (operation.variableDefinitions ?? []).flatMap((definition) =>
        definition.defaultValue ? [[definition.variable.name.value, definition.defaultValue] as const] : [],
      ),
    );
    this.fragmentCosts.clear();
    const root =
      operation.operation === 'query'
        ? this.schema.getQueryType()
        : operation.operation === 'mutation'
          ? this.schema.getMutationType()
          : this.schema.getSubscriptionType();
    return this.selectionSet(operation.selectionSet, root ?? undefined, false);
  }

  private selectionSet(selectionSet: SelectionSetNode, type: GraphQLCompositeType | undefined, introspection: boolean): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (this.leftOut(selection)) continue;
      if (selection.kind === Kind.FIELD) cost += this.field(selection, type, introspection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? this.compositeType(selection.typeCondition.name.value) : type;
        cost += this.selectionSet(selection.selectionSet, condition, introspection);
      } else cost += this.fragment(selection.name.value, introspection);
    }
    return cost;
  }

  /**
   * Whether `@skip` or `@include` leaves the selection out of this request, as graphql-js will when
   * it runs it: such a branch costs nothing. A condition the meter cannot read (a variable not sent,
   * and without a default, is refused when the variables are coerced) counts, as an upper bound.
   */
  private leftOut(selection: SelectionNode): boolean {
    for (const directive of selection.directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const condition = directive.arguments?.find((argument) => argument.name.value === 'if');
      const value = condition ? this.value(condition.value) : undefined;
      if (typeof value !== 'boolean') continue;
      if (name === 'skip' ? value : !value) return true;
    }
    return false;
  }

  /** Counted once per fragment, however often it is spread: the cost under it does not depend on where. */
  private fragment(name: string, introspection: boolean): number {
    const key = `${introspection ? 'i' : 'd'}:${name}`;
    const known = this.fragmentCosts.get(key);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    if (!fragment || this.visiting.has(key)) return 0;
    this.visiting.add(key);
    const cost = this.selectionSet(fragment.selectionSet, this.compositeType(fragment.typeCondition.name.value), introspection);
    this.visiting.delete(key);
    this.fragmentCosts.set(key, cost);
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLCompositeType | undefined, introspection: boolean): number {
    if (!node.selectionSet) return 1;
    const definition = parent ? this.fieldDefinition(parent, node.name.value) : undefined;
    const inIntrospection = introspection || definition === SchemaMetaFieldDef || definition === TypeMetaFieldDef;
    const type = definition ? getNamedType(definition.type) : undefined;
    const children = this.selectionSet(node.selectionSet, isCompositeType(type) ? type : undefined, inIntrospection);
    const multiplier = inIntrospection || !definition || !parent ? 1 : this.multiplier(node, definition, parent);
    return 1 + multiplier * children;
  }

  private multiplier(node: FieldNode, definition: GraphQLField<unknown, unknown>, parent: GraphQLCompositeType): number {
    const { defaultPageSize, maxPageSize, maxListSize } = this.options;
    if (definition.args.some((arg) => arg.name === 'first' || arg.name === 'last')) {
      const size = this.argument(node, 'first') ?? this.argument(node, 'last');
      if (size === undefined || size === null) return defaultPageSize;
      // A size that is not a whole number is refused when the variables are coerced; one out of range by the field.
      return typeof size === 'number' && Number.isInteger(size) ? Math.min(Math.max(size, 0), maxPageSize) : maxPageSize;
    }
    if (!isListType(getNullableType(definition.type))) return 1;
    if (isObjectType(parent) && 'pageInfo' in parent.getFields()) return 1;
    for (const arg of definition.args) {
      if (!isListType(getNullableType(arg.type))) continue;
      const value = this.argument(node, arg.name);
      if (value === undefined || value === null) continue;
      // A single value where a list is expected is coerced into a list of one.
      return Math.min(Array.isArray(value) ? value.length : 1, maxListSize);
    }
    return maxListSize;
  }

  /** An argument's value: a literal, or a variable's (as sent, else its default); a list literal as its items. */
  private argument(node: FieldNode, name: string): unknown {
    const argument = node.arguments?.find((arg) => arg.name.value === name);
    return argument ? this.value(argument.value) : undefined;
  }

  private value(value: ValueNode): unknown {
    switch (value.kind) {
      case Kind.VARIABLE: {
        const name = value.name.value;
        if (Object.prototype.hasOwnProperty.call(this.variables, name)) return this.variables[name];
        const fallback = this.defaults.get(name);
        return fallback ? this.value(fallback) : undefined;
      }
      case Kind.INT:
        return Number(value.value);
      case Kind.BOOLEAN:
        return value.value;
      case Kind.NULL:
        return null;
      case Kind.LIST:
        return value.values;
      default:
        return value.kind;
    }
  }

  private fieldDefinition(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === SchemaMetaFieldDef.name && parent === this.schema.getQueryType()) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name && parent === this.schema.getQueryType()) return TypeMetaFieldDef;
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    return 'getFields' in parent ? parent.getFields()[name] : undefined;
  }

  private compositeType(name: string): GraphQLCompositeType | undefined {
    const type = this.schema.getType(name);
    return isCompositeType(type) ? type : undefined;
  }
}

export type CostLimit = CostOptions & { readonly maxCost: number };

/** QUERY_TOO_COMPLEX when `operation` costs more than `maxCost`; undefined when it does not. */
export function costError(meter: CostMeter, operation: OperationDefinitionNode, options: CostLimit): GraphQLError | undefined {
  const cost = meter.operation(operation);
  if (cost <= options.maxCost) return undefined;
  return limitError(
    ErrorCode.QUERY_TOO_COMPLEX,
    `This operation could return about ${formatCount(cost)} values (each field counts 1, multiplied by the page sizes ` +
      `above it); the server accepts at most ${formatCount(options.maxCost)}. Ask for smaller pages or fewer levels.`,
    { limit: options.maxCost, found: Math.min(Math.round(cost), Number.MAX_SAFE_INTEGER) },
    operation,
  );
}

/**
 * The cost limit as a validation rule. It needs the variables (`first: $size`), so it is made per
 * request: over WebSocket it runs with the other rules; over HTTP Apollo caches validation with the
 * document, so there `costError` runs once Apollo has chosen the operation.
 */
export function costRule(options: CostLimit & { variables?: Variables | null; operationName?: string | null }): ValidationRule {
  return (context) => {
    const meter = new CostMeter(context.getSchema(), context.getDocument(), options.variables ?? {}, options);
    return {
      OperationDefinition(operation) {
        if (options.operationName && operation.name?.value !== options.operationName) return false;
        const error = costError(meter, operation, options);
        if (error) context.reportError(error);
        return false;
      },
    };
  };
}
