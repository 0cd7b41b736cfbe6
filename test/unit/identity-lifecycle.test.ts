import type { IdentityStatus } from '../../src/common/enums';
import { transition, type StatusChange } from '../../src/identity/identity-lifecycle';

const cases: Array<[IdentityStatus, StatusChange, IdentityStatus | 'refused']> = [
  ['ACTIVE', 'SUSPEND', 'SUSPENDED'],
  ['SUSPENDED', 'SUSPEND', 'refused'],
  ['DEPROVISIONED', 'SUSPEND', 'refused'],
  ['ACTIVE', 'REACTIVATE', 'refused'],
  ['SUSPENDED', 'REACTIVATE', 'ACTIVE'],
  ['DEPROVISIONED', 'REACTIVATE', 'ACTIVE'],
  ['ACTIVE', 'DEPROVISION', 'DEPROVISIONED'],
  ['SUSPENDED', 'DEPROVISION', 'DEPROVISIONED'],
  ['DEPROVISIONED', 'DEPROVISION', 'refused'],
  ['INVITED', 'SUSPEND', 'refused'],
  ['INVITED', 'REACTIVATE', 'refused'],
  ['INVITED', 'DEPROVISION', 'refused'],
];

describe('the identity lifecycle', () => {
  test.each(cases)('%s, %s → %s', (from, change, expected) => {
    const result = transition(from, change);
    if (expected === 'refused') {
      expect(result).toEqual({ allowed: false, reason: expect.any(String) });
    } else {
      expect(result).toEqual({ allowed: true, to: expected });
    }
  });
});
