import type { EmailStatus } from '../common/enums';
import type { Queryable } from '../db/queryable';
import type { Tx } from '../db/transaction';

/** A message to send after commit, written in the transaction that decided to send it. */
export interface QueuedEmail {
  realmUuid: string;
  invitationUuid: string | null;
  recipient: string;
  subject: string;
  textBody: string;
  htmlBody: string | null;
}

export async function insertOutboxEmail(tx: Tx, email: QueuedEmail): Promise<void> {
  await tx.query(
    `INSERT INTO email_outbox (realm_id, invitation_id, recipient, subject, text_body, html_body) VALUES ($1, $2, $3, $4, $5, $6)`,
    [email.realmUuid, email.invitationUuid, email.recipient, email.subject, email.textBody, email.htmlBody],
  );
}

/** Messages of these invitations that have not left yet will not: CANCELLED, their bodies (and links) erased. */
export async function cancelQueuedEmails(tx: Tx, invitationUuids: readonly string[]): Promise<void> {
  await tx.query(
    `UPDATE email_outbox SET status = 'CANCELLED', text_body = NULL, html_body = NULL, updated_at = now()
      WHERE invitation_id = ANY($1::uuid[]) AND status = 'QUEUED'`,
    [invitationUuids],
  );
}

/** A message claimed for one delivery attempt; `attempts` counts this one. */
export interface ClaimedEmail extends QueuedEmail {
  uuid: string;
  attempts: number;
}

/**
 * Claims up to `limit` due messages for one attempt each, and records the attempt before anything
 * is sent: counted, with its time (`last_attempt_at`), so that a process that dies mid-send — even
 * after the mail server took the message — has used one, and an operator sees when. SKIP LOCKED
 * lets every instance claim at once without waiting for or taking each other's rows; moving
 * `next_attempt_at` a lease ahead keeps the claimed rows from being claimed again once the claim
 * commits, while the message is being sent; past the lease the message is taken to be lost in
 * flight and is sent again (with the same Message-ID: src/email/message-id.ts).
 */
export function claimDueEmails(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedEmail[]> {
  // One statement, its own transaction: the row locks last only while it runs. (The outer SELECT
  // makes the driver return the rows, as it does for every query here.)
  return db.query(
    `WITH due AS (
       SELECT id FROM email_outbox
        WHERE status = 'QUEUED' AND next_attempt_at <= now()
        ORDER BY next_attempt_at
        LIMIT $1
          FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE email_outbox o
          SET attempts = o.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + $2 * interval '1 millisecond', updated_at = now()
         FROM due
        WHERE o.id = due.id
       RETURNING o.id AS uuid, o.realm_id AS "realmUuid", o.invitation_id AS "invitationUuid", o.recipient, o.subject,
                 o.text_body AS "textBody", o.html_body AS "htmlBody", o.attempts
     )
     SELECT * FROM claimed`,
    [limit, leaseMs],
  );
}

/**
 * The claimed attempt succeeded: SENT, the bodies erased, and an earlier attempt's error with them
 * (`lastError` tells why a message is not sent; the log keeps every attempt's). Only if the row is
 * still as this attempt claimed it (a revoke may have cancelled it meanwhile); says whether it was.
 */
export async function recordSent(tx: Tx, uuid: string, attempts: number): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE email_outbox SET status = 'SENT', sent_at = now(), last_error = NULL, text_body = NULL, html_body = NULL, updated_at = now()
      WHERE id = $1 AND status = 'QUEUED' AND attempts = $2 RETURNING id`,
    [uuid, attempts],
  );
  return rows.length > 0;
}

/**
 * The claimed attempt failed: due again after `retryInMs`, or, when `retryInMs` is null, given up
 * (FAILED, bodies erased). Same condition as recordSent.
 */
export async function recordFailure(tx: Tx, uuid: string, attempts: number, error: string, retryInMs: number | null): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE email_outbox
        SET last_error = $3, updated_at = now(),
            status = CASE WHEN $4::bigint IS NULL THEN 'FAILED' ELSE 'QUEUED' END,
            next_attempt_at = CASE WHEN $4::bigint IS NULL THEN next_attempt_at ELSE now() + $4::bigint * interval '1 millisecond' END,
            text_body = CASE WHEN $4::bigint IS NULL THEN NULL ELSE text_body END,
            html_body = CASE WHEN $4::bigint IS NULL THEN NULL ELSE html_body END
      WHERE id = $1 AND status = 'QUEUED' AND attempts = $2 RETURNING id`,
    [uuid, attempts, error, retryInMs],
  );
  return rows.length > 0;
}

/** Where an invitation's latest message stands. */
export interface DeliveryRow {
  invitationUuid: string;
  realmUuid: string;
  state: EmailStatus;
  attempts: number;
  /** When the latest attempt began; null before the first. */
  lastAttemptAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  /** When the next attempt is due; null unless QUEUED. */
  nextAttemptAt: Date | null;
}

/** The latest message of each invitation, in one statement (email_outbox_invitation_idx serves it). */
export function latestDeliveryByInvitation(db: Queryable, invitationUuids: readonly string[]): Promise<DeliveryRow[]> {
  return db.query(
    `SELECT DISTINCT ON (o.invitation_id)
            o.invitation_id AS "invitationUuid", o.realm_id AS "realmUuid", o.status AS state, o.attempts, o.last_attempt_at AS "lastAttemptAt", o.last_error AS "lastError",
            o.sent_at AS "sentAt", CASE WHEN o.status = 'QUEUED' THEN o.next_attempt_at END AS "nextAttemptAt"
       FROM email_outbox o
      WHERE o.invitation_id = ANY($1::uuid[])
      ORDER BY o.invitation_id, o.created_at DESC, o.id DESC`,
    [invitationUuids],
  );
}

/** Messages waiting to be sent (QUEUED, due or not): the index of due messages answers it. */
export async function queuedEmailCount(db: Queryable): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::int AS count FROM email_outbox WHERE status = 'QUEUED'`);
  return (row as { count: number }).count;
}
