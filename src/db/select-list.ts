/**
 * A select list: the key columns always (what resolvers and loaders need: the uuid, the realm, …),
 * and each field's column when `fields` (the GraphQL fields a query selects, src/common/selection.ts)
 * names it, or every one when `fields` is absent. A row read with `fields` holds only those.
 */
export function selectList(keys: readonly string[], columns: Readonly<Record<string, string>>, fields?: ReadonlySet<string>): string {
  const names = Object.keys(columns);
  return [...keys, ...(fields ? names.filter((name) => fields.has(name)) : names).map((name) => columns[name])].join(', ');
}
