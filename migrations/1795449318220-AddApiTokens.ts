import type { MigrationInterface, QueryRunner } from 'typeorm';

const scopes = [
  'realms:read', 'realms:write', 'identities:read', 'identities:write', 'groups:read', 'groups:write',
  'invitations:read', 'invitations:write', 'events:read', 'tokens:write',
];

/**
 * API tokens: the secret is shown once and stored only as its SHA-256. A token without a realm
 * spans all realms. The ADMIN_TOKEN of the environment is kept as a row too (from_environment), so
 * that events can name it and a changed ADMIN_TOKEN revokes the previous one.
 */
export class AddApiTokens1795449318220 implements MigrationInterface {
  name = 'AddApiTokens1795449318220';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        realm_id uuid,
        scopes text[] NOT NULL,
        token_hash bytea NOT NULL,
        from_environment boolean NOT NULL DEFAULT false,
        created_by uuid,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
        CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
        CONSTRAINT api_tokens_realm_id_fkey FOREIGN KEY (realm_id) REFERENCES realms (id) ON DELETE CASCADE,
        CONSTRAINT api_tokens_created_by_fkey FOREIGN KEY (created_by) REFERENCES api_tokens (id) ON DELETE SET NULL,
        CONSTRAINT api_tokens_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
        CONSTRAINT api_tokens_scopes_check CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[${scopes.map((s) => `'${s}'`).join(', ')}]::text[]),
        CONSTRAINT api_tokens_token_hash_length CHECK (octet_length(token_hash) = 32)
      )`);
    await q.query(`CREATE INDEX api_tokens_realm_created_at_idx ON api_tokens (realm_id, created_at, id)`);
    await q.query(`CREATE INDEX api_tokens_created_by_idx ON api_tokens (created_by)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
  }
}
