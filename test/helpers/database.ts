import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { StatementCounter } from '../../src/db/statement-counter';

export interface TestDatabase {
  readonly url: string;
  readonly dataSource: DataSource;
  /** SQL statements sent through `dataSource` so far. */
  readonly statements: StatementCounter;
  /** Another connection pool on the same database, as a second server instance would have (its statements counted by `statements`, when given). */
  newDataSource(statements?: StatementCounter): Promise<DataSource>;
  drop(): Promise<void>;
}

function adminClient(): Client {
  const url = process.env.REALMGRAPH_TEST_ADMIN_URL;
  if (!url) throw new Error('REALMGRAPH_TEST_ADMIN_URL is unset: run the tests through jest (its globalSetup starts PostgreSQL).');
  return new Client({ connectionString: url });
}

/** A database of its own for one test file: a copy of the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  // The teardown finds leftovers by the run's ID.
  const name = `realmgraph_test_${process.env.REALMGRAPH_TEST_RUN}_${randomBytes(4).toString('hex')}`;
  const admin = adminClient();
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.REALMGRAPH_TEST_TEMPLATE}`);
        break;
      } catch (error) {
        // Two files cloning the template at the same instant: "source database is being accessed".
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(process.env.REALMGRAPH_TEST_ADMIN_URL!);
  url.pathname = `/${name}`;
  const statements = new StatementCounter();
  const dataSource = createDataSource(url.toString(), statements);
  await dataSource.initialize();
  const others: DataSource[] = [];
  return {
    url: url.toString(),
    dataSource,
    statements,
    newDataSource: async (counter?: StatementCounter) => {
      const other = createDataSource(url.toString(), counter);
      others.push(await other.initialize());
      return other;
    },
    drop: async () => {
      for (const source of [dataSource, ...others]) if (source.isInitialized) await source.destroy();
      const client = adminClient();
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
