/** A timestamp as the API prints it: `Date#toISOString()`'s form, made by PostgreSQL. */
export type IsoTimestamp = string;

/**
 * The SQL that prints a timestamptz column in that form (UTC, milliseconds truncated as a Date
 * would hold them, `Z`), so that rows reach the API as strings: see src/common/date-time.scalar.ts.
 */
export const isoTimestamp = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
