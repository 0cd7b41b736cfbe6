import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Operations built from the schema itself, so that tests that walk "every root field" cover a
 * field added tomorrow without anyone listing it (issue #4).
 */

export type OperationKind = 'query' | 'mutation' | 'subscription';

export interface RootField {
  readonly kind: OperationKind;
  readonly name: string;
  readonly field: GraphQLField<unknown, unknown>;
}

/** Every field of Query, Mutation and Subscription. */
export function rootFields(schema: GraphQLSchema): RootField[] {
  const roots: Array<[OperationKind, ReturnType<GraphQLSchema['getQueryType']>]> = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) => Object.values(type?.getFields() ?? {}).map((field) => ({ kind, name: field.name, field })));
}

export interface ValueChoices {
  /**
   * The ID (or IDs) to give an ID argument or input field called `name` of the root field `field`;
   * undefined leaves an optional one out. A required ID with no choice is an error, so that the
   * walker never sends an ID nobody picked.
   */
  id(name: string, field: string): string | string[] | undefined;
  /** A value for an optional argument or input field that is not an ID (undefined: leave it out). */
  optional?(name: string, type: GraphQLInputType, field: string): unknown;
}

// A counter, not randomness: fast-check replays a failure from its seed only if values are deterministic.
let serial = 0;
const next = () => `${++serial}`;

/**
 * A value that passes the type and looks valid to the service (a realm name that is a realm name,
 * an email that is an email), so that a call fails, if it does, on who is asking, not on its input.
 */
export function sampleValue(type: GraphQLInputType, name: string, field: string, choices: ValueChoices): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    if (getNamedType(inner).name === 'ID') {
      const ids = choices.id(name, field);
      if (ids === undefined) throw new Error(`No ID chosen for ${field}(${name})`);
      return Array.isArray(ids) ? ids : [ids];
    }
    return [sampleValue(inner.ofType, singular(name), field, choices)];
  }
  if (isInputObjectType(inner)) {
    const value: Record<string, unknown> = {};
    for (const child of Object.values(inner.getFields())) {
      const filled = fill(child, field, choices);
      if (filled !== undefined) value[child.name] = filled;
    }
    return value;
  }
  if (isEnumType(inner)) return inner.getValues()[0].value;
  if (isScalarType(inner)) {
    switch (inner.name) {
      case 'ID': {
        const id = choices.id(name, field);
        if (id === undefined) throw new Error(`No ID chosen for ${field}(${name})`);
        return Array.isArray(id) ? id[0] : id;
      }
      case 'String':
        return sampleString(name);
      case 'Int':
      case 'Float':
        return 1;
      case 'Boolean':
        return true;
      case 'DateTimeISO':
        return '2099-01-01T00:00:00.000Z';
      case 'JSONObject':
        return {};
    }
  }
  throw new Error(`The walker does not know how to make a ${String(type)} (${field}.${name}): teach test/helpers/schema-operations.ts`);
}

/** An argument or input field: required ones always, optional IDs when a choice exists, others when `optional` says. */
function fill(input: GraphQLArgument | GraphQLInputField, field: string, choices: ValueChoices): unknown {
  const required = isNonNullType(input.type) && input.defaultValue === undefined;
  if (required) return sampleValue(input.type, input.name, field, choices);
  if (getNamedType(input.type).name === 'ID') {
    return choices.id(input.name, field) === undefined ? undefined : sampleValue(input.type, input.name, field, choices);
  }
  return choices.optional?.(input.name, input.type, field);
}

function sampleString(name: string): string {
  if (/email/i.test(name)) return `walk${next()}@example.com`;
  if (/phone/i.test(name)) return '+14155550100';
  if (name === 'scope') return 'realms:read';
  if (name === 'token') return `not-an-invitation-token-${next()}`;
  // Lowercase letters and digits: valid as a realm name, a group name, a username, a display name.
  return `walk${next()}`;
}

const singular = (name: string) => (name.endsWith('s') ? name.slice(0, -1) : name);

/**
 * `__typename`, the `id` when the type has one, and, `depth` levels down, the same of every
 * object field that needs no argument: enough to see whose data comes back.
 */
export function selectionOf(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named) && !isInterfaceType(named)) return '__typename';
  const parts = ['__typename'];
  const fields = named.getFields();
  if (fields.id && isLeafType(getNamedType(fields.id.type))) parts.push('id');
  if (depth > 0) {
    for (const child of Object.values(fields)) {
      const childType = getNamedType(child.type);
      if (!isObjectType(childType) && !isInterfaceType(childType)) continue;
      if (child.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
      parts.push(`${child.name} { ${selectionOf(child.type, depth - 1)} }`);
    }
  }
  return parts.join(' ');
}

export interface Operation {
  readonly kind: OperationKind;
  readonly field: string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/** A field's arguments as variables of their declared types: `$<prefix>0: Type`, `arg: $<prefix>0`. */
export function argumentsOf(
  args: readonly GraphQLArgument[],
  field: string,
  choices: ValueChoices,
  prefix = 'v',
): { definitions: string[]; args: string[]; variables: Record<string, unknown> } {
  const definitions: string[] = [];
  const passed: string[] = [];
  const variables: Record<string, unknown> = {};
  args.forEach((arg, index) => {
    const value = fill(arg, field, choices);
    if (value === undefined) return;
    definitions.push(`$${prefix}${index}: ${String(arg.type)}`);
    passed.push(`${arg.name}: $${prefix}${index}`);
    variables[`${prefix}${index}`] = value;
  });
  return { definitions, args: passed, variables };
}

/** One operation calling `root` with sample arguments, passed as variables of their declared types. */
export function operationFor(root: RootField, choices: ValueChoices, depth = 3): Operation {
  const { definitions, args, variables } = argumentsOf(root.field.args, root.name, choices);
  const selection = selectionOf(root.field.type, depth);
  const name = `Walk_${root.name}`;
  const query =
    `${root.kind} ${name}${definitions.length ? `(${definitions.join(', ')})` : ''} ` +
    `{ ${root.name}${args.length ? `(${args.join(', ')})` : ''}${selection ? ` { ${selection} }` : ''} }`;
  return { kind: root.kind, field: root.name, query, variables };
}
