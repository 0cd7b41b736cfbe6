import { assertObjectType, getArgumentValues, Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { allColumns, type Columns, type ListProjection, type NestedList } from '../common/projection';

/*
 * Where GraphQL stops: a query's selection turned into what a read needs (src/common/projection.ts),
 * through fragments. `@skip`/`@include` are not evaluated: a superset of the columns is harmless.
 * graphql-js hands every row of a list the same `fieldNodes`, so each list is walked once.
 */

type Fragments = GraphQLResolveInfo['fragments'];

/**
 * What each GraphQL field of a type reads of its row, beyond the keys every row carries. A field
 * missing from its map reads the whole row (a field added to a type and not here is slower, never
 * wrong); test/unit/projection.test.ts makes sure every field is here.
 */
export type FieldColumns<C extends string> = Readonly<Record<string, readonly C[]>>;

/** The edge of every connection: the cursor (also what pageInfo's `startCursor`/`endCursor` print); `node` is the item. */
export const edgeFields: FieldColumns<'cursor'> = { cursor: ['cursor'], node: [] };

/** The columns the fields of these selection sets read, by `map`. */
function columnsOf<C extends string>(fields: ReadonlySet<string>, map: FieldColumns<C>): Columns<C> {
  const columns = new Set<C>();
  for (const field of fields) {
    if (field === '__typename') continue;
    const reads = map[field];
    if (reads === undefined) return allColumns;
    for (const column of reads) columns.add(column);
  }
  return columns;
}

/** How the items and the edges of one connection type read their rows. */
export interface ConnectionFields<C extends string, E extends string> {
  readonly node: FieldColumns<C>;
  readonly edge: FieldColumns<E>;
}

const listCache = new WeakMap<readonly FieldNode[], ListProjection<string, string>>();

/** What the query reads of the connection `info` resolves (`edges { cursor node { … } }`, `pageInfo`). */
export function listProjection<C extends string, E extends string>(info: GraphQLResolveInfo, fields: ConnectionFields<C, E>): ListProjection<C, E> {
  return listProjectionOf(info.fieldNodes, info.fragments, fields);
}

function listProjectionOf<C extends string, E extends string>(
  fieldNodes: readonly FieldNode[],
  fragments: Fragments,
  fields: ConnectionFields<C, E>,
): ListProjection<C, E> {
  let projection = listCache.get(fieldNodes) as ListProjection<C, E> | undefined;
  if (!projection) {
    const connections = selectionSets(fieldNodes);
    const edges = collect(fragments, connections, 'edges');
    const edgeNames = namesIn(fragments, edges);
    const pageInfo = namesIn(fragments, collect(fragments, connections, 'pageInfo'));
    if (pageInfo.has('startCursor') || pageInfo.has('endCursor')) edgeNames.add('cursor');
    projection = {
      node: columnsOf(namesIn(fragments, collect(fragments, edges, 'node')), fields.node),
      edge: columnsOf(edgeNames, fields.edge),
    };
    listCache.set(fieldNodes, projection);
  }
  return projection;
}

/** What the query reads of a plain list of edges `info` resolves (a payload's `addedEdges { cursor addedAt node { … } }`). */
export function edgeListProjection<C extends string, E extends string>(info: GraphQLResolveInfo, fields: ConnectionFields<C, E>): ListProjection<C, E> {
  const edges = selectionSets(info.fieldNodes);
  return {
    node: columnsOf(namesIn(info.fragments, collect(info.fragments, edges, 'node')), fields.node),
    edge: columnsOf(namesIn(info.fragments, edges), fields.edge),
  };
}

/** What the query reads of the objects the field `info` resolves returns, a plain object or list such as a payload's `addedMembers`. */
export function objectColumns<C extends string>(info: GraphQLResolveInfo, fields: FieldColumns<C>): Columns<C> {
  return columnsOf(namesIn(info.fragments, selectionSets(info.fieldNodes)), fields);
}

const nestedCache = new WeakMap<readonly FieldNode[], { variables: unknown; byName: Map<string, NestedList<string, string>[]> }>();

/**
 * The connections called `field` that the query asks of every item of the connection `info`
 * resolves, whose items are of the type `itemType`, one per response key (aliases may ask for
 * different pages): what a level that has loaded its rows loads for all of them at once.
 */
export function nestedLists<C extends string, E extends string>(
  info: GraphQLResolveInfo,
  itemType: string,
  field: string,
  fields: ConnectionFields<C, E>,
): readonly NestedList<C, E>[] {
  let cached = nestedCache.get(info.fieldNodes);
  if (cached?.variables !== info.variableValues) nestedCache.set(info.fieldNodes, (cached = { variables: info.variableValues, byName: new Map() }));
  let nested = cached.byName.get(field) as NestedList<C, E>[] | undefined;
  if (!nested) {
    const definition = typeFields(info, itemType)[field];
    const byResponseKey = new Map<string, FieldNode[]>();
    for (const selectionSet of collect(info.fragments, collect(info.fragments, selectionSets(info.fieldNodes), 'edges'), 'node')) {
      eachField(info.fragments, selectionSet, (node) => {
        if (node.name.value !== field) return;
        const key = node.alias?.value ?? node.name.value;
        byResponseKey.set(key, [...(byResponseKey.get(key) ?? []), node]);
      });
    }
    nested = [...byResponseKey.values()].map((fieldNodes) => ({
      // Fields of one response key have the same arguments (graphql's validation makes sure).
      args: getArgumentValues(definition, fieldNodes[0], info.variableValues),
      projection: listProjectionOf(fieldNodes, info.fragments, fields),
      totalCount: namesIn(info.fragments, selectionSets(fieldNodes)).has('totalCount'),
    }));
    cached.byName.set(field, nested);
  }
  return nested;
}

const typeFields = (info: GraphQLResolveInfo, typeName: string) => assertObjectType(info.schema.getType(typeName)).getFields();

const selectionSets = (fieldNodes: readonly FieldNode[]) => fieldNodes.map((node) => node.selectionSet);

/** The names of the fields in these selection sets. */
function namesIn(fragments: Fragments, sets: ReadonlyArray<SelectionSetNode | undefined>): Set<string> {
  const names = new Set<string>();
  for (const selectionSet of sets) eachField(fragments, selectionSet, (field) => names.add(field.name.value));
  return names;
}

/** The selection sets of the fields called `name` in these selection sets. */
function collect(fragments: Fragments, sets: ReadonlyArray<SelectionSetNode | undefined>, name: string): SelectionSetNode[] {
  const found: SelectionSetNode[] = [];
  for (const selectionSet of sets) {
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
