import type { DataSource } from 'typeorm';
import { withTransaction } from '../db/transaction';
import { insertToken, syncEnvironmentToken } from './api-token.repository';
import { scopes } from './scopes';
import { hashTokenSecret, newTokenSecret } from './token-secret';

/**
 * The tokens a fresh server needs: ADMIN_TOKEN from the environment becomes an all-realms admin
 * token (a changed value revokes the previous one); without it, the first start on a database with
 * no token at all creates one and returns its secret, for the caller to print once.
 */
export async function bootstrapTokens(dataSource: DataSource, adminToken: string | undefined): Promise<{ created?: string }> {
  return withTransaction(dataSource, async (tx) => {
    // One instance at a time: two first starts must not both create a token.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('realmgraph.bootstrap-tokens'))`);
    const { wasEmpty } = await syncEnvironmentToken(tx, adminToken ? hashTokenSecret(adminToken) : null, scopes);
    if (adminToken || !wasEmpty) return {};
    const secret = newTokenSecret();
    await insertToken(tx, { name: 'first admin', realmUuid: null, scopes, hash: hashTokenSecret(secret), expiresAt: null, createdBy: null });
    return { created: secret };
  });
}
