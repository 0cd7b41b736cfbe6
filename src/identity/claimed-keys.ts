import type { IdentitySource } from '../common/enums';
import { AppError, ErrorCode } from '../common/errors';
import type { Tx } from '../db/transaction';
import { findKeyMatches, lockClaimedKeys, type ClaimedKeys } from './identity.repository';

/*
 * The one rule for the keys an identity holds in its realm — its username and email, unique there
 * case-insensitively, and an IdP identity's external ID — for every write that claims one:
 * creating or updating an identity, inviting an address, accepting an invitation with a username.
 */

const label = { username: 'username', primaryEmail: 'email' } as const;

/**
 * Refuses keys another identity of the realm holds (`excludeUuid`: the identity making the claim):
 * DUPLICATE_USERNAME, DUPLICATE_EMAIL or DUPLICATE_EXTERNAL_ID, and IDP_IDENTITY_CONFLICT when a
 * MANUAL identity claims a key of one from the identity provider, which manages it. The keys are
 * locked first (lockClaimedKeys), until the transaction ends: a concurrent claim of the same key waits, then sees
 * this one, and gets the same answer as a later one would, not a unique index's.
 */
export async function refuseTakenKeys(tx: Tx, realmUuid: string, source: IdentitySource, keys: ClaimedKeys, excludeUuid?: string): Promise<void> {
  await lockClaimedKeys(tx, realmUuid, keys);
  const matches = await findKeyMatches(tx, realmUuid, keys, excludeUuid);
  const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
  for (const match of matches) {
    for (const key of ['username', 'primaryEmail'] as const) {
      if (!same(keys[key], match[key])) continue;
      if (source === 'MANUAL' && match.source === 'IDP') {
        throw new AppError(
          ErrorCode.IDP_IDENTITY_CONFLICT,
          `An identity from the identity provider has this ${label[key]}, and the provider manages it; choose another, or change that identity at the provider.`,
          ['input', key],
        );
      }
      throw key === 'username'
        ? new AppError(ErrorCode.DUPLICATE_USERNAME, `The username "${keys.username}" is taken in this realm.`, ['input', 'username'])
        : new AppError(ErrorCode.DUPLICATE_EMAIL, `The email "${keys.primaryEmail}" is taken in this realm.`, ['input', 'primaryEmail']);
    }
    if (keys.externalId != null && match.externalId === keys.externalId) {
      throw new AppError(ErrorCode.DUPLICATE_EXTERNAL_ID, 'An identity with this external ID already exists in the realm.', ['input', 'externalId']);
    }
  }
}
