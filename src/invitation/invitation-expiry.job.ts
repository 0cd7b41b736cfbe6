import type { Job } from '../jobs/jobs';
import type { InvitationService } from './invitation.service';

/**
 * Expires invitations at `expiresAt` without waiting for a request to touch them, so that their
 * `invitation.expired` events are emitted on time. Safe on every instance at once: each expiry is a
 * conditional UPDATE that only one of them wins (InvitationService.expireDue).
 */
export class InvitationExpiryJob implements Job {
  readonly name = 'invitation-expiry';

  constructor(private readonly invitations: InvitationService) {}

  async run(): Promise<void> {
    await this.invitations.expireDue();
  }
}
