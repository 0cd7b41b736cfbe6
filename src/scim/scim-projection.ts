import { attributeKey, isObject } from './scim-path';
import { invalidValue } from './scim-error';

/**
 * RFC 7644 §3.4.2.5's `attributes` and `excludedAttributes`: which attributes of a resource an
 * answer shows. `id` and `schemas` are always shown. Attributes are named as in a filter, with or
 * without their schema URN, sub-attributes after a dot.
 */
export class AttributeSelection {
  private constructor(
    private readonly only: ReadonlySet<string> | null,
    private readonly excluded: ReadonlySet<string>,
  ) {}

  static of(attributes: unknown, excludedAttributes: unknown, coreSchema: string): AttributeSelection {
    return new AttributeSelection(attributes === undefined || attributes === '' ? null : keysOf(attributes, coreSchema, 'attributes'), keysOf(excludedAttributes, coreSchema, 'excludedAttributes'));
  }

  /** Whether the answer shows `key` (a top-level attribute's key): what a read may skip loading. */
  shows(key: string): boolean {
    if (this.excluded.has(key)) return false;
    return this.only === null || [...this.only].some((wanted) => wanted === key || wanted.startsWith(`${key}.`));
  }

  apply(resource: Record<string, unknown>, coreSchema: string): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(resource)) {
      if (name === 'id' || name === 'schemas') {
        result[name] = value;
        continue;
      }
      if (name.toLowerCase().startsWith('urn:') && isObject(value)) {
        // An extension's attributes, each its own key.
        const kept = Object.fromEntries(Object.entries(value).filter(([inner]) => this.showsPart(`${name.toLowerCase()}:${inner.toLowerCase()}`, undefined)));
        if (Object.keys(kept).length > 0) result[name] = kept;
        continue;
      }
      const key = attributeKey(undefined, name, coreSchema);
      if (!this.shows(key)) continue;
      result[name] = this.subAttributes(key, value);
    }
    return result;
  }

  private showsPart(key: string, sub: string | undefined): boolean {
    const full = sub ? `${key}.${sub}` : key;
    if (this.excluded.has(key) || this.excluded.has(full)) return false;
    return this.only === null || this.only.has(key) || this.only.has(full) || [...this.only].some((wanted) => wanted.startsWith(`${full}.`));
  }

  /** A complex attribute (or each element of a multi-valued one) keeps the sub-attributes asked. */
  private subAttributes(key: string, value: unknown): unknown {
    const filter = (object: Record<string, unknown>) => Object.fromEntries(Object.entries(object).filter(([sub]) => this.showsPart(key, sub.toLowerCase())));
    if (Array.isArray(value)) return value.map((element) => (isObject(element) ? filter(element) : element));
    return isObject(value) ? filter(value) : value;
  }
}

function keysOf(value: unknown, coreSchema: string, parameter: string): Set<string> {
  if (value === undefined || value === null || value === '') return new Set();
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
  if (!names || names.some((name) => typeof name !== 'string')) throw invalidValue(`${parameter} must be a comma-separated list of attribute names.`);
  return new Set(
    (names as string[]).map((name) => name.trim()).filter(Boolean).map((name) => {
      const lower = name.toLowerCase();
      const core = coreSchema.toLowerCase();
      if (lower.startsWith(`${core}:`)) return lower.slice(core.length + 1);
      return lower;
    }),
  );
}
