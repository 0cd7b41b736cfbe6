import { allColumns, type Columns } from '../common/projection';

/**
 * A select list: the key columns always (what resolvers and loaders need: the uuid, the realm, …),
 * and the expression of each column `columns` names (src/common/projection.ts), or of every one.
 */
export function selectList<C extends string>(keys: readonly string[], expressions: Readonly<Record<C, string>>, columns: Columns<C>): string {
  const names = Object.keys(expressions) as C[];
  return [...keys, ...(columns === allColumns ? names : names.filter((name) => columns.has(name))).map((name) => expressions[name])].join(', ');
}
