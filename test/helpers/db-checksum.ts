import type { TestDatabase } from './database';

/**
 * The tables a request can change, each as a row count and an md5 of its rows: equal checksums
 * before and after mean nothing changed. `api_tokens.last_used_at` is left out: using a token
 * rightly sets it, and it is not a change any mutation makes.
 */
const tables: Record<string, string> = {
  realms: 'to_jsonb(x)',
  identities: 'to_jsonb(x)',
  groups: 'to_jsonb(x)',
  group_memberships: 'to_jsonb(x)',
  invitations: 'to_jsonb(x)',
  email_outbox: 'to_jsonb(x)',
  api_tokens: `to_jsonb(x) - 'last_used_at'`,
  events: 'to_jsonb(x)',
};

export type Checksums = Record<string, string>;

export async function databaseChecksums(db: TestDatabase): Promise<Checksums> {
  const sql = Object.entries(tables)
    .map(
      ([table, row]) =>
        `SELECT '${table}' AS "table", count(*) || ':' || md5(coalesce(string_agg((${row})::text, '|' ORDER BY (${row})::text), '')) AS sum FROM ${table} x`,
    )
    .join(' UNION ALL ');
  const rows: Array<{ table: string; sum: string }> = await db.dataSource.query(sql);
  return Object.fromEntries(rows.map((row) => [row.table, row.sum]));
}
