import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';

/** `Date#toISOString()`'s form: UTC, milliseconds, `Z`. */
const isoForm = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * graphql-scalars' DateTimeISO (same name, description and input parsing), except that a string
 * already in the output's form is passed through. Lists build their timestamps in SQL in that form
 * (src/db/iso-timestamp.ts): parsing thousands of them into Dates per request only to print them
 * again was a visible share of a nested read's time (bench/ANALYSIS.md).
 */
export const DateTimeISO = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  serialize: (value) => (typeof value === 'string' && isoForm.test(value) ? value : GraphQLDateTimeISO.serialize(value)),
});
