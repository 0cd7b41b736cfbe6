import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __embeddedPostgres?: { stop(): Promise<void> } }).__embeddedPostgres;
  if (embedded) {
    await embedded.stop();
    return;
  }
  // On a shared server, leave nothing behind: the template and every database a test file made.
  const admin = new Client({ connectionString: process.env.REALMGRAPH_TEST_ADMIN_URL });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
    [`realmgraph_test_${process.env.REALMGRAPH_TEST_RUN}_%`, process.env.REALMGRAPH_TEST_TEMPLATE],
  );
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await admin.end();
}
