import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSchema, getIntrospectionQuery, GraphQLError, parse, specifiedRules, validate, type OperationDefinitionNode } from 'graphql';
import { loadConfig } from '../../src/config';
import { getSchema } from '../../src/schema/build';
import { aliasRule } from '../../src/server/limits/aliases';
import { CostMeter, costRule } from '../../src/server/limits/cost';
import { depthRule } from '../../src/server/limits/depth';
import { documentTooLarge, withLimitCode } from '../../src/server/limits/limit-error';

const schema = buildSchema(`
  type Query {
    realm: Realm
    realms(first: Int, last: Int, after: String, before: String): RealmConnection!
    nodes(ids: [ID!]!): [Node]!
  }
  type Mutation { addMembers(ids: [ID!]!): AddPayload! }
  type AddPayload { added: [Identity!]! }
  interface Node { id: ID! }
  type Realm implements Node { id: ID! name: String! groups(first: Int, last: Int): GroupConnection! }
  type Group implements Node { id: ID! name: String! members(first: Int, last: Int): IdentityConnection! }
  type Identity implements Node { id: ID! name: String! groups(first: Int): GroupConnection! }
  type PageInfo { hasNextPage: Boolean! }
  type RealmConnection { totalCount: Int! pageInfo: PageInfo! edges: [RealmEdge!]! }
  type RealmEdge { cursor: String! node: Realm! }
  type GroupConnection { totalCount: Int! pageInfo: PageInfo! edges: [GroupEdge!]! }
  type GroupEdge { node: Group! }
  type IdentityConnection { pageInfo: PageInfo! edges: [IdentityEdge!]! }
  type IdentityEdge { node: Identity! }
`);

const options = { defaultPageSize: 20, maxPageSize: 100, maxListSize: 1000 };

function cost(source: string, variables: Record<string, unknown> = {}): number {
  const document = parse(source);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition')!;
  return new CostMeter(schema, document, variables, options).operation(operation);
}

