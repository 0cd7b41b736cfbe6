import type { IdentityRole, InvitationStatus } from '../common/enums';
import type { CursorRow, Ordering, PageRequest } from '../common/pagination';
import { countsByParent, pagesByParent } from '../db/paged-query';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';

/** An invitation as the API reads it: `id` is the global ID, `uuid` the database key. */
export interface InvitationRow {
  __typename: 'Invitation';
  id: string;
  uuid: string;
  realmUuid: string;
  /** Null once the invited identity is gone (revoked, or deleted after the invitation expired). */
  identityUuid: string | null;
  email: string;
  role: IdentityRole;
  fullName: string | null;
  phoneNumber: string | null;
  /** The groups to join on acceptance. */
  groupUuids: string[];
  /** As a reader sees it: a PENDING invitation past `expiresAt` reads EXPIRED before the expiry job writes it. */
  status: InvitationStatus;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** The effective status of invitations aliased `a`. */
const statusSql = (a: string) => `CASE WHEN ${a}.status = 'PENDING' AND ${a}.expires_at <= now() THEN 'EXPIRED' ELSE ${a}.status END`;

const invitationColumns = (a: string) => `'Invitation' AS "__typename", global_id('Invitation', ${a}.id) AS id,
  ${a}.id AS uuid, ${a}.realm_id AS "realmUuid", ${a}.identity_id AS "identityUuid", ${a}.email, ${a}.role,
  ${a}.full_name AS "fullName", ${a}.phone_number AS "phoneNumber", ${a}.group_ids::text[] AS "groupUuids",
  ${statusSql(a)} AS status, ${a}.expires_at AS "expiresAt", ${a}.accepted_at AS "acceptedAt",
  ${a}.revoked_at AS "revokedAt", ${a}.created_at AS "createdAt", ${a}.updated_at AS "updatedAt", ${a}.version`;

const columns = invitationColumns('inv');

/** A realm's invitations in the order they were made (invitations_realm_created_at_idx). */
export const invitationOrdering: Ordering = {
  key: 'invitation.created',
  columns: [
    { sql: 'inv.created_at', type: 'timestamptz' },
    { sql: 'inv.id', type: 'uuid' },
  ],
  descending: false,
};

export interface InvitationFilterValues {
  status?: InvitationStatus | null;
}

function invitationFilterSql(filter: InvitationFilterValues | undefined, params: unknown[]): string[] {
  if (!filter?.status) return [];
  switch (filter.status) {
    case 'PENDING':
      return [`inv.status = 'PENDING' AND inv.expires_at > now()`];
    case 'EXPIRED':
      return [`(inv.status = 'EXPIRED' OR (inv.status = 'PENDING' AND inv.expires_at <= now()))`];
    case 'ACCEPTED':
    case 'REVOKED':
      params.push(filter.status);
      return [`inv.status = $${params.length}`];
    default: {
      const unhandled: never = filter.status;
      throw new Error(`Unhandled invitation status: ${String(unhandled)}`);
    }
  }
}

export function findInvitationsByUuid(db: Queryable, uuids: readonly string[]): Promise<InvitationRow[]> {
  return db.query(`SELECT ${columns} FROM invitations inv WHERE inv.id = ANY($1::uuid[])`, [uuids]);
}

export function invitationPagesByRealm(
  db: Queryable,
  realmUuids: readonly string[],
  filter: InvitationFilterValues | undefined,
  request: PageRequest,
): Promise<Map<string, CursorRow<InvitationRow>[]>> {
  return pagesByParent<InvitationRow>(db, realmUuids, {
    select: columns,
    from: 'invitations inv',
    parentColumn: 'inv.realm_id',
    where: (params) => invitationFilterSql(filter, params),
    ordering: invitationOrdering,
    request,
  });
}

export function invitationCountsByRealm(db: Queryable, realmUuids: readonly string[], filter: InvitationFilterValues | undefined) {
  return countsByParent(db, realmUuids, {
    from: 'invitations inv',
    parentColumn: 'inv.realm_id',
    where: (params) => invitationFilterSql(filter, params),
  });
}

/**
 * The realm's live invitation of this address, if any: PENDING (perhaps past its expiry) or
 * EXPIRED with its invited identity still there, newest first.
 */
export async function findOpenInvitation(tx: Tx, realmUuid: string, email: string): Promise<InvitationRow | undefined> {
  const [row] = await tx.query<InvitationRow>(
    `SELECT ${columns} FROM invitations inv
      WHERE inv.realm_id = $1 AND lower(inv.email) COLLATE "C" = lower($2)
        AND inv.identity_id IS NOT NULL AND inv.status IN ('PENDING', 'EXPIRED')
      ORDER BY inv.created_at DESC LIMIT 1`,
    [realmUuid, email],
  );
  return row;
}

export interface NewInvitation {
  uuid: string;
  realmUuid: string;
  identityUuid: string;
  email: string;
  role: IdentityRole;
  fullName: string | null;
  phoneNumber: string | null;
  groupUuids: readonly string[];
  tokenHash: Buffer;
  expiresInHours: number;
}

export async function insertInvitation(tx: Tx, v: NewInvitation): Promise<InvitationRow> {
  const [row] = await tx.query<InvitationRow>(
    `INSERT INTO invitations AS inv (id, realm_id, identity_id, email, role, full_name, phone_number, group_ids, status, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::uuid[], 'PENDING', $9, now() + make_interval(hours => $10))
     RETURNING ${columns}`,
    [v.uuid, v.realmUuid, v.identityUuid, v.email, v.role, v.fullName, v.phoneNumber, v.groupUuids, v.tokenHash, v.expiresInHours],
  );
  return row;
}

/** Reads the invitation and locks it until the transaction ends: accept, revoke and resend take turns. */
export async function lockInvitation(tx: Tx, uuid: string): Promise<InvitationRow | undefined> {
  const [row] = await tx.query<InvitationRow>(`SELECT ${columns} FROM invitations inv WHERE inv.id = $1 FOR NO KEY UPDATE`, [uuid]);
  return row;
}

/** The invitation a token belongs to, locked: of two accepts of one token, the second waits and sees ACCEPTED. */
export async function lockInvitationByTokenHash(tx: Tx, tokenHash: Buffer): Promise<InvitationRow | undefined> {
  const [row] = await tx.query<InvitationRow>(`SELECT ${columns} FROM invitations inv WHERE inv.token_hash = $1 FOR NO KEY UPDATE`, [tokenHash]);
  return row;
}

const edit = `updated_at = now(), version = inv.version + 1`;

export async function markAccepted(tx: Tx, uuid: string): Promise<InvitationRow> {
  const [row] = await tx.query<InvitationRow>(
    `UPDATE invitations AS inv SET status = 'ACCEPTED', accepted_at = now(), ${edit} WHERE inv.id = $1 RETURNING ${columns}`,
    [uuid],
  );
  return row;
}

export async function markRevoked(tx: Tx, uuid: string): Promise<InvitationRow> {
  const [row] = await tx.query<InvitationRow>(
    `UPDATE invitations AS inv SET status = 'REVOKED', revoked_at = now(), ${edit} WHERE inv.id = $1 RETURNING ${columns}`,
    [uuid],
  );
  return row;
}

/** A resend: a new token (the old one stops working), PENDING again, the expiry restarted. */
export async function renewInvitation(tx: Tx, uuid: string, tokenHash: Buffer, expiresInHours: number): Promise<InvitationRow> {
  const [row] = await tx.query<InvitationRow>(
    `UPDATE invitations AS inv
        SET status = 'PENDING', token_hash = $2, expires_at = now() + make_interval(hours => $3), ${edit}
      WHERE inv.id = $1 RETURNING ${columns}`,
    [uuid, tokenHash, expiresInHours],
  );
  return row;
}

/** Realms that have pending invitations past their expiry (invitations_pending_expiry_idx). */
export async function realmsWithDueInvitations(db: Queryable, limit: number): Promise<string[]> {
  const rows: Array<{ realmUuid: string }> = await db.query(
    `SELECT DISTINCT inv.realm_id AS "realmUuid" FROM invitations inv
      WHERE inv.status = 'PENDING' AND inv.expires_at <= now() LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.realmUuid);
}

/**
 * Marks the realm's pending invitations that are past their expiry EXPIRED and returns them. A
 * conditional UPDATE: an instance that runs it at the same time waits for the row, finds it no
 * longer PENDING and skips it, so each expiry is written (and its event appended) once.
 */
export function expireDueInvitations(tx: Tx, realmUuid: string): Promise<Array<{ uuid: string; identityUuid: string | null }>> {
  return tx.query(
    `UPDATE invitations AS inv SET status = 'EXPIRED', ${edit}
      WHERE inv.realm_id = $1 AND inv.status = 'PENDING' AND inv.expires_at <= now()
      RETURNING inv.id AS uuid, inv.identity_id AS "identityUuid"`,
    [realmUuid],
  );
}
