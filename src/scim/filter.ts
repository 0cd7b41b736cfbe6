/*
 * SCIM filters (RFC 7644 §3.4.2.2) parsed into a typed tree, by hand: the npm parsers we tried
 * decode string escapes wrongly, lose the tree or accept what the grammar refuses, and none says
 * where a filter went wrong (docs/decisions.md 100). filter-sql.ts turns the tree into SQL.
 *
 * The grammar, as the RFC writes it, with what we accept beyond it marked:
 *
 *   FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
 *   valuePath = attrPath "[" valFilter "]"        ; + [ "." subAttr (compareOp compValue / "pr") ]
 *   valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
 *   attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
 *   logExp    = FILTER SP ("and" / "or") SP FILTER  ; "and" binds tighter than "or"
 *   compValue = false / null / true / number / string   ; JSON's (RFC 7159)
 *   attrPath  = [URI ":"] ATTRNAME *1subAttr         ; + "$ref" as a name (RFC 7643 §2.4 uses it)
 *
 * Operators, "and", "or", "not" and attribute names are case-insensitive (§3.4.2.2); the literals
 * true, false and null are JSON's, lower case. Any run of white space stands for SP, and none is
 * needed next to a quote, a parenthesis or a bracket. `emails[type eq "work"].value eq "x"` — a
 * PATCH path with a comparison after it, which Entra sends to match users by their work email —
 * means one element with both: it is parsed as `emails[type eq "work" and value eq "x"]`.
 */

/** The longest filter accepted, in UTF-16 code units: a filter is a query parameter, not a document. */
export const maxFilterLength = 2000;
/** The deepest nesting of parentheses and brackets accepted: enough for any real filter, and it bounds recursion. */
export const maxFilterDepth = 16;

export const scimCompareOperators = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type ScimCompareOperator = (typeof scimCompareOperators)[number];

/** A comparison value: a JSON string, number, boolean or null. */
export type ScimFilterValue = string | number | boolean | null;

/** Where in the filter something was written: 1 is its first character. */
export type ScimFilterPosition = number;

/**
 * An attribute as written: `userName`, `name.familyName`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`. Inside a value path's
 * brackets it is a sub-attribute of the value path's attribute, and has neither schema nor subAttribute.
 */
export interface ScimAttributePath {
  /** The schema URN before the name, when one was written, as written. */
  readonly schema?: string;
  readonly name: string;
  readonly subAttribute?: string;
  /** The path as written, for messages. */
  readonly text: string;
  readonly position: ScimFilterPosition;
}

export interface ScimComparison {
  readonly kind: 'compare';
  readonly path: ScimAttributePath;
  readonly operator: ScimCompareOperator;
  readonly value: ScimFilterValue;
  readonly operatorPosition: ScimFilterPosition;
  readonly valuePosition: ScimFilterPosition;
}

export interface ScimPresence {
  readonly kind: 'present';
  readonly path: ScimAttributePath;
  readonly operatorPosition: ScimFilterPosition;
}

export interface ScimLogical {
  readonly kind: 'and' | 'or';
  /** Two or more: `a and b and c` is one node. */
  readonly operands: readonly ScimFilter[];
}

export interface ScimNegation {
  readonly kind: 'not';
  readonly operand: ScimFilter;
}

/** `emails[type eq "work"]`: one element of `path` satisfies `filter`, whose paths are its sub-attributes. */
export interface ScimValuePath {
  readonly kind: 'valuePath';
  readonly path: ScimAttributePath;
  readonly filter: ScimFilter;
}

export type ScimFilter = ScimComparison | ScimPresence | ScimLogical | ScimNegation | ScimValuePath;

/** A filter the service provider refuses: the SCIM edge answers 400 with scimType invalidFilter and this message as detail. */
export class ScimFilterError extends Error {
  override readonly name = 'ScimFilterError';
  readonly scimType = 'invalidFilter';
  constructor(
    message: string,
    /** Where the problem is, when it is at one place. */
    readonly position?: ScimFilterPosition,
  ) {
    super(message);
  }
}

/** Parses a filter; a ScimFilterError names the position and what was expected there. */
export function parseScimFilter(text: string): ScimFilter {
  if (text.length > maxFilterLength) {
    throw new ScimFilterError(`The filter is ${text.length} characters long; at most ${maxFilterLength} are accepted.`);
  }
  const parser = new FilterParser(text);
  parser.skipSpace();
  if (parser.atEnd()) throw new ScimFilterError('The filter is empty.', 1);
  const filter = parser.parseOr(null);
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail(`"and", "or" or the end of the filter`);
  return filter;
}

/**
 * Parses an attribute path alone (`name.givenName`, `urn:…:User:department`), as `sortBy`,
 * `attributes` and a PATCH path's attribute part write one.
 */
