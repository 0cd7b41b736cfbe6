import { getArgumentValues, Kind, type FieldNode, type GraphQLField, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

type Fragments = GraphQLResolveInfo['fragments'];

const cache = new WeakMap<readonly FieldNode[], ListSelection>();

/**
 * What a query selects of a connection's items: the fields of the nodes, and of the edges
 * themselves (`cursor`, `addedAt`, …; `cursor` also when pageInfo's `startCursor` or `endCursor` is
 * selected). A list reads the columns these need, and no others (decision 61).
 */
export interface ListSelection {
  readonly node: ReadonlySet<string>;
  readonly edge: ReadonlySet<string>;
}

/**
 * What a query selects of a connection (`edges { cursor node { … } }`, `pageInfo`), through
 * fragments, so that a list reads only those columns: a nested read of 50 × 100 members and their
 * groups otherwise parsed and dropped ten columns per row (bench/ANALYSIS.md). `@skip`/`@include`
 * are not evaluated: a superset of the fields is harmless. graphql-js hands every row of a list the
 * same `fieldNodes`, so each list is walked once.
 */
export function listSelection(info: GraphQLResolveInfo): ListSelection {
  return listSelectionOf(info.fieldNodes, info.fragments);
}

function listSelectionOf(fieldNodes: readonly FieldNode[], fragments: Fragments): ListSelection {
  let selection = cache.get(fieldNodes);
  if (!selection) {
    const connections = selectionSets(fieldNodes);
    const edges = collect(fragments, connections, 'edges');
    const edge = namesIn(fragments, edges);
    const pageInfo = namesIn(fragments, collect(fragments, connections, 'pageInfo'));
    if (pageInfo.has('startCursor') || pageInfo.has('endCursor')) edge.add('cursor');
    selection = { node: namesIn(fragments, collect(fragments, edges, 'node')), edge };
    cache.set(fieldNodes, selection);
  }
  return selection;
}

const selectionSets = (fieldNodes: readonly FieldNode[]) => fieldNodes.map((node) => node.selectionSet);

/** A connection the query selects on every node of another: what its resolver will be given. */
export interface NestedConnection {
  /** Its arguments, as graphql-js coerces them. */
  args: Record<string, unknown>;
  /** What it selects of its own items (listSelection). */
  selection: ListSelection;
  selectsTotalCount: boolean;
}

const nestedCache = new WeakMap<readonly FieldNode[], { variables: unknown; byName: Map<string, NestedConnection[]> }>();

/**
 * The connections called `field.name` that a query selects on the nodes of this connection, one
 * per response key (aliases may ask for different pages): a level that has loaded its rows can
 * load theirs for all of them at once, and each row's resolver then finds its page ready.
 */
export function nestedConnections(info: GraphQLResolveInfo, field: GraphQLField<unknown, unknown>): readonly NestedConnection[] {
  let cached = nestedCache.get(info.fieldNodes);
  if (cached?.variables !== info.variableValues) nestedCache.set(info.fieldNodes, (cached = { variables: info.variableValues, byName: new Map() }));
  let nested = cached.byName.get(field.name);
  if (!nested) {
    const byResponseKey = new Map<string, FieldNode[]>();
    for (const selectionSet of collect(info.fragments, collect(info.fragments, selectionSets(info.fieldNodes), 'edges'), 'node')) {
      eachField(info.fragments, selectionSet, (node) => {
        if (node.name.value !== field.name) return;
        const key = node.alias?.value ?? node.name.value;
        byResponseKey.set(key, [...(byResponseKey.get(key) ?? []), node]);
      });
    }
    nested = [...byResponseKey.values()].map((fieldNodes) => ({
      // Fields of one response key have the same arguments (graphql's validation makes sure).
      args: getArgumentValues(field, fieldNodes[0], info.variableValues),
      selection: listSelectionOf(fieldNodes, info.fragments),
      selectsTotalCount: namesIn(info.fragments, selectionSets(fieldNodes)).has('totalCount'),
    }));
    cached.byName.set(field.name, nested);
  }
  return nested;
}

/**
 * The fields a query selects on the objects of its field `name`, a plain list such as a mutation
 * payload's `addedMembers`, through fragments: a write then returns only those columns.
 */
export function fieldsSelectedOn(info: GraphQLResolveInfo, name: string): ReadonlySet<string> {
  return namesIn(info.fragments, collect(info.fragments, selectionSets(info.fieldNodes), name));
}

/** A selection of no field: rows read with it hold only their keys (selectList). */
export const noFields: ReadonlySet<string> = new Set();

/** The names of the fields in these selection sets. */
function namesIn(fragments: Fragments, sets: ReadonlyArray<SelectionSetNode | undefined>): Set<string> {
  const names = new Set<string>();
  for (const selectionSet of sets) eachField(fragments, selectionSet, (field) => names.add(field.name.value));
  return names;
}

/** The selection sets of the fields called `name` in these selection sets. */
function collect(fragments: Fragments, selectionSets: ReadonlyArray<SelectionSetNode | undefined>, name: string): SelectionSetNode[] {
  const found: SelectionSetNode[] = [];
  for (const selectionSet of selectionSets) {
    eachField(fragments, selectionSet, (field) => {
      if (field.name.value === name && field.selectionSet) found.push(field.selectionSet);
    });
  }
  return found;
}

function eachField(fragments: Fragments, selectionSet: SelectionSetNode | undefined, visit: (field: FieldNode) => void): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) visit(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(fragments, selection.selectionSet, visit);
    else eachField(fragments, fragments[selection.name.value]?.selectionSet, visit);
  }
}
