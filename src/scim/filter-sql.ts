import { ScimFilterError, type ScimAttributePath, type ScimComparison, type ScimCompareOperator, type ScimFilter, type ScimPresence } from './filter';

/*
 * A parsed SCIM filter (filter.ts) as an SQL condition: nothing is filtered in memory, and every
 * value is a parameter. What an attribute is in SQL is data the caller gives — a map from the
 * attribute's name to its SQL — so that the same compiler serves Users and Groups, and a column
 * renamed is one line of that map.
 */

/** RFC 7643 §2.3's types that a filter can compare; a binary or decimal attribute is not offered. */
export type ScimAttributeType = 'string' | 'reference' | 'boolean' | 'integer' | 'dateTime';

export interface ScimAttributeSql {
  /**
   * The attribute's value as SQL over the caller's table aliases (`i.username`), or a constant
   * (`'work'`, `true`) for a sub-attribute that has one value here. A sub-attribute of a
   * multi-valued attribute listed in `ScimAttributeMap.multiValued` is SQL over that attribute's
   * element (`m.identity_id`), which `some` puts in scope.
   */
  readonly sql: string;
  readonly type: ScimAttributeType;
  /**
   * RFC 7643's caseExact: string comparisons respect case. By default a string is compared
   * without case (as `lower(sql) COLLATE "C"`, the form of this database's case-insensitive
   * indexes), a reference with it.
   */
  readonly caseExact?: boolean;
  /**
   * For an identifier stored in another form than SCIM shows (a SCIM id, a global ID, stored as
   * its uuid): the stored value of a filter's value, or undefined when no stored value can equal
   * it — the comparison is then false, not an error, as for any value nothing has. Such an
   * attribute takes eq, ne and pr only: a part of an opaque identifier means nothing.
   */
  readonly storedValue?: (value: string) => unknown;
}

export interface ScimMultiValuedSql {
  /**
   * The row's condition "one element satisfies `condition`", where `condition` is SQL over the
   * element's sub-attributes: `(c) => \`EXISTS (SELECT 1 FROM group_memberships m WHERE m.group_id = g.id AND ${c})\``.
   */
  readonly some: (condition: string) => string;
}

export interface ScimAttributeMap {
  /** The resource's core schema URN: `urn:ietf:params:scim:schemas:core:2.0:User:userName` is `userName`. */
  readonly schema: string;
  /**
   * By full path, case-insensitive: `userName`, `name.familyName`, `emails.value`,
   * `meta.lastModified`, and extension attributes with their schema URN
   * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`).
   */
  readonly attributes: Readonly<Record<string, ScimAttributeSql>>;
  /**
   * Multi-valued attributes whose elements are rows elsewhere, by name (`members`). A
   * multi-valued attribute stored in the resource's own row (the one email an identity has) needs
   * no entry: its element is the row.
   */
  readonly multiValued?: Readonly<Record<string, ScimMultiValuedSql>>;
}

/** An attribute of the map a path names. */
export interface ResolvedScimAttribute {
  /** Its key: the full path, lower-cased, without the core schema URN. */
  readonly key: string;
  readonly attribute: ScimAttributeSql;
  /** Set when the attribute is a sub-attribute of a multi-valued attribute stored in rows of its own. */
  readonly elementOf?: ScimMultiValuedSql;
}

/**
 * The SQL condition of `filter`, its values appended to `params` as `$n`. Throws ScimFilterError
 * (invalidFilter) for an attribute the map does not have, an operator its type does not take, or
 * a value of the wrong type.
 */
export function scimFilterSql(filter: ScimFilter, map: ScimAttributeMap, params: unknown[], options: { unknownIsUnassigned?: boolean } = {}): string {
  return new FilterCompiler(map, params, options.unknownIsUnassigned ?? false).compile(filter, null);
}

/** The attribute an attribute path names (for `sortBy`, `attributes`), or an "Unknown attribute" ScimFilterError. */
export function resolveScimAttribute(map: ScimAttributeMap, path: ScimAttributePath): ResolvedScimAttribute {
  return new FilterCompiler(map, []).resolve(path, null);
}

/** The brackets of a value path being compiled: their attribute's key and how it was written. */
interface ValuePathScope {
  readonly key: string;
  readonly text: string;
}

const operatorsByType: Record<ScimAttributeType, readonly ScimCompareOperator[]> = {
  string: ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'],
  reference: ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'],
  // RFC 7644 §3.4.2.2: gt, ge, lt and le on a boolean SHALL be refused with invalidFilter; co, sw and ew compare text.
  boolean: ['eq', 'ne'],
  integer: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'],
  dateTime: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'],
};
const sqlOperators: Partial<Record<ScimCompareOperator, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };

