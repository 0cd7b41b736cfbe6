import { isNonNullType } from 'graphql';
import { getSchema } from '../../src/schema/build';

describe('the schema’s mutations', () => {
  // A refused root field nulls its nearest nullable ancestor: with a non-null payload that is all of
  // `data`, and the payloads of the document's mutations that committed are lost (docs/decisions.md 84).
  test('every one returns a nullable payload, so that a refused one is its own field null', async () => {
    const fields = Object.values((await getSchema()).getMutationType()!.getFields());
    expect(fields.length).toBeGreaterThan(15);
    expect(fields.filter((field) => isNonNullType(field.type)).map((field) => field.name)).toEqual([]);
  });
});
