import { keysetSql, type CursorRow, type Ordering, type PageRequest } from '../common/pagination';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';
import type { Scope } from './scopes';

/** A token as the API shows it: never its secret, nor its hash. */
export interface ApiTokenRow {
  __typename: 'ApiToken';
  id: string;
  uuid: string;
  name: string;
  realmUuid: string | null;
  scopes: Scope[];
  fromEnvironment: boolean;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

const columns = `'ApiToken' AS "__typename", global_id('ApiToken', t.id) AS id, t.id AS uuid, t.name,
  t.realm_id AS "realmUuid", t.scopes, t.from_environment AS "fromEnvironment", t.expires_at AS "expiresAt",
  t.revoked_at AS "revokedAt", t.last_used_at AS "lastUsedAt", t.created_at AS "createdAt"`;

export const apiTokenOrdering: Ordering = {
  key: 'apiToken.created',
  columns: [
    { sql: 't.created_at', type: 'timestamptz' },
    { sql: 't.id', type: 'uuid' },
  ],
  descending: false,
};

/** The token with this hash if it may be used now: not revoked, not expired. */
export async function findUsableToken(db: Queryable, hash: Buffer): Promise<ApiTokenRow | undefined> {
  const [row] = await db.query(
    `SELECT ${columns} FROM api_tokens t
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`,
    [hash],
  );
  return row;
}

/** Of these tokens, those still usable: live WebSocket connections of the others are closed. */
export async function usableTokenUuids(db: Queryable, uuids: readonly string[]): Promise<Set<string>> {
  const rows: Array<{ id: string }> = await db.query(
    `SELECT id FROM api_tokens WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [uuids],
  );
  return new Set(rows.map((row) => row.id));
}

/** At most once a minute per token, so that reading a token costs no write per request. */
export async function touchLastUsed(db: Queryable, uuid: string): Promise<void> {
  await db.query(
    `UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [uuid],
  );
}

export function findTokensByUuid(db: Queryable, uuids: readonly string[]): Promise<ApiTokenRow[]> {
  return db.query(`SELECT ${columns} FROM api_tokens t WHERE t.id = ANY($1::uuid[])`, [uuids]);
}

/** A page of tokens, all of them or those of one realm. */
export function findTokenPage(db: Queryable, realmUuid: string | null, request: PageRequest): Promise<Array<CursorRow<ApiTokenRow>>> {
  const params: unknown[] = [realmUuid];
  const keyset = keysetSql(apiTokenOrdering, request, params);
  return db.query(
    `SELECT ${columns}, ${keyset.cursorColumns} FROM api_tokens t
      WHERE ($1::uuid IS NULL OR t.realm_id = $1) AND ${keyset.predicate}
      ORDER BY ${keyset.orderBy} LIMIT ${keyset.limit}`,
    params,
  );
}

export async function countTokens(db: Queryable, realmUuid: string | null): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::integer AS count FROM api_tokens WHERE ($1::uuid IS NULL OR realm_id = $1)`, [realmUuid]);
  return row.count;
}

export interface NewApiToken {
  name: string;
  realmUuid: string | null;
  scopes: readonly Scope[];
  hash: Buffer;
  expiresAt: Date | null;
  createdBy: string | null;
  fromEnvironment?: boolean;
}

export async function insertToken(tx: Tx, token: NewApiToken): Promise<ApiTokenRow> {
  const [row] = await tx.query<ApiTokenRow>(
    `INSERT INTO api_tokens AS t (name, realm_id, scopes, token_hash, expires_at, created_by, from_environment)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${columns}`,
    [token.name, token.realmUuid, token.scopes, token.hash, token.expiresAt, token.createdBy, token.fromEnvironment ?? false],
  );
  return row;
}

/**
 * The token to revoke, locked FOR UPDATE (revokeTree locks the rest of its tree the same way):
 * a creation that holds its creator FOR KEY SHARE (lockUsableCreator) and this exclude each other.
 */
export async function lockToken(tx: Tx, uuid: string): Promise<ApiTokenRow | undefined> {
  const [row] = await tx.query<ApiTokenRow>(`SELECT ${columns} FROM api_tokens t WHERE t.id = $1 FOR UPDATE`, [uuid]);
  return row;
}

/**
 * The token creating another, if it may still be used, locked FOR KEY SHARE until the creation
 * commits (the created_by foreign key takes that lock anyway). A revocation of it (FOR UPDATE)
 * then waits for the new token to commit and revokes it with the rest of the tree; one that
 * committed first is seen here, after the wait, as the token revoked: undefined.
 */
export async function lockUsableCreator(tx: Tx, uuid: string): Promise<{ expiresAt: Date | null } | undefined> {
  const [row] = await tx.query<{ expiresAt: Date | null }>(
    `SELECT expires_at AS "expiresAt" FROM api_tokens
      WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        FOR KEY SHARE`,
    [uuid],
  );
  return row;
}

/** The channel on which a revocation reaches the token cache of every instance (src/auth/token-cache.ts). */
export const tokenRevokedChannel = 'realmgraph_token_revoked';

/**
 * Revokes the token and every token it created, and theirs, to the leaves; returns the rows this
 * revoked (those revoked already are left as they were). Each revocation queues a NOTIFY of its
 * uuid that PostgreSQL delivers only if the transaction commits: every instance then forgets each
 * token at once, not after its cache's TTL.
 *
 * A child may be committing while this runs. Its creation holds the creator FOR KEY SHARE, which
 * conflicts with the FOR UPDATE taken here: locking the creator waits until the child is
 * committed, and the next statement (READ COMMITTED: a new snapshot each) sees it. So the tree is
 * read again until a reading finds no token not locked yet; from then on every member is locked,
 * and a creation under any of them waits for this commit and then finds its creator revoked.
 * Parents are locked before their children, so that two revocations of nested tokens queue on the
 * inner root rather than deadlock.
 */
export async function revokeTree(tx: Tx, rootUuid: string): Promise<ApiTokenRow[]> {
  const locked = new Set<string>();
  const revoked: ApiTokenRow[] = [];
  for (;;) {
    const members = await tx.query<{ id: string }>(
      `WITH RECURSIVE tree (id, depth) AS (
         SELECT id, 0 FROM api_tokens WHERE id = $1
         UNION
         SELECT child.id, tree.depth + 1 FROM api_tokens child JOIN tree ON child.created_by = tree.id
       )
       SELECT t.id FROM api_tokens t JOIN tree USING (id) ORDER BY tree.depth, t.id FOR UPDATE OF t`,
      [rootUuid],
    );
    const fresh = members.map((member) => member.id).filter((id) => !locked.has(id));
    if (fresh.length === 0) return revoked;
    for (const id of fresh) locked.add(id);
    revoked.push(
      ...(await tx.query<ApiTokenRow>(
        `WITH revoked AS (UPDATE api_tokens AS t SET revoked_at = now() WHERE t.id = ANY($1::uuid[]) AND t.revoked_at IS NULL RETURNING t.*)
         SELECT ${columns} FROM revoked t, pg_notify('${tokenRevokedChannel}', t.id::text)`,
        [fresh],
      )),
    );
  }
}

/**
 * The ADMIN_TOKEN of the environment as a row: kept if it is the same secret, else the previous one
 * is revoked with the tokens it created (revokeTree: notified, as every revocation) and this one
 * recorded. Returns whether the table held no token before (first start).
 */
export async function syncEnvironmentToken(tx: Tx, hash: Buffer | null, allScopes: readonly Scope[]): Promise<{ wasEmpty: boolean }> {
  const [{ count }] = await tx.query<{ count: number }>(`SELECT count(*)::integer AS count FROM api_tokens`);
  const previous = await tx.query<{ id: string }>(
    `SELECT id FROM api_tokens WHERE from_environment AND revoked_at IS NULL AND token_hash IS DISTINCT FROM $1 ORDER BY id`,
    [hash],
  );
  for (const { id } of previous) await revokeTree(tx, id);
  if (hash) {
    await tx.query(
      `INSERT INTO api_tokens (name, scopes, token_hash, from_environment) VALUES ('ADMIN_TOKEN', $1, $2, true)
       ON CONFLICT (token_hash) DO UPDATE SET revoked_at = NULL, scopes = EXCLUDED.scopes, from_environment = true`,
      [allScopes, hash],
    );
  }
  return { wasEmpty: count === 0 };
}