describe('cost', () => {
  test('every field counts 1', () => {
    expect(cost('{ realm { id name } }')).toBe(3);
  });

  test('a page multiplies the cost of what it selects by its size', () => {
    // realm 1 + groups (1 + 10 × (edges 1 + node 1 + name 1))
    expect(cost('{ realm { groups(first: 10) { edges { node { name } } } } }')).toBe(1 + 1 + 10 * 3);
    expect(cost('{ realm { groups(last: 10) { edges { node { name } } } } }')).toBe(32);
  });

  test('pages multiply through the nesting', () => {
    const query = `{ realm { groups(first: 50) { edges { node { members(first: 100) { edges { node {
      groups(first: 10) { edges { node { name } } } } } } } } } } }`;
    const innerGroups = 1 + 10 * 3;
    const members = 1 + 100 * (1 + 1 + innerGroups);
    expect(cost(query)).toBe(1 + 1 + 50 * (1 + 1 + members));
  });

  test('without `first` or `last`, a page is the default page size', () => {
    expect(cost('{ realms { totalCount } }')).toBe(1 + 20 * 1);
  });

  test('a page size from the variables counts, else the variable’s default, else the default page size', () => {
    const query = 'query($n: Int = 5) { realms(first: $n) { totalCount } }';
    expect(cost(query, { n: 50 })).toBe(51);
    expect(cost(query)).toBe(6);
    expect(cost('query($n: Int) { realms(first: $n) { totalCount } }')).toBe(21);
    expect(cost('query($n: Int) { realms(first: $n) { totalCount } }', { n: null })).toBe(21);
  });

  test('a page counts at most the maximum page size (a larger one is refused by the field itself)', () => {
    expect(cost('{ realms(first: 5000) { totalCount } }')).toBe(101);
    expect(cost('query($n: Int) { realms(first: $n) { totalCount } }', { n: 'many' })).toBe(101);
    expect(cost('{ realms(first: -3) { totalCount } }')).toBe(1);
  });

  test('a list multiplies by the length of its list argument, as a literal or a variable', () => {
    expect(cost('{ nodes(ids: ["a", "b", "c"]) { id } }')).toBe(1 + 3 * 1);
    expect(cost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b'] })).toBe(3);
    expect(cost('{ nodes(ids: "a") { id } }')).toBe(2);
  });

  test('a list with no size of its own counts as a full batch', () => {
    expect(cost('mutation { addMembers(ids: ["a"]) { added { name } } }')).toBe(1 + 1 + 1000 * 1);
  });

  test('the lists inside a connection are its page, counted once', () => {
    // realms 1 + 2 × (edges (1 + node (1 + id 1)) + pageInfo (1 + hasNextPage 1))
    expect(cost('{ realms(first: 2) { edges { node { id } } pageInfo { hasNextPage } } }')).toBe(1 + 2 * (3 + 2));
  });

  test('a branch @skip or @include leaves out costs nothing; one whose condition is unknown counts', () => {
    const page = '{ realm { groups(first: 100) { edges { node { name } } } } }';
    const full = cost(page);
    expect(cost('{ realm { id groups(first: 100) @include(if: false) { edges { node { name } } } } }')).toBe(2);
    expect(cost('{ realm { id groups(first: 100) @skip(if: true) { edges { node { name } } } } }')).toBe(2);
    expect(cost('{ realm { groups(first: 100) @include(if: true) { edges { node { name } } } } }')).toBe(full);
    const byVariable = 'query($more: Boolean!) { realm { id ... on Realm @include(if: $more) { groups(first: 100) { edges { node { name } } } } } }';
    expect(cost(byVariable, { more: false })).toBe(2);
    expect(cost(byVariable, { more: true })).toBe(full + 1);
    const spread = 'query($less: Boolean = true) { realm { id ...G @skip(if: $less) } } fragment G on Realm { groups(first: 100) { edges { node { name } } } }';
    expect(cost(spread)).toBe(2);
    expect(cost(spread, { less: false })).toBe(full + 1);
    expect(cost('query($more: Boolean!) { realm { id groups(first: 100) @include(if: $more) { edges { node { name } } } } }')).toBe(full + 1);
  });

  test('a fragment costs where it is spread, as often as it is spread', () => {
    const spread = cost(`{ realms(first: 3) { edges { node { ...G } } } realm { ...G } }
      fragment G on Realm { groups(first: 4) { edges { node { name } } } }`);
    const groups = 1 + 4 * 3;
    expect(spread).toBe(1 + 3 * (1 + 1 + groups) + 1 + groups);
    expect(cost('{ nodes(ids: ["a"]) { ... on Group { name } ... on Realm { name } } }')).toBe(1 + 1 * 2);
  });

  test('a document whose fragments double at every step is measured in linear time', () => {
    const fragments = Array.from({ length: 200 }, (_, i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} }`).join('\n');
    const total = cost(`{ ...F200 } ${fragments} fragment F0 on Query { realm { id } }`);
    expect(total).toBe(2 ** 200 * 2);
  });

  test('cyclic fragments end (graphql-js refuses them)', () => {
    expect(cost('{ realm { ...A } } fragment A on Realm { ...B } fragment B on Realm { name ...A }')).toBe(2);
  });

  test('introspection counts each field once', () => {
    const document = parse(getIntrospectionQuery());
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(new CostMeter(schema, document, {}, options).operation(operation)).toBeLessThan(300);
  });

  test('as a rule: QUERY_TOO_COMPLEX with the limit and the cost found', () => {
    const document = parse('query Big($n: Int) { realms(first: $n) { edges { node { name } } } }');
    const rule = (variables: Record<string, unknown>) => costRule({ ...options, maxCost: 100, variables, operationName: 'Big' });
    expect(validate(schema, document, [rule({ n: 10 })])).toEqual([]);
    const [error] = validate(schema, document, [rule({ n: 50 })]);
    expect(error.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 100, found: 151 });
    expect(error.message).toMatch(/about 151 values .* at most 100\./);
  });
});

describe('depth', () => {
  const errors = (source: string, max: number) => validate(schema, parse(source), [depthRule(max)]);

  test('counts fields from the root to the deepest leaf, through fragments', () => {
    expect(errors('{ realm { name } }', 2)).toEqual([]);
    const [error] = errors('{ realm { ...R } } fragment R on Realm { groups { edges { node { name } } } }', 4);
    expect(error.extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: 4, found: 5 });
    expect(error.message).toMatch(/5 levels deep \(under `realm`\); the server accepts at most 4\./);
  });

  test('graphql-js’ introspection query passes whatever the limit', () => {
    const introspection = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    expect(errors(introspection, 3)).toEqual([]);
    // __schema → types → (fields → type) × 7 → name: the schema's cycle, unrolled past the allowance.
    const cyclic = `{ __schema { types { ${'fields { type { '.repeat(7)} name ${'} } '.repeat(7)} } } }`;
    expect(errors(cyclic, 12)[0].extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: 15, found: 17 });
  });

  test('cyclic fragments end', () => {
    expect(errors('{ realm { ...A } } fragment A on Realm { ...B } fragment B on Realm { name ...A }', 3)).toEqual([]);
  });
});

describe('aliases', () => {
  const errors = (source: string, max: number) => validate(schema, parse(source), [aliasRule(max)]);

  test('counts every alias of the document, fragments included', () => {
    expect(errors('{ a: realm { id } b: realm { id } }', 2)).toEqual([]);
    const [error] = errors('{ a: realm { ...R } b: realm { id } } fragment R on Realm { c: id }', 2);
    expect(error.extensions).toEqual({ code: 'TOO_MANY_ALIASES', limit: 2, found: 3 });
    expect(error.locations).toEqual([{ line: 1, column: 61 }]);
  });
});

describe('tokens', () => {
  test('graphql-js stops parsing past maxLexicalTokens; its error becomes DOCUMENT_TOO_LARGE', () => {
    let caught: unknown;
    try {
      parse(`{ ${'__typename '.repeat(200)}}`, { maxLexicalTokens: 100 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GraphQLError);
    const coded = documentTooLarge(caught as GraphQLError);
    expect(coded?.extensions).toEqual({ code: 'DOCUMENT_TOO_LARGE', limit: 100 });
    expect(coded?.message).toMatch(/more than 100 tokens/);
    expect(documentTooLarge(new GraphQLError('Syntax Error: Expected Name, found <EOF>.'))).toBeUndefined();
  });

  test('Apollo’s wrapped parse and validation errors get the limit’s code back; others stay as they are', () => {
    const limit = validate(schema, parse('{ a: realm { id } b: realm { id } }'), [aliasRule(1)])[0];
    const wrapped = new GraphQLError(limit.message, { originalError: limit, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(withLimitCode(wrapped)).toBe(limit);
    const [other] = validate(schema, parse('{ nope }'), specifiedRules);
    const wrappedOther = new GraphQLError(other.message, { originalError: other, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(withLimitCode(wrappedOther)).toBe(wrappedOther);
  });
});

describe('the default limits', () => {
  test('let every README example through, the nested read realm → groups(50) → members(100) → groups(10) included', async () => {
    const config = loadConfig({});
    const readme = await readFile(path.join(__dirname, '../../README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);
    const appSchema = await getSchema();
    const costs: Record<string, number> = {};
    for (const block of blocks) {
      const document = parse(block, { maxLexicalTokens: config.limits.maxQueryTokens });
      const rules = [depthRule(config.limits.maxQueryDepth), aliasRule(config.limits.maxAliases)];
      expect(validate(appSchema, document, rules)).toEqual([]);
      for (const definition of document.definitions) {
        if (definition.kind !== 'OperationDefinition') continue;
        const meter = new CostMeter(appSchema, document, {}, { defaultPageSize: config.defaultPageSize, maxPageSize: config.maxPageSize, maxListSize: 1000 });
        costs[definition.name!.value] = meter.operation(definition);
      }
    }
    // The figure README "Limits" quotes, and half the default maximum.
    expect(costs.NestedRead).toBe(250_302);
    expect(Math.max(...Object.values(costs))).toBeLessThanOrEqual(config.limits.maxQueryCost);
  });

  test('count TRANSITIVE lists as lists: the same cost as DIRECT, refused past the limit alike (decision 106)', async () => {
    const config = loadConfig({});
    const appSchema = await getSchema();
    const measure = (source: string) => {
      const document = parse(source);
      const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition')!;
      return new CostMeter(appSchema, document, {}, { defaultPageSize: config.defaultPageSize, maxPageSize: config.maxPageSize, maxListSize: 1000 }).operation(operation);
    };
    const read = (kind: string, realms: number) => `query { realms(first: ${realms}) { edges { node { groups(first: 10) { edges { node { transitiveMemberCount
      members(membership: ${kind}, first: 100) { totalCount edges { direct node { groups(membership: ${kind}, first: 10) { edges { node { name } } } } } }
    } } } } } } }`;
    expect(measure(read('TRANSITIVE', 1))).toBe(measure(read('DIRECT', 1)));
    // The pages multiply: 100 members × 10 groups under each of 10 groups.
    expect(measure(read('TRANSITIVE', 1))).toBeGreaterThan(10 * 100 * 10 * 3);
    expect(measure(read('TRANSITIVE', 20))).toBeGreaterThan(config.limits.maxQueryCost);
  });
});
