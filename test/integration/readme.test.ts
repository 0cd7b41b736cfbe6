import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, validate } from 'graphql';
import { getSchema } from '../../src/schema/build';

/** The README's examples are what newcomers paste first: they must stay valid against the schema. */
describe('README examples', () => {
  test('every ```graphql block is a valid document for the current schema', async () => {
    const readme = await readFile(path.join(__dirname, '../../README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const schema = await getSchema();
    for (const block of blocks) {
      expect({ block, errors: validate(schema, parse(block)).map((error) => error.message) }).toEqual({ block, errors: [] });
    }
  });
});
