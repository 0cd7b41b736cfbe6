import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search by any part of a name, username, email or external ID (docs/decisions.md 90): the
 * searched fields of an identity folded into one text — accents removed (unaccent), lower-cased,
 * one field per line — by an IMMUTABLE function, and a trigram GIN index (pg_trgm) on it, which
 * serves `LIKE '%term%'`. The term is folded by the same function, so both sides agree.
 *
 * Not in a transaction: the index is built CONCURRENTLY, so that a deployment on a realm of a
 * million identities does not stop identity writes while it builds. Every step can run again after
 * a failure (an interrupted concurrent build leaves an invalid index, dropped first).
 */
export class SearchIdentities1795470000000 implements MigrationInterface {
  name = 'SearchIdentities1795470000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const trgm = await requireExtension(q, 'pg_trgm', 'the trigram index that makes identity search fast');
    const unaccent = await requireExtension(q, 'unaccent', 'accent-insensitive identity search');
    const own = await currentSchema(q);
    await q.query(`DROP INDEX IF EXISTS identities_search_idx`);
    // Qualified names, and the dictionary named: an index expression must mean the same whatever
    // the search_path of the session that evaluates it (a restore runs with an empty one).
    // unaccent() is STABLE only because its dictionary could be changed; this wrapper promises it
    // will not be, as PostgreSQL's documentation of unaccent suggests for indexes.
    await q.query(
      `CREATE OR REPLACE FUNCTION search_fold(value text) RETURNS text
         LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
         AS $$ SELECT pg_catalog.lower(${unaccent}.unaccent('${unaccent}.unaccent'::regdictionary, value)) $$`,
    );
    await q.query(
      `CREATE OR REPLACE FUNCTION identity_search_text(display_name text, username text, primary_email text, full_name text, external_id text)
         RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
         AS $$ SELECT ${own}.search_fold(pg_catalog.concat_ws(E'\\n', display_name, username, primary_email, full_name, external_id)) $$`,
    );
    await q.query(
      `CREATE INDEX CONCURRENTLY identities_search_idx ON identities
         USING gin (identity_search_text(display_name, username, primary_email, full_name, external_id) ${trgm}.gin_trgm_ops)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS identities_search_idx`);
    await q.query(`DROP FUNCTION IF EXISTS identity_search_text(text, text, text, text, text)`);
    await q.query(`DROP FUNCTION IF EXISTS search_fold(text)`);
    // The extensions stay: other objects of the database may use them, and dropping one needs the
    // rights that creating it needed.
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function currentSchema(q: QueryRunner): Promise<string> {
  const [{ schema }] = await q.query(`SELECT current_schema() AS schema`);
  return quoteIdent(schema);
}

/**
 * Creates the extension unless it is there, and returns the schema it lives in, quoted. A role that
 * may not create it (or a server that does not ship it) gets a message naming the extension and
 * what to do, rather than the driver's; the search would be wrong or slow without it.
 */
async function requireExtension(q: QueryRunner, extension: string, neededFor: string): Promise<string> {
  try {
    await q.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
  } catch (error) {
    const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
    const [{ database }] = await q.query(`SELECT current_database() AS database`);
    const why =
      code === '42501'
        ? `the database role may not create it`
        : code === '58P01' || code === '0A000'
          ? `this PostgreSQL server does not have it installed (it is in PostgreSQL's contrib package)`
          : `PostgreSQL refused: ${error instanceof Error ? error.message : String(error)}`;
    throw new Error(
      `The PostgreSQL extension "${extension}" is needed for ${neededFor}, and ${why}. ` +
        `Ask a superuser to run \`CREATE EXTENSION IF NOT EXISTS ${extension};\` in the database "${database}", then start realmgraph again.`,
    );
  }
  const [{ schema }] = await q.query(
    `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1`,
    [extension],
  );
  return quoteIdent(schema);
}
