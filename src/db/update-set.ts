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
