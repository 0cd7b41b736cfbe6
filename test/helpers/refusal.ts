/** An answer's errors, as any transport gives them: only their paths matter here. */
type Errors = ReadonlyArray<{ readonly path?: ReadonlyArray<string | number> }> | undefined;

/**
 * The `data` of a refused operation, from its errors: none when it was refused before it ran (no
 * error has a path), else each root field an error is under, null — a refused mutation answers
 * `{ createX: null }`, its payload being nullable so that the other root fields of its document
 * stand (docs/decisions.md 84). Compare with `result.data ?? null`: nothing else may be there.
 */
export function refusedData(errors: Errors): Record<string, null> | null {
  const roots = (errors ?? []).flatMap((error) => (error.path ? [String(error.path[0])] : []));
  return roots.length === 0 ? null : Object.fromEntries(roots.map((root) => [root, null]));
}

/** Whether `data` holds nothing: none at all, or only root fields that are null (each refused). */
export function holdsNothing(data: unknown): boolean {
  return data === null || data === undefined || Object.values(data as Record<string, unknown>).every((value) => value === null);
}
