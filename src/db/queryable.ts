/** What runs SQL: the data source (reads outside a transaction) or a transaction (`Tx`). */
export interface Queryable {
  query<T = any>(sql: string, parameters?: unknown[]): Promise<T>;
}
