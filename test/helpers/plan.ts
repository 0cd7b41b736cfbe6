import type { DataSource } from 'typeorm';

/**
 * PostgreSQL's plan of a statement with scans of whole tables ruled out (`enable_seqscan = off`,
 * for that transaction only): on a small test table the planner would scan it anyway, so a plan
 * that still scans says no index can serve the statement.
 */
export async function planWithoutSeqScan(dataSource: DataSource, sql: string, params: unknown[]): Promise<string> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query(`SET LOCAL enable_seqscan = off`);
    const rows: Array<{ 'QUERY PLAN': string }> = await runner.query(`EXPLAIN ${sql}`, params);
    await runner.rollbackTransaction();
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await runner.release();
  }
}
