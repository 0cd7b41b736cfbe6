import { pgErrorOf } from '../db/pg-error';
import { AppError, ErrorCode, type InputPath } from './errors';

interface ConstraintMapping {
  code: ErrorCode;
  field: string;
  message: string;
}

/**
 * The database's named constraints, mapped to the error a client sees. Services check first and
 * give precise messages; these catch what a concurrent transaction slipped past those checks.
 */
const constraints: Record<string, ConstraintMapping> = {
  realms_name_key: { code: ErrorCode.DUPLICATE_REALM_NAME, field: 'name', message: 'A realm with this name already exists.' },
  identities_realm_username_key: { code: ErrorCode.DUPLICATE_USERNAME, field: 'username', message: 'An identity with this username already exists in the realm.' },
  identities_realm_email_key: { code: ErrorCode.DUPLICATE_EMAIL, field: 'primaryEmail', message: 'An identity with this email already exists in the realm.' },
  identities_realm_external_id_key: { code: ErrorCode.DUPLICATE_EXTERNAL_ID, field: 'externalId', message: 'An identity with this external ID already exists in the realm.' },
  groups_realm_name_key: { code: ErrorCode.DUPLICATE_GROUP_NAME, field: 'name', message: 'A group with this name already exists in the realm.' },
  group_memberships_identity_fkey: { code: ErrorCode.CROSS_REALM, field: 'identityIds', message: 'An identity is not in the group’s realm.' },
  group_nestings_child_fkey: { code: ErrorCode.CROSS_REALM, field: 'groupIds', message: 'A group is not in the group’s realm.' },
  group_nestings_not_itself: { code: ErrorCode.GROUP_CYCLE, field: 'groupIds', message: 'A group cannot be a member of itself.' },
  // Raised by the closure's trigger (migration GroupClosure), should a nesting slip past the service's check.
  group_nestings_acyclic: { code: ErrorCode.GROUP_CYCLE, field: 'groupIds', message: 'Nesting this group would make a cycle.' },
  // Creating checks the realm without locking it: a realm deleted meanwhile fails the foreign key.
  identities_realm_id_fkey: { code: ErrorCode.NOT_FOUND, field: 'realmId', message: 'No realm has that ID.' },
  groups_realm_id_fkey: { code: ErrorCode.NOT_FOUND, field: 'realmId', message: 'No realm has that ID.' },
  invitations_pending_email_key: {
    code: ErrorCode.INVITATION_EXISTS,
    field: 'email',
    message: 'This address already has a pending invitation in the realm; resend or revoke that one.',
  },
  // Deleting an identity whose invitation is pending would leave a pending invitation to nobody.
  invitations_pending_identity_check: {
    code: ErrorCode.INVALID_STATUS_TRANSITION,
    field: 'id',
    message: 'This identity has a pending invitation; revoke the invitation (revokeInvitation) to remove it.',
  },
};

/** Turns a constraint violation into the client's error; returns other errors unchanged. */
export function fromConstraintViolation(error: unknown, inputPrefix: InputPath = ['input']): unknown {
  const { code, constraint } = pgErrorOf(error);
  const mapping = constraint ? constraints[constraint] : undefined;
  if (!mapping || !code?.startsWith('23')) return error;
  return new AppError(mapping.code, mapping.message, [...inputPrefix, mapping.field]);
}
