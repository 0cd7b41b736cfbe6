import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';
import { identityFilterSql } from '../../src/identity/identity.columns';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { planWithoutSeqScan } from '../helpers/plan';

/*
 * The search's two ways to go wrong that no answer shows: a predicate the trigram index does not
 * serve (right answers, a scan of every identity), and a server where the extensions cannot be had.
 */

describe('the search index', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** The plan of the search's own predicate, with scans of the whole table ruled out. */
  async function plan(search: string): Promise<string> {
    const params: unknown[] = [];
    const where = identityFilterSql('i', { search }, params);
    return planWithoutSeqScan(db.dataSource, `SELECT i.id FROM identities i WHERE ${where.join(' AND ')}`, params);
  }

  test('serves a search of three characters or more, whatever its wildcards and accents', async () => {
    for (const term of ['yil', 'Yilmaz', 'DVOŘÁK', '50%_off', 'okta|00u']) expect(await plan(term)).toContain('identities_search_idx');
  });

  test('a shorter term is a prefix search, which the trigram index cannot serve', async () => {
    expect(await plan('yi')).not.toContain('identities_search_idx');
  });
});

describe('the extensions search needs, on a server where the role may not create them', () => {
  const adminUrl = process.env.REALMGRAPH_TEST_ADMIN_URL!;
  const suffix = randomBytes(4).toString('hex');
  const database = `realmgraph_noext_${process.env.REALMGRAPH_TEST_RUN}_${suffix}`;
  const role = `realmgraph_noext_${suffix}`;
  let admin: Client;

  const urlAs = (user: string | null, name: string) => {
    const url = new URL(adminUrl);
    if (user) {
      url.username = user;
      url.password = 'secret';
    }
    url.pathname = `/${name}`;
    return url.toString();
  };

  beforeAll(async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    // A database the role does not own, so that it lacks the CREATE right trusted extensions need,
    // and a schema it may create its tables in: what a managed server's application role often has.
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'secret'`);
    await admin.query(`CREATE DATABASE ${database} TEMPLATE template0`);
    await admin.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
    const inDatabase = new Client({ connectionString: urlAs(null, database) });
    await inDatabase.connect();
    await inDatabase.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${role}`);
    await inDatabase.end();
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  const open = () => openDatabase(loadConfig({ DATABASE_URL: urlAs(role, database) }), createLogger('error', () => {}));

  test('start-up fails with a message naming the extension and what to do; once a superuser has created them, it starts', async () => {
    await expect(open()).rejects.toThrow(
      new Error(
        `The PostgreSQL extension "pg_trgm" is needed for the trigram index that makes identity search fast, and the database role may not create it. ` +
          `Ask a superuser to run \`CREATE EXTENSION IF NOT EXISTS pg_trgm;\` in the database "${database}", then start realmgraph again.`,
      ),
    );

    const inDatabase = new Client({ connectionString: urlAs(null, database) });
    await inDatabase.connect();
    await inDatabase.query(`CREATE EXTENSION pg_trgm`);
    await inDatabase.end();
    await expect(open()).rejects.toThrow(/extension "unaccent" is needed for accent-insensitive identity search, and the database role may not create it/);

    const again = new Client({ connectionString: urlAs(null, database) });
    await again.connect();
    await again.query(`CREATE EXTENSION unaccent`);
    await again.end();
    const opened = await open();
    try {
      const [{ count }] = await opened.dataSource.query(`SELECT count(*)::integer AS count FROM pg_indexes WHERE indexname = 'identities_search_idx'`);
      expect(count).toBe(1);
    } finally {
      await opened.close();
    }
  });
});
