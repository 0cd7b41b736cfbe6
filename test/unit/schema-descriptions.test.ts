import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { getSchema } from '../../src/schema/build';

/**
 * Every element of our schema a client can see — type, field, argument, input field, enum value;
 * not graphql-js' own scalars and `__` types — paired with its description, by its coordinate
 * (`Type.field(argument:)`, the GraphQL spec's schema coordinates).
 */
function describedElements(schema: GraphQLSchema): Array<[coordinate: string, description: string | null | undefined]> {
  const elements: Array<[string, string | null | undefined]> = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    elements.push([type.name, type.description]);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        elements.push([`${type.name}.${field.name}`, field.description]);
        for (const arg of field.args) elements.push([`${type.name}.${field.name}(${arg.name}:)`, arg.description]);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) elements.push([`${type.name}.${field.name}`, field.description]);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) elements.push([`${type.name}.${value.name}`, value.description]);
    }
  }
  return elements;
}

describe('the schema’s descriptions', () => {
  test('every type, field, argument, input field and enum value has one', async () => {
    const elements = describedElements(await getSchema());
    expect(elements.length).toBeGreaterThan(400);
    const undescribed = elements.filter(([, description]) => !description?.trim()).map(([coordinate]) => coordinate);
    expect(undescribed).toEqual([]);
  });

  test('no description only restates its element’s name', async () => {
    const words = (text: string) =>
      text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, ' ')
        .replace(/\b(the|a|an|its|this)\b/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
    const split = (name: string) => words(name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' '));
    const restating = describedElements(await getSchema())
      .filter(([coordinate, description]) => description && words(description) === split(coordinate.replace(/^.*[.(]|:\)$/g, '')))
      .map(([coordinate]) => coordinate);
    expect(restating).toEqual([]);
  });
});
