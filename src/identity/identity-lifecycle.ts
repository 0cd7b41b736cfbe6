import type { IdentityStatus } from '../common/enums';
import { unreachable } from '../common/unreachable';

export type StatusChange = 'SUSPEND' | 'REACTIVATE' | 'DEPROVISION';

export type Transition = { allowed: true; to: IdentityStatus } | { allowed: false; reason: string };

const invited = 'An invited identity becomes active by accepting its invitation; revoke the invitation to remove it.';

const to = (status: IdentityStatus): Transition => ({ allowed: true, to: status });
const refuse = (reason: string): Transition => ({ allowed: false, reason });

/**
 * The identity lifecycle (as in Okta and Beyond Identity): ACTIVE ⇄ SUSPENDED, either → DEPROVISIONED,
 * and DEPROVISIONED → ACTIVE again by reactivation. INVITED → ACTIVE only by accepting the invitation. A change to the status it already has is refused,
 * so that the caller learns that nothing changed.
 */
export function transition(from: IdentityStatus, change: StatusChange): Transition {
  switch (change) {
    case 'SUSPEND':
      switch (from) {
        case 'ACTIVE':
          return to('SUSPENDED');
        case 'SUSPENDED':
          return refuse('The identity is already suspended.');
        case 'DEPROVISIONED':
          return refuse('A deprovisioned identity cannot be suspended; reactivate it first.');
        case 'INVITED':
          return refuse(invited);
        default:
          return unreachable(from, 'identity status');
      }
    case 'REACTIVATE':
      switch (from) {
        case 'ACTIVE':
          return refuse('The identity is already active.');
        case 'SUSPENDED':
        case 'DEPROVISIONED':
          return to('ACTIVE');
        case 'INVITED':
          return refuse(invited);
        default:
          return unreachable(from, 'identity status');
      }
    case 'DEPROVISION':
      switch (from) {
        case 'ACTIVE':
        case 'SUSPENDED':
          return to('DEPROVISIONED');
        case 'DEPROVISIONED':
          return refuse('The identity is already deprovisioned.');
        case 'INVITED':
          return refuse(invited);
        default:
          return unreachable(from, 'identity status');
      }
    default:
      return unreachable(change, 'status change');
  }
}
