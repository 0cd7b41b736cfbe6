import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The folded search text of an identity stored in a column, `search_text`, kept by a trigger, and
 * the trigram index on the column rather than on the expression (docs/decisions.md 101). On a
 * million identities, with a list ordered by creation time, the planner walks the realm's
 * creation-order index and tests each identity it passes until a page is full: on the expression,
 * each test folded five fields again (unaccent, lower); on the column it is a LIKE on stored text,
 * and the planner estimates the match rate from the column's own statistics.
 *
 * A trigger rather than a generated column: adding a column with no default takes no table rewrite
 * (a stored generated column rewrites the table under an exclusive lock), and TypeORM records a
 * generated column's expression under the database's name, which a database copied from a template
 * or restored under another name no longer matches. The trigger exists before the backfill, so rows
 * written meanwhile are folded too; the backfill goes in batches of the primary key, each its own
 * transaction, and the index is built CONCURRENTLY — so no step holds identity writes for long, and
 * every step can run again after a failure.
 */
export class StoreSearchText1795480000000 implements MigrationInterface {
  name = 'StoreSearchText1795480000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const trgm = await extensionSchema(q, 'pg_trgm');
    const [{ schema }] = await q.query(`SELECT current_schema() AS schema`);
    const own = quoteIdent(schema);
    await q.query(`ALTER TABLE identities ADD COLUMN IF NOT EXISTS search_text text`);
    await q.query(
      `CREATE OR REPLACE FUNCTION identities_fold_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         NEW.search_text := ${own}.identity_search_text(NEW.display_name, NEW.username, NEW.primary_email, NEW.full_name, NEW.external_id);
         RETURN NEW;
       END $$`,
    );
    await q.query(`DROP TRIGGER IF EXISTS identities_search_text ON identities`);
    await q.query(
      `CREATE TRIGGER identities_search_text BEFORE INSERT OR UPDATE OF display_name, username, primary_email, full_name, external_id
         ON identities FOR EACH ROW EXECUTE FUNCTION identities_fold_search_text()`,
    );
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const [batch] = await q.query(
        `SELECT id::text AS last FROM (SELECT id FROM identities WHERE id > $1 ORDER BY id LIMIT 20000) batch ORDER BY id DESC LIMIT 1`,
        [after],
      );
      if (!batch) break;
      const { last } = batch as { last: string };
      await q.query(
        `UPDATE identities SET search_text = identity_search_text(display_name, username, primary_email, full_name, external_id)
         WHERE id > $1 AND id <= $2 AND search_text IS NULL`,
        [after, last],
      );
      after = last;
    }
    await q.query(`DROP INDEX IF EXISTS identities_search_text_idx`);
    await q.query(`CREATE INDEX CONCURRENTLY identities_search_text_idx ON identities USING gin (search_text ${trgm}.gin_trgm_ops)`);
    // The index keeps its name: plans, tests and the decisions know it as identities_search_idx.
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS identities_search_idx`);
    await q.query(`ALTER INDEX identities_search_text_idx RENAME TO identities_search_idx`);
    await q.query(`ANALYZE identities`);
  }

  async down(q: QueryRunner): Promise<void> {
    const trgm = await extensionSchema(q, 'pg_trgm');
    await q.query(`DROP INDEX IF EXISTS identities_search_idx`);
    await q.query(
      `CREATE INDEX identities_search_idx ON identities
         USING gin (identity_search_text(display_name, username, primary_email, full_name, external_id) ${trgm}.gin_trgm_ops)`,
    );
    await q.query(`DROP TRIGGER IF EXISTS identities_search_text ON identities`);
    await q.query(`DROP FUNCTION IF EXISTS identities_fold_search_text()`);
    await q.query(`ALTER TABLE identities DROP COLUMN IF EXISTS search_text`);
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function extensionSchema(q: QueryRunner, extension: string): Promise<string> {
  const [{ schema }] = await q.query(
    `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1`,
    [extension],
  );
  return quoteIdent(schema);
}
