import { Kind, parse, type TypeNode } from 'graphql';

/** A GraphiQL tab: a document and a skeleton of the variables it needs. */
export interface ExampleTab {
  readonly query: string;
  readonly variables?: string;
}

/**
 * The README's ```graphql blocks as GraphiQL tabs, one per block (a block's operations belong
 * together: create, then use what was created). The README is the one list of examples: the build
 * reads it, and test/integration/readme.test.ts keeps every block valid against the schema.
 */
export function readmeExamples(readme: string): ExampleTab[] {
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map(([, block]) => {
    const query = block.trim() + '\n';
    const variables: Record<string, unknown> = {};
    for (const definition of parse(query).definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      for (const variable of definition.variableDefinitions ?? []) {
        if (variable.type.kind === Kind.NON_NULL_TYPE && !variable.defaultValue) {
          variables[variable.variable.name.value] ??= placeholder(variable.type.type);
        }
      }
    }
    return Object.keys(variables).length > 0 ? { query, variables: JSON.stringify(variables, null, 2) } : { query };
  });
}

/** What a required variable starts as: empty, for the reader to paste an ID or a name into (an input object: `{}`). */
function placeholder(type: TypeNode): unknown {
  if (type.kind === Kind.LIST_TYPE) return [];
  if (type.kind === Kind.NON_NULL_TYPE) return placeholder(type.type);
  switch (type.name.value) {
    case 'Int':
    case 'Float':
      return 0;
    case 'Boolean':
      return false;
    case 'String':
    case 'ID':
    case 'DateTimeISO':
      return '';
    default:
      return {};
  }
}