export function parseScimAttributePath(text: string): ScimAttributePath {
  const parser = new FilterParser(text);
  const path = parser.parseAttributePath(false);
  if (!parser.atEnd()) parser.fail('the end of the attribute path');
  return path;
}

/** Characters of an attribute path's token: ATTRNAME's, `$` of `$ref`, and a URI's (without its delimiters of our grammar). */
const pathCharacter = /[A-Za-z0-9._:$~%/+@-]/;
const attributeName = /^(?:\$ref|[A-Za-z][A-Za-z0-9_-]*)$/;
const keywordCharacter = /[A-Za-z]/;
const jsonNumber = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class FilterParser {
  private index = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.index >= this.text.length;
  }

  skipSpace(): void {
    while (/\s/.test(this.text[this.index] ?? '')) this.index++;
  }

  /** FILTER or valFilter: `scope` is the value path whose brackets we are in, if any. */
  parseOr(scope: ScimAttributePath | null): ScimFilter {
    const operands = [this.parseAnd(scope)];
    while (this.consumeKeyword('or')) operands.push(this.parseAnd(scope));
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(scope: ScimAttributePath | null): ScimFilter {
    const operands = [this.parseUnary(scope)];
    while (this.consumeKeyword('and')) operands.push(this.parseUnary(scope));
    return operands.length === 1 ? operands[0] : { kind: 'and', operands };
  }

  private parseUnary(scope: ScimAttributePath | null): ScimFilter {
    this.skipSpace();
    if (this.text[this.index] === '(') return this.parseGroup(scope);
    const start = this.index;
    if (this.peekKeyword() === 'not') {
      this.index += 3;
      this.skipSpace();
      // The RFC's grammar has "not" only before parentheses: `not title pr` is refused rather than guessed.
      if (this.text[this.index] !== '(') this.fail('"(" after "not"');
      return { kind: 'not', operand: this.parseGroup(scope) };
    }
    this.index = start;
    return this.parseAttributeExpression(scope);
  }

  private parseGroup(scope: ScimAttributePath | null): ScimFilter {
    const open = this.index;
    this.enter();
    this.index++;
    const filter = this.parseOr(scope);
    this.skipSpace();
    if (this.text[this.index] !== ')') this.fail(`"and", "or" or ")"`, undefined, `; the "(" at position ${open + 1} is not closed`);
    this.index++;
    this.depth--;
    return filter;
  }

  private parseAttributeExpression(scope: ScimAttributePath | null): ScimFilter {
    const path = this.parseAttributePath(scope !== null);
    if (this.text[this.index] === '[') {
      if (scope) this.fail(`an operator: a value path cannot be nested in the brackets of "${scope.text}"`);
      return this.parseValuePath(path);
    }
    return this.parseComparison(path, path.text);
  }

  /** The operator and value after `path`; `subject` is how messages name what they follow. */
  private parseComparison(path: ScimAttributePath, subject: string): ScimComparison | ScimPresence {
    this.skipSpace();
    const operatorPosition = this.index + 1;
    const word = this.peekKeyword();
    if (word === 'pr') {
      this.index += 2;
      return { kind: 'present', path, operatorPosition };
    }
    if (!word || !(scimCompareOperators as readonly string[]).includes(word)) {
      this.fail(`an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "${subject}"`);
    }
    this.index += 2;
    this.skipSpace();
    const valuePosition = this.index + 1;
    const value = this.parseValue();
    return { kind: 'compare', path, operator: word as ScimCompareOperator, value, operatorPosition, valuePosition };
  }

  private parseValuePath(path: ScimAttributePath): ScimValuePath {
    const open = this.index;
    this.enter();
    this.index++;
    let filter = this.parseOr(path);
    this.skipSpace();
    if (this.text[this.index] !== ']') this.fail(`"and", "or" or "]"`, undefined, `; the "[" at position ${open + 1} is not closed`);
    this.index++;
    this.depth--;
    if (this.text[this.index] === '.') {
      this.index++;
      const position = this.index + 1;
      const name = this.readPathToken();
      if (!attributeName.test(name)) this.fail(`a sub-attribute name of "${path.text}" after "]."`, position);
      const subPath: ScimAttributePath = { name, text: name, position };
      const comparison = this.parseComparison(subPath, `${path.text}[…].${name}`);
      filter = { kind: 'and', operands: [filter, comparison] };
    }
    return { kind: 'valuePath', path, filter };
  }

  /** attrPath; `relative` inside a value path's brackets, where only a sub-attribute's name is meaningful. */
  parseAttributePath(relative: boolean): ScimAttributePath {
    this.skipSpace();
    const position = this.index + 1;
    const text = this.readPathToken();
    if (!text) this.fail(relative ? 'a sub-attribute name' : 'an attribute name, "(" or "not"');
    const colon = text.lastIndexOf(':');
    const schema = colon >= 0 ? text.slice(0, colon) : undefined;
    const [name, subAttribute, ...more] = text.slice(colon + 1).split('.');
    const wellFormed = schema !== '' && attributeName.test(name) && (subAttribute === undefined || attributeName.test(subAttribute)) && more.length === 0;
    if (!wellFormed) {
      throw new ScimFilterError(
        `"${text}" at position ${position} is not an attribute path: write a name (userName), a name and a sub-attribute (name.familyName), either after a schema URN and ":".`,
        position,
      );
    }
    if (relative && (schema !== undefined || subAttribute !== undefined)) {
      throw new ScimFilterError(`Expected a sub-attribute name at position ${position}, found "${text}": inside brackets, name only the sub-attribute (type, value).`, position);
    }
    return { ...(schema !== undefined && { schema }), name, ...(subAttribute !== undefined && { subAttribute }), text, position };
  }

  private readPathToken(): string {
    const start = this.index;
    while (pathCharacter.test(this.text[this.index] ?? '')) this.index++;
    return this.text.slice(start, this.index);
  }

  private parseValue(): ScimFilterValue {
    const c = this.text[this.index];
    if (c === '"') return this.parseString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      jsonNumber.lastIndex = this.index;
      const match = jsonNumber.exec(this.text);
      if (match && !this.isWordCharacter(this.text[this.index + match[0].length])) {
        this.index += match[0].length;
        return Number(match[0]);
      }
    }
    const word = this.peekWord();
    if (word === 'true' || word === 'false' || word === 'null') {
      this.index += word.length;
      return word === 'null' ? null : word === 'true';
    }
    const hint = word && ['true', 'false', 'null'].includes(word.toLowerCase()) ? '; true, false and null are written in lower case' : '';
    return this.fail(`a value (a string in double quotes, a number, true, false or null)`, undefined, hint);
  }

  /** A JSON string, its escapes decoded. */
  private parseString(): string {
    const open = this.index;
    let value = '';
    this.index++;
    for (;;) {
      const c = this.text[this.index];
      if (c === undefined) throw new ScimFilterError(`The string that starts at position ${open + 1} is not closed: expected a closing '"'.`, open + 1);
      if (c === '"') {
        this.index++;
        return value;
      }
      if (c < ' ') throw new ScimFilterError(`A control character at position ${this.index + 1} must be escaped in a string (\\n, \\t, \\u0000).`, this.index + 1);
      if (c !== '\\') {
        value += c;
        this.index++;
        continue;
      }
      const escaped = this.text[this.index + 1];
      if (escaped === 'u' && /^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.index + 2, this.index + 6))) {
        value += String.fromCharCode(parseInt(this.text.slice(this.index + 2, this.index + 6), 16));
        this.index += 6;
      } else if (escaped !== undefined && escaped in escapes) {
        value += escapes[escaped];
        this.index += 2;
      } else {
        throw new ScimFilterError(
          `"\\${escaped ?? ''}" at position ${this.index + 1} is not an escape of a JSON string: write \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u followed by four hexadecimal digits.`,
          this.index + 1,
        );
      }
    }
  }

  private consumeKeyword(keyword: 'and' | 'or'): boolean {
    const before = this.index;
    this.skipSpace();
    if (this.peekKeyword() === keyword) {
      this.index += keyword.length;
      return true;
    }
    this.index = before;
    return false;
  }

  /** The word at the cursor, lower-cased, when it is made of letters only and ends there (`and(`, `eq"x"` end where the letters do). */
  private peekKeyword(): string | undefined {
    return this.peekWord()?.toLowerCase();
  }

  private peekWord(): string | undefined {
    let end = this.index;
    while (keywordCharacter.test(this.text[end] ?? '')) end++;
    if (end === this.index || this.isWordCharacter(this.text[end])) return undefined;
    return this.text.slice(this.index, end);
  }

  private isWordCharacter(c: string | undefined): boolean {
    return c !== undefined && pathCharacter.test(c);
  }

  private enter(): void {
    if (++this.depth > maxFilterDepth) {
      throw new ScimFilterError(`The filter nests parentheses and brackets more than ${maxFilterDepth} deep at position ${this.index + 1}.`, this.index + 1);
    }
  }

  /** Throws "Expected <expected> at position N, found <what is there>." */
  fail(expected: string, position = this.index + 1, hint = ''): never {
    throw new ScimFilterError(`Expected ${expected} at position ${position}, found ${this.describe(position - 1)}${hint}.`, position);
  }

  private describe(index: number): string {
    if (index >= this.text.length) return 'the end of the filter';
    let end = index;
    while (end < this.text.length && this.isWordCharacter(this.text[end])) end++;
    const found = end > index ? this.text.slice(index, end) : this.text[index];
    const shown = found.length > 40 ? `${found.slice(0, 37)}...` : found;
    return found === '"' ? `'"'` : `"${shown}"`;
  }
}
