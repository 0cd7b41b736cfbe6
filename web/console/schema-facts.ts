/**
 * What the console needs of the schema, taken from schema/schema.graphql when the page is built
 * (scripts/build-web.ts) rather than written again here: the object types with no `id` (embedded in
 * their parent by the cache), the concrete types of each interface, and the event types the audit
 * list filters by — a new one appears in the console with the build that serves it.
 */
declare const CONSOLE_SCHEMA: { embedded: string[]; possibleTypes: Record<string, string[]>; eventTypes: string[] };

export const schemaFacts = CONSOLE_SCHEMA;
