import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, print, validate, type DocumentNode } from 'graphql';
import * as documents from '../../web/console/documents';

/**
 * The console's operations against the schema it ships with: a change to the API that would break
 * the console (a field renamed, an argument made required) fails here, not in a browser.
 */
const schema = buildSchema(readFileSync(path.join(__dirname, '../../schema/schema.graphql'), 'utf8'));
const operations = Object.entries(documents) as Array<[string, DocumentNode]>;

test('there are operations to check', () => {
  expect(operations.length).toBeGreaterThan(20);
});

test.each(operations)('%s is valid against schema/schema.graphql', (_name, document) => {
  expect(validate(schema, document).map((error) => error.message)).toEqual([]);
  // One operation each, named ConsoleSomething: the server's logs and metrics tell them apart.
  const names = document.definitions.flatMap((definition) => (definition.kind === 'OperationDefinition' ? [definition.name?.value] : []));
  expect(names).toHaveLength(1);
  expect(names[0]).toMatch(/^Console[A-Z]\w+$/);
  expect(print(document)).toContain(names[0]!);
});
