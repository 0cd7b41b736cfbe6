import type { CombinedError } from '@urql/core';

/**
 * An API error as the console shows it: beside the field it names (the error's `inputPath`, e.g.
 * `["input", "email"]` → the Email field), or in the view's alert when it names none.
 */
export interface Problem {
  /** By the input's name as the API spells it (`email`, `phoneNumber`, `name`, `memberIds`). */
  readonly fields: Readonly<Record<string, string>>;
  /** What names no field, or a field the form does not show. */
  readonly general?: string;
}

type ErrorExtensions = { code?: string; inputPath?: Array<string | number> };

/** The input a path names: its last name that is not the `input` argument itself or a list index. */
function fieldOf(path: Array<string | number> | undefined): string | undefined {
  const names = (path ?? []).filter((step): step is string => typeof step === 'string');
  const last = names[names.length - 1];
  return last === 'input' ? undefined : last;
}

export function problemOf(error: CombinedError | undefined, shownFields: readonly string[] = []): Problem | undefined {
  if (!error) return undefined;
  if (error.networkError && error.graphQLErrors.length === 0) {
    return { fields: {}, general: 'The server cannot be reached. Check the connection; the console tries again when it is back.' };
  }
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const graphQLError of error.graphQLErrors) {
    const extensions = graphQLError.extensions as ErrorExtensions;
    const field = fieldOf(extensions.inputPath);
    if (field && shownFields.includes(field) && !fields[field]) fields[field] = graphQLError.message;
    else general.push(graphQLError.message);
  }
  // Two fields of one request can fail for one reason (a bad ID read twice): said once.
  return { fields, general: general.length ? [...new Set(general)].join(' ') : undefined };
}

/** The first error's code (e.g. NOT_FOUND), for a view that answers one differently. */
export const codeOf = (error: CombinedError | undefined): string | undefined =>
  (error?.graphQLErrors[0]?.extensions as ErrorExtensions | undefined)?.code;
