import type { DataSource } from 'typeorm';
import { withTransaction } from '../db/transaction';
import { appendEvents } from '../events/event-log';
import type { Logger } from '../logger';
import type { Job } from '../jobs/jobs';
import { deliveryFailure } from './delivery-failure';
import { defaultMaxAttempts, defaultRetryBaseMs, defaultRetryCapMs, retryDelayMs } from './email-retry';
import { claimDueEmails, queuedEmailCount, recordFailure, recordSent, type ClaimedEmail } from './email-outbox.repository';
import type { EmailTransport } from './email-transport';

export interface EmailDeliveryOptions {
  /** Attempts before a message is given up (FAILED). */
  maxAttempts?: number;
  /** The delay after the first failure; it doubles with each further one. */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Messages claimed, and sent side by side, at a time. */
  batchSize?: number;
  /**
   * How long a claimed message is left to its sender before another instance may take it again
   * (the sender died mid-send): far longer than a send can take with the transport's timeouts.
   * EMAIL_LEASE_MS; 10 minutes by default.
   */
  leaseMs?: number;
}

/** How long a claimed message is its sender's before it counts as lost in flight (EMAIL_LEASE_MS). */
export const defaultEmailLeaseMs = 10 * 60 * 1000;

/** The job's name, to wake it after a commit that queued a message. */
export const emailDeliveryJobName = 'email-delivery';


/**
 * Sends what the outbox holds: claim (one statement, SKIP LOCKED, which records the attempt) →
 * commit → send → record the outcome and its event (another short transaction). No transaction
 * stays open across the SMTP conversation, so a slow mail server holds no row lock and no
 * connection. A message may go out twice if the process dies (or the database is out of reach)
 * between the mail server's acceptance and the record: after the lease it is sent again, with
 * the same Message-ID, so the copies are recognisably one message. Never zero times while
 * attempts remain (docs/decisions.md 79).
 */
export class EmailDeliveryJob implements Job {
  readonly name = emailDeliveryJobName;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryCapMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transport: EmailTransport,
    private readonly logger: Logger,
    options: EmailDeliveryOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? defaultMaxAttempts;
    this.retryBaseMs = options.retryBaseMs ?? defaultRetryBaseMs;
    this.retryCapMs = options.retryCapMs ?? defaultRetryCapMs;
    this.batchSize = options.batchSize ?? 10;
    this.leaseMs = options.leaseMs ?? defaultEmailLeaseMs;
  }

  /** Messages queued and not yet sent (the metrics' realmgraph_email_queue_depth). */
  queued(): Promise<number> {
    return queuedEmailCount(this.dataSource);
  }

  async run(): Promise<void> {
    // A bounded number of batches per run, so that a large backlog does not starve the timer.
    for (let batch = 0; batch < 20; batch++) {
      const claimed = await claimDueEmails(this.dataSource, this.batchSize, this.leaseMs);
      const outcomes = await Promise.allSettled(claimed.map((email) => this.deliver(email)));
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') this.logger.error('recording an email delivery failed', { error: String(outcome.reason) });
      }
      if (claimed.length < this.batchSize) return;
    }
  }

  private async deliver(email: ClaimedEmail): Promise<void> {
    let error: string | undefined;
    let detail: string | undefined;
    try {
      await this.transport.send({ id: email.uuid, to: email.recipient, subject: email.subject, text: email.textBody, html: email.htmlBody });
    } catch (cause) {
      error = deliveryFailure(cause);
      // The transport's own words, address included, are the operator's: the log only.
      detail = cause instanceof Error ? cause.message : String(cause);
    }
    const invitationUuid = email.invitationUuid;
    if (error === undefined) {
      await withTransaction(this.dataSource, async (tx) => {
        const recorded = await recordSent(tx, email.uuid, email.attempts);
        if (recorded && invitationUuid) {
          await appendEvents(tx, email.realmUuid, [{ type: 'invitation.sent', invitationUuid, data: { attempts: email.attempts } }]);
        }
      });
      this.logger.debug('email sent', { email: email.uuid, attempts: email.attempts });
      return;
    }
    const willRetry = email.attempts < this.maxAttempts;
    const retryInMs = willRetry ? retryDelayMs(email.attempts, this.retryBaseMs, this.retryCapMs) : null;
    await withTransaction(this.dataSource, async (tx) => {
      const recorded = await recordFailure(tx, email.uuid, email.attempts, error, retryInMs);
      if (recorded && invitationUuid) {
        await appendEvents(tx, email.realmUuid, [
          { type: 'invitation.delivery_failed', invitationUuid, data: { attempts: email.attempts, error, willRetry } },
        ]);
      }
    });
    this.logger.warn(willRetry ? 'email delivery failed; will retry' : 'email delivery failed; giving up', {
      email: email.uuid,
      attempts: email.attempts,
      error: detail,
      ...(retryInMs !== null ? { retryInMs } : {}),
    });
  }
}
