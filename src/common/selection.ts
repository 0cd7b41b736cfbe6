import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

const cache = new WeakMap<readonly FieldNode[], ReadonlySet<string>>();

/**
 * The fields a query selects on the nodes of a connection (`edges { node { … } }`), through
 * fragments, so that a list reads only those columns: a nested read of 50 × 100 members and their
 * groups otherwise parsed and dropped ten columns per row (bench/ANALYSIS.md). `@skip`/`@include`
 * are not evaluated: a superset of the fields is harmless. graphql-js hands every row of a list the
 * same `fieldNodes`, so each list is walked once.
 */
export function nodeFields(info: GraphQLResolveInfo): ReadonlySet<string> {
  let fields = cache.get(info.fieldNodes);
  if (!fields) {
    const found = new Set<string>();
    const edges = collect(info, info.fieldNodes.map((node) => node.selectionSet), 'edges');
    const nodes = collect(info, edges, 'node');
    for (const selectionSet of nodes) eachField(info, selectionSet, (field) => found.add(field.name.value));
    fields = found;
    cache.set(info.fieldNodes, fields);
  }
  return fields;
}

/**
 * The fields a query selects on the objects of its field `name`, a plain list such as a mutation
 * payload's `addedMembers`, through fragments: a write then returns only those columns.
 */
export function fieldsSelectedOn(info: GraphQLResolveInfo, name: string): ReadonlySet<string> {
  const found = new Set<string>();
  for (const selectionSet of collect(info, info.fieldNodes.map((node) => node.selectionSet), name)) {
    eachField(info, selectionSet, (field) => found.add(field.name.value));
  }
  return found;
}

/** The selection sets of the fields called `name` in these selection sets. */
function collect(info: GraphQLResolveInfo, selectionSets: ReadonlyArray<SelectionSetNode | undefined>, name: string): SelectionSetNode[] {
  const found: SelectionSetNode[] = [];
  for (const selectionSet of selectionSets) {
    eachField(info, selectionSet, (field) => {
      if (field.name.value === name && field.selectionSet) found.push(field.selectionSet);
    });
  }
  return found;
}

function eachField(info: GraphQLResolveInfo, selectionSet: SelectionSetNode | undefined, visit: (field: FieldNode) => void): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) visit(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(info, selection.selectionSet, visit);
    else eachField(info, info.fragments[selection.name.value]?.selectionSet, visit);
  }
}
