import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Suspected duplicates (issue #13, docs/decisions.md 103): the same person made by hand and
 * provisioned by the identity provider under another username and email. Each rule compares one
 * key of two identities of a realm, folded by an IMMUTABLE function (the `search_fold` of
 * SearchIdentities: accents and case), and each key has a btree index that leads with the realm and
 * the source — a probe asks for the other source's identities with the same key, in creation order,
 * so that one identity's duplicates are a few index range scans however large the realm. Partial
 * (`IS NOT NULL`): an identity without a phone number or an employee number has no entry there.
 * `identities_realm_source_created_at_idx` walks one source's identities of a realm in creation
 * order: the realm's list of pairs, and `Realm.identities(filter: { source })`.
 *
 * Not in a transaction: the indexes are built CONCURRENTLY, so that identity writes go on while they
 * build on a large realm; every step can run again after a failure (an invalid index is dropped
 * first). A migration keeps its own copy of the expressions: src/identity/duplicate-rules.ts calls
 * the same functions, by name.
 */
export class IdentityDuplicates1795500000000 implements MigrationInterface {
  name = 'IdentityDuplicates1795500000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const [{ schema }] = await q.query(`SELECT current_schema() AS schema`);
    const own = quoteIdent(schema);
    // A name: folded, every run of characters that are neither letters nor digits one space, trimmed;
    // NULL unless two words are left ("Ada Lovelace", not "Ada"): one word is a first name or a
    // handle, which many people share.
    await q.query(
      `CREATE OR REPLACE FUNCTION duplicate_name_key(value text) RETURNS text
         LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
         AS $$ SELECT pg_catalog.substring(pg_catalog.btrim(pg_catalog.regexp_replace(${own}.search_fold(value), '[^[:alnum:]]+', ' ', 'g')), '^[^ ]+ .+$') $$`,
    );
    // The full name; without one, the given and family names when both are there (SCIM's name parts).
    await q.query(
      `CREATE OR REPLACE FUNCTION duplicate_full_name_key(full_name text, given_name text, family_name text) RETURNS text
         LANGUAGE sql IMMUTABLE PARALLEL SAFE
         AS $$ SELECT ${own}.duplicate_name_key(COALESCE(full_name,
                CASE WHEN given_name IS NOT NULL AND family_name IS NOT NULL THEN pg_catalog.concat_ws(' ', given_name, family_name) END)) $$`,
    );
    // An email's local part: folded, a "+tag" dropped, only letters and digits kept
    // ("Ada.Lovelace+it@…" → "adalovelace").
    await q.query(
      `CREATE OR REPLACE FUNCTION duplicate_email_key(email text) RETURNS text
         LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
         AS $$ SELECT NULLIF(pg_catalog.regexp_replace(
                pg_catalog.split_part(pg_catalog.split_part(${own}.search_fold(email), '@', 1), '+', 1), '[^[:alnum:]]+', '', 'g'), '') $$`,
    );
    // An identifier typed by people (an employee number): folded, white space dropped.
    await q.query(
      `CREATE OR REPLACE FUNCTION duplicate_identifier_key(value text) RETURNS text
         LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
         AS $$ SELECT NULLIF(pg_catalog.regexp_replace(${own}.search_fold(value), '\\s+', '', 'g'), '') $$`,
    );
    for (const [name, key] of keyIndexes) {
      await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await q.query(`CREATE INDEX CONCURRENTLY ${name} ON identities (realm_id, source, (${key}), created_at, id) WHERE (${key}) IS NOT NULL`);
    }
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS identities_realm_source_created_at_idx`);
    await q.query(`CREATE INDEX CONCURRENTLY identities_realm_source_created_at_idx ON identities (realm_id, source, created_at, id)`);
    // The statistics of the new expressions, now rather than at autovacuum's next pass.
    await q.query(`ANALYZE identities`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS identities_realm_source_created_at_idx`);
    for (const [name] of keyIndexes) await q.query(`DROP INDEX IF EXISTS ${name}`);
    await q.query(`DROP FUNCTION IF EXISTS duplicate_identifier_key(text)`);
    await q.query(`DROP FUNCTION IF EXISTS duplicate_email_key(text)`);
    await q.query(`DROP FUNCTION IF EXISTS duplicate_full_name_key(text, text, text)`);
    await q.query(`DROP FUNCTION IF EXISTS duplicate_name_key(text)`);
  }
}

const keyIndexes: ReadonlyArray<[name: string, key: string]> = [
  ['identities_duplicate_full_name_idx', 'duplicate_full_name_key(full_name, given_name, family_name)'],
  ['identities_duplicate_display_name_idx', 'duplicate_name_key(display_name)'],
  ['identities_duplicate_email_idx', 'duplicate_email_key(primary_email)'],
  ['identities_duplicate_phone_number_idx', 'phone_number'],
  ['identities_duplicate_employee_number_idx', 'duplicate_identifier_key(employee_number)'],
];

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
