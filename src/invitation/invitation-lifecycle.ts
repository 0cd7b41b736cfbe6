import type { InvitationStatus } from '../common/enums';
import { ErrorCode } from '../common/errors';
import { unreachable } from '../common/unreachable';

/**
 * The invitation lifecycle: PENDING → ACCEPTED (by its token), PENDING → EXPIRED (at `expiresAt`),
 * PENDING or EXPIRED → REVOKED, and EXPIRED → PENDING again by resending. ACCEPTED and REVOKED are
 * final. The status given is the one a reader sees: a PENDING invitation past `expiresAt` is EXPIRED
 * even before the expiry job has written it.
 */
export type InvitationAction = 'ACCEPT' | 'REVOKE' | 'RESEND';

export type Decision = { allowed: true } | { allowed: false; code: ErrorCode; reason: string };

const allow: Decision = { allowed: true };
const refuse = (code: ErrorCode, reason: string): Decision => ({ allowed: false, code, reason });

export function decide(status: InvitationStatus, action: InvitationAction): Decision {
  switch (action) {
    case 'ACCEPT':
      switch (status) {
        case 'PENDING':
          return allow;
        case 'ACCEPTED':
          return refuse(ErrorCode.INVITATION_ALREADY_ACCEPTED, 'This invitation has been accepted already; a token works once. Sign in instead.');
        case 'REVOKED':
          return refuse(ErrorCode.INVITATION_REVOKED, 'This invitation was revoked; ask an administrator of the realm for a new one.');
        case 'EXPIRED':
          return refuse(ErrorCode.INVITATION_EXPIRED, 'This invitation has expired; ask an administrator of the realm to resend it.');
        default:
          return unreachable(status, 'invitation status');
      }
    case 'REVOKE':
    case 'RESEND':
      switch (status) {
        case 'PENDING':
        case 'EXPIRED':
          return allow;
        case 'ACCEPTED':
          return refuse(ErrorCode.INVITATION_NOT_PENDING, 'The invitation has been accepted: its identity is a member of the realm now.');
        case 'REVOKED':
          return refuse(ErrorCode.INVITATION_NOT_PENDING, 'The invitation was revoked; invite the address again instead.');
        default:
          return unreachable(status, 'invitation status');
      }
    default:
      return unreachable(action, 'invitation action');
  }
}