class FilterCompiler {
  private readonly schema: string;
  private readonly attributes = new Map<string, ScimAttributeSql>();
  private readonly multiValued = new Map<string, ScimMultiValuedSql>();

  /**
   * @param unknownIsUnassigned A search of several resource types (POST /.search) compiles one
   * filter for each: an attribute another type has is, for this one, an attribute without a value
   * (RFC 7644 §3.4.2.2), so that `userName eq "x" or displayName eq "y"` finds groups by name.
   */
  constructor(
    map: ScimAttributeMap,
    private readonly params: unknown[],
    private readonly unknownIsUnassigned = false,
  ) {
    this.schema = map.schema.toLowerCase();
    for (const [key, attribute] of Object.entries(map.attributes)) this.attributes.set(this.withoutCoreSchema(key.toLowerCase()), attribute);
    for (const [key, multi] of Object.entries(map.multiValued ?? {})) this.multiValued.set(this.withoutCoreSchema(key.toLowerCase()), multi);
  }

  /**
   * Each result is a leaf (a comparison, LIKE, IS …, NOT (…), EXISTS (…)) or in parentheses, so
   * that it stands as an operand of AND and OR, and after the caller's own `AND`.
   */
  compile(filter: ScimFilter, scope: ValuePathScope | null): string {
    switch (filter.kind) {
      case 'and':
      case 'or':
        return `(${filter.operands.map((operand) => this.compile(operand, scope)).join(filter.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        // SQL's NOT keeps NULL (an attribute without a value compared) NULL, and the row would be
        // left out; SCIM's logic has two values — `not (title eq "x")` holds for a user without a
        // title — so an unknown operand counts as false before it is negated.
        return `(${this.compile(filter.operand, scope)}) IS NOT TRUE`;
      case 'valuePath':
        return this.valuePath(filter.path, filter.filter);
      case 'present':
      case 'compare':
        return this.attributeExpression(filter, scope);
    }
  }

  /** `emails[type eq "work" and value co "@x"]`: one element satisfies the whole bracket. */
  private valuePath(path: ScimAttributePath, filter: ScimFilter): string {
    const key = this.keyOf(path);
    const hasSubAttributes = [...this.attributes.keys()].some((known) => known.startsWith(`${key}.`));
    if (!hasSubAttributes) {
      if (this.unknownIsUnassigned && !this.attributes.has(key)) return 'FALSE';
      if (this.attributes.has(key)) {
        throw new ScimFilterError(`"${path.text}" at position ${path.position} has no sub-attributes to filter in brackets.`, path.position);
      }
      throw unknownAttribute(path);
    }
    const condition = this.compile(filter, { key, text: path.text });
    const multi = this.multiValued.get(key);
    return multi ? multi.some(condition) : condition;
  }

  private attributeExpression(expression: ScimComparison | ScimPresence, scope: ValuePathScope | null): string {
    if (this.unknownIsUnassigned && !this.knows(expression.path, scope)) {
      // Unassigned: not present, equal to nothing, different from everything.
      return expression.kind === 'compare' && (expression.operator === 'ne' || (expression.operator === 'eq' && expression.value === null)) ? 'TRUE' : 'FALSE';
    }
    const { attribute, elementOf } = this.resolve(expression.path, scope);
    // Inside brackets the value path has put the element in scope already; outside, each
    // comparison on a sub-attribute of a multi-valued attribute is about some element of its own
    // (RFC 7644 §3.4.2.2: "only one has to match").
    const some = (condition: string) => (elementOf && !scope ? elementOf.some(condition) : condition);
    if (expression.kind === 'present') return some(presentSql(attribute));
    if (expression.value === null) {
      // RFC 7643 §2.5: unassigned and null are the same state, so `eq null` is "not present".
      if (expression.operator === 'eq') return `NOT (${some(presentSql(attribute))})`;
      if (expression.operator === 'ne') return some(presentSql(attribute));
      throw new ScimFilterError(
        `null can be compared with eq or ne only, at position ${expression.valuePosition}: "${expression.path.text} eq null" means that it has no value.`,
        expression.valuePosition,
      );
    }
    return some(this.comparisonSql(attribute, expression));
  }

  private knows(path: ScimAttributePath, scope: ValuePathScope | null): boolean {
    try {
      this.resolve(path, scope);
      return true;
    } catch (error) {
      if (error instanceof ScimFilterError) return false;
      throw error;
    }
  }

  /** The attribute an attribute path names: inside brackets, a sub-attribute of the value path's. */
  resolve(path: ScimAttributePath, scope: ValuePathScope | null): ResolvedScimAttribute {
    const key = scope ? `${scope.key}.${path.name.toLowerCase()}` : this.keyOf(path);
    let attribute = this.attributes.get(key);
    let resolvedKey = key;
    // `emails co "example.com"` (an example of RFC 7644 §3.4.2.2): a multi-valued attribute named
    // without a sub-attribute is compared by its "value".
    if (!attribute && !scope && path.subAttribute === undefined) {
      attribute = this.attributes.get(`${key}.value`);
      resolvedKey = `${key}.value`;
    }
    if (!attribute) {
      if (scope) {
        throw new ScimFilterError(`Unknown attribute "${path.name}" in the brackets of "${scope.text}" at position ${path.position}.`, path.position);
      }
      throw unknownAttribute(path);
    }
    const parent = parentKey(resolvedKey);
    const elementOf = parent === undefined ? undefined : this.multiValued.get(parent);
    return { key: resolvedKey, attribute, ...(elementOf && { elementOf }) };
  }

  private comparisonSql(attribute: ScimAttributeSql, comparison: ScimComparison): string {
    const { operator, path } = comparison;
    const allowed = attribute.storedValue ? (['eq', 'ne'] as const) : operatorsByType[attribute.type];
    if (!(allowed as readonly string[]).includes(operator)) {
      const described = attribute.storedValue ? 'an identifier' : `${article(attribute.type)} ${attribute.type} attribute`;
      throw new ScimFilterError(
        `The operator "${operator}" does not apply to "${path.text}", ${described}, at position ${comparison.operatorPosition}: use ${[...allowed].join(', ')} or pr.`,
        comparison.operatorPosition,
      );
    }
    const { sql } = attribute;

    if (attribute.storedValue) {
      const text = this.expect(comparison, 'string');
      const stored = attribute.storedValue(text);
      // Nothing stored equals a value that cannot be stored: eq is false, ne true (even where the attribute is unassigned).
      if (stored === undefined) return operator === 'eq' ? 'FALSE' : 'TRUE';
      const p = this.param(stored);
      return operator === 'eq' ? `${sql} = ${p}` : `${sql} IS DISTINCT FROM ${p}`;
    }

    switch (attribute.type) {
      case 'string':
      case 'reference':
        return this.stringSql(attribute, operator, this.expect(comparison, 'string'));
      case 'boolean':
        return this.orderedSql(sql, operator, `${this.param(this.booleanValue(comparison))}::boolean`);
      case 'integer': {
        const number = this.expect(comparison, 'number');
        if (!Number.isSafeInteger(number)) {
          throw new ScimFilterError(`Expected an integer for "${path.text}" at position ${comparison.valuePosition}, found ${number}.`, comparison.valuePosition);
        }
        return this.orderedSql(sql, operator, `${this.param(number)}::bigint`);
      }
      case 'dateTime':
        return this.orderedSql(sql, operator, `${this.param(dateTimeValue(comparison, this.expect(comparison, 'string')))}::timestamptz`);
    }
  }

  /**
   * A string comparison. Without case: both sides `lower()`ed, the column side `COLLATE "C"`, the
   * form of the `lower(x) COLLATE "C"` btree indexes, which serve eq and sw (a LIKE prefix in the
   * C collation). With case: eq and ne in the column's own collation, so a plain index serves
   * them; LIKE and the order in "C", so that gt and lt compare code points (RFC 7644: a
   * lexicographical comparison) whatever the server's locale.
   */
  private stringSql(attribute: ScimAttributeSql, operator: ScimCompareOperator, value: string): string {
    const caseExact = attribute.caseExact ?? attribute.type === 'reference';
    const column = caseExact ? `(${attribute.sql}) COLLATE "C"` : `lower(${attribute.sql}) COLLATE "C"`;
    const param = (text: string) => (caseExact ? `${this.param(text)}::text` : `lower(${this.param(text)}::text)`);
    switch (operator) {
      case 'eq':
        return caseExact ? `${attribute.sql} = ${param(value)}` : `${column} = ${param(value)}`;
      case 'ne':
        return caseExact ? `${attribute.sql} IS DISTINCT FROM ${param(value)}` : `${column} IS DISTINCT FROM ${param(value)}`;
      case 'co':
        return `${column} LIKE ${param(`%${escapeLike(value)}%`)}`;
      case 'sw':
        return `${column} LIKE ${param(`${escapeLike(value)}%`)}`;
      case 'ew':
        return `${column} LIKE ${param(`%${escapeLike(value)}`)}`;
      default:
        return `${column} ${sqlOperators[operator]} ${param(value)}`;
    }
  }

  /**
   * eq and the order operators as SQL's; ne as IS DISTINCT FROM, which holds where the attribute
   * has no value: RFC 7643 §2.5 makes unassigned the same state as null, and null is not the
   * value compared — so `title ne "x"` finds users without a title, as `not (title eq "x")` does.
   */
  private orderedSql(sql: string, operator: ScimCompareOperator, param: string): string {
    return operator === 'ne' ? `${sql} IS DISTINCT FROM ${param}` : `${sql} ${sqlOperators[operator]} ${param}`;
  }

  /** A boolean; Entra sends some booleans as the strings "True" and "False", taken as such. */
  private booleanValue(comparison: ScimComparison): boolean {
    const { value } = comparison;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    throw new ScimFilterError(`Expected true or false for "${comparison.path.text}" at position ${comparison.valuePosition}, found ${describeValue(value)}.`, comparison.valuePosition);
  }

  private expect(comparison: ScimComparison, type: 'string'): string;
  private expect(comparison: ScimComparison, type: 'number'): number;
  private expect(comparison: ScimComparison, type: 'string' | 'number'): string | number {
    const { value } = comparison;
    if (typeof value === type) return value as string | number;
    const wanted = type === 'string' ? 'a string in double quotes' : 'a number';
    throw new ScimFilterError(`Expected ${wanted} for "${comparison.path.text}" at position ${comparison.valuePosition}, found ${describeValue(value)}.`, comparison.valuePosition);
  }

  private param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** A path's key: lower-cased, the core schema URN left out, an extension's kept. */
  private keyOf(path: ScimAttributePath): string {
    const name = `${path.name}${path.subAttribute === undefined ? '' : `.${path.subAttribute}`}`.toLowerCase();
    const schema = path.schema?.toLowerCase();
    return schema === undefined || schema === this.schema ? name : `${schema}:${name}`;
  }

  private withoutCoreSchema(key: string): string {
    return key.startsWith(`${this.schema}:`) ? key.slice(this.schema.length + 1) : key;
  }
}

/** The attribute a key's sub-attribute belongs to (`emails` of `emails.value`), if it is one. */
function parentKey(key: string): string | undefined {
  const dot = key.lastIndexOf('.');
  return dot > key.lastIndexOf(':') ? key.slice(0, dot) : undefined;
}

/**
 * pr: "has a non-empty value" (RFC 7644 §3.4.2.2). An empty string is no value (RFC 7643 §2.5
 * treats "" like null for strings in responses; a filter should agree).
 */
function presentSql(attribute: ScimAttributeSql): string {
  const text = (attribute.type === 'string' || attribute.type === 'reference') && !attribute.storedValue;
  return text ? `(${attribute.sql} IS NOT NULL AND ${attribute.sql} <> '')` : `${attribute.sql} IS NOT NULL`;
}

/** LIKE's wildcards and its escape character, escaped: `co "50%_off"` means those seven characters. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * An xsd:dateTime (RFC 7643 §2.3.5), checked here so that a wrong date is the client's
 * invalidFilter and not the database's error. One without a zone is taken as UTC: the RFC's
 * examples all carry `Z`, and the server's zone would make the answer depend on where it runs.
 */
const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))?$/i;

function dateTimeValue(comparison: ScimComparison, text: string): string {
  const match = dateTimePattern.exec(text);
  if (!match || !isCalendarDateTime(match)) {
    throw new ScimFilterError(
      `"${text}" at position ${comparison.valuePosition} is not a date and time: "${comparison.path.text}" takes one like "2011-05-13T04:42:34Z".`,
      comparison.valuePosition,
    );
  }
  const upper = text.toUpperCase();
  return match[8] === undefined ? `${upper}Z` : upper;
}

/** The pattern checks the form; this, the calendar and the clock (no 30 February, no 24:00, offsets up to ±14:00). */
function isCalendarDateTime(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const zone = match[9] === undefined || (Number(match[9]) <= 14 && Number(match[10]) <= 59);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && zone;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value === 'number' ? 'the number' : 'the boolean'} ${String(value)}`;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function unknownAttribute(path: ScimAttributePath): ScimFilterError {
  return new ScimFilterError(`Unknown attribute "${path.text}" at position ${path.position}.`, path.position);
}
