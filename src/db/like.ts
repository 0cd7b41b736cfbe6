/** LIKE treats % and _ as wildcards: a search for "a_b" means those three characters. */
export function likePrefix(text: string): string {
  return text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/**
 * The LIKE pattern "contains `text`" built in SQL from the SQL expression `text`, its `\`, `%` and
 * `_` escaped: for a term that PostgreSQL folds first (search_fold), so that the escaping sees the
 * folded text. Made of immutable functions of a parameter, it is a constant when planned.
 */
export function likeInfixSql(text: string): string {
  return `'%' || replace(replace(replace(${text}, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;
}
