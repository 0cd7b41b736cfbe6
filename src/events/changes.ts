import type { Change, IdentitySnapshot } from './event-types';

/** Each changed field with its value before and after, for `*.updated` events. */
export function describeChanges<T extends object>(before: T, changed: Partial<T>): Record<string, Change> {
  const changes: Record<string, Change> = {};
  for (const key of Object.keys(changed) as Array<keyof T & string>) {
    changes[key] = { before: before[key] ?? null, after: changed[key] ?? null };
  }
  return changes;
}

export function identitySnapshot(identity: IdentitySnapshot): IdentitySnapshot {
  const { displayName, username, primaryEmail, role, status, source } = identity;
  return { displayName, username, primaryEmail, role, status, source };
}
