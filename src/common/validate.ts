import { invalidInput, type InputPath } from './errors';

/**
 * Input checks that give the client the path of the offending value. The database holds the same
 * rules as CHECK constraints; these run first so that the message can be precise.
 */

/** Characters as PostgreSQL's char_length counts them: code points, not UTF-16 units. */
export function characters(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

// A surrogate half without its other half: JavaScript strings may hold one, Unicode text may not.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text the database can store: PostgreSQL's text cannot hold U+0000, and its json (the event log's
 * `data`) refuses a lone surrogate half. Either would fail in the database as an internal error, so
 * every text input is refused here instead, with its path (found by test/e2e/fuzz.test.ts).
 */
export function refuseUnstorable(value: string, path: InputPath, label: string): void {
  if (value.includes('\u0000')) throw invalidInput(path, `${label} must not contain the NUL character (U+0000).`);
  if (loneSurrogate.test(value)) throw invalidInput(path, `${label} is not valid Unicode text (it has half of a surrogate pair).`);
}

export function requiredText(value: string, path: InputPath, label: string, max: number, min = 1): string {
  refuseUnstorable(value, path, label);
  const trimmed = value.trim();
  const length = characters(trimmed);
  if (length < min) throw invalidInput(path, `${label} must not be empty.`);
  if (length > max) throw invalidInput(path, `${label} must be at most ${max} characters (it has ${length}).`);
  return trimmed;
}

/** Optional text: empty or whitespace becomes null; undefined stays undefined ("unchanged"). */
export function optionalText<T extends string | null | undefined>(value: T, path: InputPath, label: string, max: number): T | null {
  if (value === undefined) return undefined as T;
  if (value === null) return null;
  refuseUnstorable(value, path, label);
  const trimmed = value.trim();
  if (trimmed === '') return null;
  const length = characters(trimmed);
  if (length > max) throw invalidInput(path, `${label} must be at most ${max} characters (it has ${length}).`);
  return trimmed as T;
}

// Deliberately simple: one @, no spaces, a dot in the domain. Full RFC 5322 accepts addresses no
// mail system delivers to; proving an address works is the invitation's job.
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function email(value: string, path: InputPath): string {
  refuseUnstorable(value, path, 'An email address');
  const trimmed = value.trim();
  if (characters(trimmed) > 254 || !emailPattern.test(trimmed)) {
    throw invalidInput(path, `"${trimmed.slice(0, 60)}" is not a valid email address.`);
  }
  return trimmed;
}

const e164Pattern = /^\+[1-9][0-9]{1,14}$/;

export function phoneNumber<T extends string | null | undefined>(value: T, path: InputPath): T | null {
  if (value === undefined || value === null) return value;
  const compact = value.replace(/[\s().-]/g, '');
  if (compact === '') return null;
  if (!e164Pattern.test(compact)) {
    throw invalidInput(path, 'Phone numbers are in E.164 form: "+", the country code and the number, e.g. "+14155550100".');
  }
  return compact as T;
}

// Usernames are sign-in names: no spaces or control characters; letters of any script are fine.
const usernamePattern = /^[^\s\p{C}]+$/u;

export function username(value: string, path: InputPath): string {
  const name = requiredText(value, path, 'The username', 128);
  if (!usernamePattern.test(name)) throw invalidInput(path, 'The username must not contain spaces or control characters.');
  return name;
}

export function idBatch(ids: readonly string[], path: InputPath, max = 1000): void {
  if (ids.length === 0 || ids.length > max) {
    throw invalidInput(path, `Give from 1 to ${max} IDs (you gave ${ids.length}).`);
  }
}

export function version(value: number | null | undefined, path: InputPath): number | undefined {
  if (value == null) return undefined;
  if (!Number.isInteger(value) || value < 1) throw invalidInput(path, 'The version is a positive whole number, as read from the object.');
  return value;
}
