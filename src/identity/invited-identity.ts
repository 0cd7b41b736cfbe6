import type { IdentityRole } from '../common/enums';
import * as validate from '../common/validate';
import type { Tx } from '../db/transaction';
import { describeChanges, identitySnapshot } from '../events/changes';
import type { NewEvent } from '../events/event-types';
import { refuseTakenKeys } from './claimed-keys';
import {
  findKeyMatches,
  insertIdentity,
  lockClaimedKeys,
  lockIdentity,
  updateIdentity,
  type IdentityChanges,
  type IdentityRow,
} from './identity.repository';

/*
 * The identity side of an invitation: an INVITED identity is created with it and activated when it
 * is accepted (revoking it deletes the identity as deleteIdentity does, IdentityService.deleteInvited).
 * The invitation domain reaches these through IdentityService, inside its own transactions.
 */

export interface InvitedIdentityValues {
  realmUuid: string;
  email: string;
  displayName: string;
  fullName: string | null;
  phoneNumber: string | null;
  role: IdentityRole;
  /** Used when the address cannot be the placeholder username (see placeholderUsername). */
  fallbackUsername: string;
}

export type IdentityMatch = Awaited<ReturnType<typeof findKeyMatches>>[number];

/** The realm's identity with this email (case-insensitive), if any. */
export async function identityWithEmail(tx: Tx, realmUuid: string, email: string): Promise<IdentityMatch | undefined> {
  const matches = await findKeyMatches(tx, realmUuid, { primaryEmail: email });
  return matches.find((match) => match.primaryEmail.toLowerCase() === email.toLowerCase());
}

/**
 * Locks the keys an invited identity of this address claims: the address, as its email and as its
 * placeholder username (placeholderUsername). The invitation then checks them and creates the
 * identity, and a concurrent write of either key waits until it has committed.
 */
export function lockInvitedAddress(tx: Tx, realmUuid: string, email: string): Promise<void> {
  return lockClaimedKeys(tx, realmUuid, { primaryEmail: email, username: email });
}

/**
 * Until acceptance an invited identity's username is its address, lower-cased: unique, and
 * telling in lists. When that is taken as someone else's username, or longer than a username may
 * be, it is `invited-<invitation id>` instead; the invitee chooses the real one on accepting.
 */
async function placeholderUsername(tx: Tx, values: InvitedIdentityValues): Promise<string> {
  const address = values.email.toLowerCase();
  if (validate.characters(address) > 128) return values.fallbackUsername;
  const matches = await findKeyMatches(tx, values.realmUuid, { username: address });
  return matches.some((match) => match.username.toLowerCase() === address) ? values.fallbackUsername : address;
}

/** Creates the INVITED identity; its `identity.created` event is returned for the caller to append. */
export async function createInvitedIdentity(tx: Tx, values: InvitedIdentityValues): Promise<{ identity: IdentityRow; event: NewEvent }> {
  const identity = await insertIdentity(tx, {
    realmUuid: values.realmUuid,
    displayName: values.displayName,
    username: await placeholderUsername(tx, values),
    primaryEmail: values.email,
    fullName: values.fullName,
    phoneNumber: values.phoneNumber,
    role: values.role,
    status: 'INVITED',
    source: 'MANUAL',
    externalId: null,
  });
  return { identity, event: { type: 'identity.created', identityUuid: identity.uuid, data: { identity: identitySnapshot(identity) } } };
}

/**
 * INVITED → ACTIVE with the name and username the invitee chose, which must be free in the realm.
 * Returns the identity and its events: `identity.updated` for the name and username, then
 * `identity.status_changed`.
 */
export async function activateInvitedIdentity(
  tx: Tx,
  identityUuid: string,
  chosen: { displayName: string; username: string },
): Promise<{ identity: IdentityRow; events: NewEvent[] }> {
  const current = await lockIdentity(tx, identityUuid);
  if (!current || current.status !== 'INVITED') {
    // The database keeps a pending invitation's identity (invitations_pending_identity_check), and
    // no lifecycle change leaves INVITED but acceptance: this is a bug, not a client's mistake.
    throw new Error(`The invited identity ${identityUuid} is ${current ? current.status : 'gone'}.`);
  }
  await refuseTakenKeys(tx, current.realmUuid, current.source, { username: chosen.username }, identityUuid);
  const renamed: IdentityChanges = {};
  if (chosen.displayName !== current.displayName) renamed.displayName = chosen.displayName;
  if (chosen.username !== current.username) renamed.username = chosen.username;
  const identity = await updateIdentity(tx, identityUuid, { ...renamed, status: 'ACTIVE' });
  const events: NewEvent[] = [];
  if (Object.keys(renamed).length > 0) {
    events.push({ type: 'identity.updated', identityUuid, data: { changes: describeChanges(current, renamed) } });
  }
  events.push({ type: 'identity.status_changed', identityUuid, data: { changes: { status: { before: current.status, after: identity.status } } } });
  return { identity, events };
}
