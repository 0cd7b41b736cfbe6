import 'reflect-metadata';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';
import { freePort } from './net';

/**
 * Tests run on a real PostgreSQL: the one TEST_DATABASE_URL names (any database on a server where
 * the user may CREATE DATABASE), or else an embedded one started here in a temporary directory.
 * The migrations are applied once, to a template database; each test file clones it.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'realmgraph-test-'));
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      logger: createLogger('warn'),
      persistent: false,
    });
    (globalThis as { __embeddedPostgres?: unknown }).__embeddedPostgres = embedded;
    adminUrl = embedded.adminUrl;
  }
  const template = `realmgraph_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  const dataSource = createDataSource(templateUrl.toString());
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  process.env.REALMGRAPH_TEST_ADMIN_URL = adminUrl;
  process.env.REALMGRAPH_TEST_TEMPLATE = template;
  process.env.REALMGRAPH_TEST_RUN = String(process.pid);
}
