/**
 * The SET list of an UPDATE for the fields a client gave (undefined means "unchanged"), plus
 * the version bump and updated_at that every edit carries. Parameters are appended to `params`.
 */
export function updateSet<T extends object>(changes: T, columns: { [K in keyof T]-?: string }, params: unknown[]): string {
  const sets = ['version = version + 1', 'updated_at = now()'];
  for (const field of Object.keys(columns) as Array<keyof T>) {
    const value = changes[field];
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${columns[field]} = $${params.length}`);
  }
  return sets.join(', ');
}

/**
 * The changes whose values differ from the current ones. An edit that changes nothing writes
 * nothing and keeps the version, so that it cannot make other clients' versions stale.
 */
export function differing<T extends object>(current: T, changes: Partial<T>): Partial<T> {
  const result: Partial<T> = {};
  for (const key of Object.keys(changes) as Array<keyof T>) {
    if (changes[key] !== undefined && changes[key] !== current[key]) result[key] = changes[key];
  }
  return result;
}

export const nothingChanges = (changes: object): boolean => Object.keys(changes).length === 0;
