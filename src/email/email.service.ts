import type { Tx } from '../db/transaction';
import type { Context } from '../server/context';
import { cancelQueuedEmails, insertOutboxEmail, type DeliveryRow, type QueuedEmail } from './email-outbox.repository';
import { emailLoaders } from './email.loaders';

/**
 * The outbox: messages are written in the transaction that decides to send them and leave after
 * it commits (EmailDeliveryJob). Whoever queues a message wakes the job after commit.
 */
export class EmailService {
  enqueue(tx: Tx, email: QueuedEmail): Promise<void> {
    return insertOutboxEmail(tx, email);
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
