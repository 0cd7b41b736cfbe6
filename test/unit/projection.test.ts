import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import { getSchema } from '../../src/schema/build';
import { groupFields, groupConnectionFields } from '../../src/group/group.type';
import { identityFields, identityConnectionFields } from '../../src/identity/identity.type';
import { groupMemberConnectionFields, identityGroupConnectionFields, membershipEdgeFields, nestedGroupEdgeFields } from '../../src/membership/membership.type';
import { edgeFields, listProjection, nestedLists, objectColumns, type FieldColumns } from '../../src/schema/projection';

/** What graphql-js hands the resolver of the document's first root field. */
async function infoOf(document: string, variableValues: Record<string, unknown> = {}): Promise<GraphQLResolveInfo> {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    parsed.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const field = operation.selectionSet.selections[0] as FieldNode;
  return { fieldName: field.name.value, fieldNodes: [field], fragments, variableValues, schema: await getSchema() } as unknown as GraphQLResolveInfo;
}

const sorted = (columns: 'all' | ReadonlySet<string>) => (columns === 'all' ? columns : [...columns].sort());

describe('what each GraphQL field reads of its row', () => {
  test.each<[string, FieldColumns<string>]>([
    ['Identity', identityFields],
    ['Group', groupFields],
    ['IdentityEdge', edgeFields],
    ['GroupEdge', edgeFields],
    ['GroupMemberEdge', membershipEdgeFields],
    ['IdentityGroupEdge', membershipEdgeFields],
    ['NestedGroupEdge', nestedGroupEdgeFields],
  ])('every field of %s is mapped, and nothing else', async (typeName, map) => {
    const type = (await getSchema()).getType(typeName) as { getFields(): Record<string, unknown> };
    // A field left out would read whole rows: correct, and silently slower.
    expect(Object.keys(map).sort()).toEqual(Object.keys(type.getFields()).sort());
  });
});

describe('a selection as a projection', () => {
  test('a list reads the columns of the fields selected, through fragments, inline fragments and aliases', async () => {
    const info = await infoOf(`{ members {
      edges { node { id ...F ... on Identity { shown: username } realm { id } } }
      pageInfo { endCursor }
    } } fragment F on Identity { displayName __typename }`);
    const projection = listProjection(info, groupMemberConnectionFields);
    expect(sorted(projection.node)).toEqual(['displayName', 'id', 'username']);
    // pageInfo's cursors are the edges' cursors.
    expect(sorted(projection.edge)).toEqual(['cursor']);
  });

  test('a field the map does not know reads the whole row', async () => {
    const info = await infoOf(`{ members { edges { addedAt node { id aFieldAddedLater } } } }`);
    const projection = listProjection(info, groupMemberConnectionFields);
    expect(projection.node).toBe('all');
    expect(sorted(projection.edge)).toEqual(['addedAt']);
  });

  test('a list whose items are only counted reads their keys alone', async () => {
    const info = await infoOf(`{ identities { totalCount pageInfo { hasNextPage } } }`);
    expect(listProjection(info, identityConnectionFields)).toEqual({ node: new Set(), edge: new Set() });
  });

  test('the same field nodes give the same projection, so that loaders batch on it', async () => {
    const info = await infoOf(`{ groups { edges { node { name } } } }`);
    expect(listProjection(info, groupConnectionFields)).toBe(listProjection(info, groupConnectionFields));
  });

  test('a payload’s objects read what is selected of them', async () => {
    const info = await infoOf(`mutation { addedMembers { id ...F } } fragment F on Identity { primaryEmail realm { id } }`);
    expect(sorted(objectColumns(info, identityFields))).toEqual(['id', 'primaryEmail']);
    expect(sorted(objectColumns(await infoOf(`{ group { name __typename } }`), groupFields))).toEqual(['name']);
  });

  test('the lists asked of every item come one per response key, with their arguments coerced', async () => {
    const info = await infoOf(
      `query($n: Int) { members { edges { node {
        groups(first: $n) { totalCount edges { addedAt node { name } } }
        some: groups(first: 2) { edges { node { id } } }
      } } } }`,
      { n: 5 },
    );
    const nested = nestedLists(info, 'Identity', 'groups', identityGroupConnectionFields);
    expect(nested.map((list) => ({ args: list.args, node: sorted(list.projection.node), edge: sorted(list.projection.edge), totalCount: list.totalCount }))).toEqual([
      { args: { first: 5, membership: 'DIRECT' }, node: ['name'], edge: ['addedAt'], totalCount: true },
      { args: { first: 2, membership: 'DIRECT' }, node: ['id'], edge: [], totalCount: false },
    ]);
  });
});
