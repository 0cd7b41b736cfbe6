import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { applyMigrations } from '../../src/db/database';
import { StatementCounter } from '../../src/db/statement-counter';
import { createLogger } from '../../src/logger';
import { migrations } from '../../migrations';

/**
 * Instances started together on a new database (a compose file, a rolling deployment's first
 * start) each apply the pending migrations at start-up: they must not race each other.
 */
test('instances migrating one new database at once: every migration applied once, none fails', async () => {
  const admin = new Client({ connectionString: process.env.REALMGRAPH_TEST_ADMIN_URL });
  await admin.connect();
  const name = `realmgraph_test_${process.env.REALMGRAPH_TEST_RUN}_migrate_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.REALMGRAPH_TEST_ADMIN_URL!);
  url.pathname = `/${name}`;
  const lines: string[] = [];
  const logger = createLogger('info', (line) => lines.push(line));
  try {
    await Promise.all([1, 2, 3].map(() => applyMigrations(url.toString(), new StatementCounter(), logger, 5000)));
    const check = new Client({ connectionString: url.toString() });
    await check.connect();
    const { rows } = await check.query(`SELECT name, count(*)::integer AS times FROM typeorm_migrations GROUP BY name`);
    await check.end();
    expect(rows).toHaveLength(migrations.length);
    expect(rows.every((row) => row.times === 1)).toBe(true);
    expect(lines.filter((line) => JSON.parse(line).message === 'migration applied')).toHaveLength(migrations.length);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}, 120_000);
