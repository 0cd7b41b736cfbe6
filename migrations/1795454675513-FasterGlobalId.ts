import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * global_id() without translate(): the same IDs (test/integration/schema.test.ts checks them against
 * src/common/global-id.ts), at about a quarter of the cost. translate() is multibyte-aware and cost
 * ≈ 2.5 µs per call here; a nested read makes ten thousand IDs (bench/ANALYSIS.md). base64 pads
 * with '=' only at the end and wraps lines only past 57 bytes of input, hence rtrim and the newline.
 */
export class FasterGlobalId1795454675513 implements MigrationInterface {
  name = 'FasterGlobalId1795454675513';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION global_id(type text, id uuid) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT rtrim(replace(replace(replace(encode(convert_to(type || ':' || id::text, 'UTF8'), 'base64'), E'\\n', ''), '+', '-'), '/', '_'), '=') $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION global_id(type text, id uuid) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT translate(encode(convert_to(type || ':' || id::text, 'UTF8'), 'base64'), E'+/=\\n', '-_') $$`);
  }
}
