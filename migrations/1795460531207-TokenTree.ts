import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each token with its creator, its creator's creator, … (created_by is set once, so there are no cycles). */
const lineage = `
  WITH RECURSIVE lineage (id, ancestor) AS (
    SELECT id, created_by FROM api_tokens WHERE created_by IS NOT NULL
    UNION
    SELECT lineage.id, a.created_by FROM lineage JOIN api_tokens a ON a.id = lineage.ancestor WHERE a.created_by IS NOT NULL
  )`;

/**
 * Tokens form a tree (docs/decisions.md 76): a token expires no later than the token that created
 * it, and revoking a token revokes the tokens it created. Tokens made before that rule may break
 * it; this makes them keep it, so that "no usable token has a revoked ancestor, nor outlives one"
 * holds of every row and not only of new ones. Each revocation is notified as revokeTree does, so
 * that running instances forget those tokens at once. The index it walks, api_tokens_created_by_idx,
 * exists since AddApiTokens.
 */
export class TokenTree1795460531207 implements MigrationInterface {
  name = 'TokenTree1795460531207';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`${lineage}
      UPDATE api_tokens t SET expires_at = bound.expires_at
        FROM (SELECT lineage.id, min(a.expires_at) AS expires_at
                FROM lineage JOIN api_tokens a ON a.id = lineage.ancestor
               WHERE a.expires_at IS NOT NULL
               GROUP BY lineage.id) bound
       WHERE t.id = bound.id AND (t.expires_at IS NULL OR t.expires_at > bound.expires_at)`);
    await q.query(`${lineage},
      revoked AS (
        UPDATE api_tokens t SET revoked_at = now()
          FROM (SELECT DISTINCT lineage.id FROM lineage JOIN api_tokens a ON a.id = lineage.ancestor WHERE a.revoked_at IS NOT NULL) doomed
         WHERE t.id = doomed.id AND t.revoked_at IS NULL
        RETURNING t.id
      )
      SELECT pg_notify('realmgraph_token_revoked', id::text) FROM revoked`);
  }

  /** Nothing to undo in the schema; the tokens revoked or shortened stay so (what they were is not kept). */
  async down(): Promise<void> {}
}
