import { parseScimAttributePath, parseScimFilter, ScimFilterError, type ScimFilter } from './filter';
import { invalidPath, invalidValue } from './scim-error';

/**
 * A PATCH operation's path (RFC 7644 §3.5.2): `attr`, `attr.sub`, `urn:…:attr`, or a value path
 * `attr[filter]` with an optional `.sub` after it. Names lower-cased, the resource's own schema URN
 * dropped, an extension's kept as the prefix (`urn:…:enterprise:2.0:user:department`).
 */
export interface PatchPath {
  /** The attribute, lower-cased, with an extension's schema URN before it. */
  readonly attribute: string;
  readonly subAttribute?: string;
  /** The value path's filter, over the attribute's elements. */
  readonly filter?: ScimFilter;
  readonly text: string;
}

export function parsePatchPath(text: string, coreSchema: string): PatchPath {
  try {
    const open = text.indexOf('[');
    if (open < 0) {
      const path = parseScimAttributePath(text);
      return { attribute: attributeKey(path.schema, path.name, coreSchema), subAttribute: path.subAttribute?.toLowerCase(), text };
    }
    const close = text.lastIndexOf(']');
    if (close < open) throw new ScimFilterError('A value path’s "[" has no "]".');
    const parsed = parseScimFilter(text.slice(0, close + 1));
    if (parsed.kind !== 'valuePath') throw new ScimFilterError('Not a value path.');
    const rest = text.slice(close + 1);
    if (rest !== '' && !/^\.[A-Za-z$][A-Za-z0-9_$-]*$/.test(rest)) throw new ScimFilterError(`"${rest}" after the value path is not a sub-attribute.`);
    return {
      attribute: attributeKey(parsed.path.schema, parsed.path.name, coreSchema),
      subAttribute: rest === '' ? undefined : rest.slice(1).toLowerCase(),
      filter: parsed.filter,
      text,
    };
  } catch (error) {
    if (error instanceof ScimFilterError) throw invalidPath(`The path "${text}" is not a valid attribute path: ${error.message}`);
    throw error;
  }
}

/** An attribute's key: its name lower-cased, after its extension's URN (also lower-cased) unless that is the core schema. */
export function attributeKey(schema: string | undefined, name: string, coreSchema: string): string {
  if (!schema || schema.toLowerCase() === coreSchema.toLowerCase()) return name.toLowerCase();
  return `${schema.toLowerCase()}:${name.toLowerCase()}`;
}

/** The value of `key` in a JSON object, found ignoring case: SCIM's attribute names are case-insensitive (RFC 7643 §2.1). */
export function member(object: Record<string, unknown>, key: string): unknown {
  const lower = key.toLowerCase();
  for (const [name, value] of Object.entries(object)) if (name.toLowerCase() === lower) return value;
  return undefined;
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string attribute's value as sent: null when unassigned; a number (an employee number) as its text. */
export function textOf(value: unknown, pathText: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw invalidValue(`"${pathText}" must be a string.`);
}
