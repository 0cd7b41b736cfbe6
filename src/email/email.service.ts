import type { Tx } from '../db/transaction';
import type { Context } from '../common/context';
import { cancelQueuedEmails, insertOutboxEmail, type DeliveryRow, type QueuedEmail } from './email-outbox.repository';
import { emailLoaders } from './email.loaders';

/**
 * The outbox: messages are written in the transaction that decides to send them and leave after
 * it commits (EmailDeliveryJob), which the commit wakes.
 */
export class EmailService {
  constructor(
    /** Runs the delivery job now (src/email/email-delivery.job.ts) instead of at its next tick. */
    private readonly wakeDelivery: () => void,
  ) {}

  async enqueue(tx: Tx, email: QueuedEmail): Promise<void> {
    await insertOutboxEmail(tx, email);
    tx.afterCommit(this.wakeDelivery);
  }

  /** Queued messages of these invitations are cancelled and their bodies (with their links) erased. */
  cancelQueued(tx: Tx, invitationUuids: readonly string[]): Promise<void> {
    return invitationUuids.length === 0 ? Promise.resolve() : cancelQueuedEmails(tx, invitationUuids);
  }

  /** The delivery of an invitation's latest message. */
  deliveryOf(ctx: Context, invitationUuid: string): Promise<DeliveryRow | null> {
    return ctx.loaders.of(emailLoaders).latestByInvitation.load(invitationUuid);
  }
}
