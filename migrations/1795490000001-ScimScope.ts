import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The scope `scim` (issue #13): an identity provider's token, which provisions its realm over SCIM 2.0. */
export class ScimScope1795490000001 implements MigrationInterface {
  name = 'ScimScope1795490000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check`);
    await q.query(`ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[${quoted([...before, 'scim'])}]::text[])`);
    // A token that held every scope (the first admin token, or one made with all of them) holds the
    // new one too: a creator grants only what it holds, and otherwise no token could make an
    // identity provider's.
    await q.query(`UPDATE api_tokens SET scopes = scopes || '{scim}'::text[] WHERE scopes @> ARRAY[${quoted(before)}]::text[] AND NOT 'scim' = ANY(scopes)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM api_tokens WHERE 'scim' = ANY(scopes)`);
    await q.query(`ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check`);
    await q.query(`ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[${quoted(before)}]::text[])`);
  }
}

/** The scopes before this migration; a migration keeps its own copy, since the list grows after it. */
const before = [
  'realms:read',
  'realms:write',
  'identities:read',
  'identities:write',
  'groups:read',
  'groups:write',
  'invitations:read',
  'invitations:write',
  'events:read',
  'tokens:write',
];

const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');
