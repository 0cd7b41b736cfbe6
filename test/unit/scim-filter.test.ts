import { maxFilterDepth, maxFilterLength, parseScimAttributePath, parseScimFilter, ScimFilterError, type ScimAttributePath, type ScimFilter } from '../../src/scim/filter';
import { scimFilterSql, type ScimAttributeMap } from '../../src/scim/filter-sql';

/** A filter's tree, written small: `(and (pr title) (eq userType "Employee"))`; a schema URN ends at `|`. */
function show(filter: ScimFilter): string {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return `(${filter.kind} ${filter.operands.map(show).join(' ')})`;
    case 'not':
      return `(not ${show(filter.operand)})`;
    case 'valuePath':
      return `(${showPath(filter.path)}[] ${show(filter.filter)})`;
    case 'present':
      return `(pr ${showPath(filter.path)})`;
    case 'compare':
      return `(${filter.operator} ${showPath(filter.path)} ${JSON.stringify(filter.value)})`;
  }
}

function showPath(path: ScimAttributePath): string {
  return `${path.schema === undefined ? '' : `${path.schema}|`}${path.name}${path.subAttribute === undefined ? '' : `.${path.subAttribute}`}`;
}

const parsed = (filter: string) => show(parseScimFilter(filter));

/** The error a filter is refused with: its message and position. */
function refusal(run: () => unknown): { message: string; position?: number } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ScimFilterError)) throw error;
    return { message: error.message, ...(error.position !== undefined && { position: error.position }) };
  }
  throw new Error('not refused');
}

describe('SCIM filters: RFC 7644 §3.4.2.2', () => {
  // Every example filter of the section, in its order.
  test.each([
    ['userName eq "bjensen"', '(eq userName "bjensen")'],
    [`name.familyName co "O'Malley"`, `(co name.familyName "O'Malley")`],
    ['userName sw "J"', '(sw userName "J")'],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', '(sw urn:ietf:params:scim:schemas:core:2.0:User|userName "J")'],
    ['title pr', '(pr title)'],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', '(gt meta.lastModified "2011-05-13T04:42:34Z")'],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', '(ge meta.lastModified "2011-05-13T04:42:34Z")'],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', '(lt meta.lastModified "2011-05-13T04:42:34Z")'],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', '(le meta.lastModified "2011-05-13T04:42:34Z")'],
    ['title pr and userType eq "Employee"', '(and (pr title) (eq userType "Employee"))'],
    ['title pr or userType eq "Intern"', '(or (pr title) (eq userType "Intern"))'],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', '(eq schemas "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")'],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      '(and (eq userType "Employee") (or (co emails "example.com") (co emails.value "example.org")))',
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      '(and (ne userType "Employee") (not (or (co emails "example.com") (co emails.value "example.org"))))',
    ],
    ['userType eq "Employee" and (emails.type eq "work")', '(and (eq userType "Employee") (eq emails.type "work"))'],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      '(and (eq userType "Employee") (emails[] (and (eq type "work") (co value "@example.com"))))',
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      '(or (emails[] (and (eq type "work") (co value "@example.com"))) (ims[] (and (eq type "xmpp") (co value "@foo.com"))))',
    ],
  ])('%s', (filter, tree) => {
    expect(parsed(filter)).toBe(tree);
  });
});

describe('SCIM filters: what identity providers send', () => {
  test.each([
    // Okta's "does this user exist" and Entra's matching of users and groups.
    ['userName eq "test_user_dac0d5b1@testuser.com"', '(eq userName "test_user_dac0d5b1@testuser.com")'],
    ['externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"', '(eq externalId "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")'],
    ['displayName eq "Group1"', '(eq displayName "Group1")'],
    ['members[value eq "id"]', '(members[] (eq value "id"))'],
    ['id eq "g1" and members[value eq "u1"]', '(and (eq id "g1") (members[] (eq value "u1")))'],
    // A PATCH path with a comparison after it: the same element has both.
    ['emails[type eq "work"].value eq "x"', '(emails[] (and (eq type "work") (eq value "x")))'],
    ['emails[type eq "work"].value pr', '(emails[] (and (eq type "work") (pr value)))'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales"', '(eq urn:ietf:params:scim:schemas:extension:enterprise:2.0:User|department "Sales")'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1"', '(eq urn:ietf:params:scim:schemas:extension:enterprise:2.0:User|manager.value "m1")'],
  ])('%s', (filter, tree) => {
    expect(parsed(filter)).toBe(tree);
  });
});

describe('SCIM filters: precedence and grouping', () => {
  test('and binds tighter than or, on either side', () => {
    expect(parsed('a eq 1 or b eq 2 and c eq 3')).toBe('(or (eq a 1) (and (eq b 2) (eq c 3)))');
    expect(parsed('a eq 1 and b eq 2 or c eq 3')).toBe('(or (and (eq a 1) (eq b 2)) (eq c 3))');
    expect(parsed('a pr and b pr and c pr or d pr or e pr and f pr')).toBe('(or (and (pr a) (pr b) (pr c)) (pr d) (and (pr e) (pr f)))');
  });

  test('parentheses override it', () => {
    expect(parsed('(a eq 1 or b eq 2) and c eq 3')).toBe('(and (or (eq a 1) (eq b 2)) (eq c 3))');
    expect(parsed('((a pr))')).toBe('(pr a)');
  });

  test('not applies to its parentheses only', () => {
    expect(parsed('not (a pr) and b pr')).toBe('(and (not (pr a)) (pr b))');
    expect(parsed('a pr or not (b pr or c pr) and d pr')).toBe('(or (pr a) (and (not (or (pr b) (pr c))) (pr d)))');
    expect(parsed('emails[not (type eq "work")]')).toBe('(emails[] (not (eq type "work")))');
  });

  test('operators, and, or, not and attribute names are case-insensitive; names are kept as written', () => {
    expect(parsed('UserName EQ "x" AND NOT (title PR) Or x Gt 1')).toBe('(or (and (eq UserName "x") (not (pr title))) (gt x 1))');
  });

  test('white space is any run of blanks, and none is needed next to quotes, parentheses and brackets', () => {
    expect(parsed('  (userName eq"a")and(title pr)\t or\nemails[type eq"work"]  ')).toBe('(or (and (eq userName "a") (pr title)) (emails[] (eq type "work")))');
  });

  test('names that begin like a keyword are names', () => {
    expect(parsed('notes pr and order eq 1 and android pr')).toBe('(and (pr notes) (eq order 1) (pr android))');
  });
});

describe('SCIM filters: values', () => {
  const value = (literal: string) => {
    const filter = parseScimFilter(`x eq ${literal}`);
    return filter.kind === 'compare' ? filter.value : undefined;
  };

  test('strings are JSON strings, their escapes decoded', () => {
    expect(value('"say \\"hi\\""')).toBe('say "hi"');
    expect(value('"a\\\\b"')).toBe('a\\b');
    expect(value('"a\\/b\\n\\t\\r\\b\\f"')).toBe('a/b\n\t\r\b\f');
    expect(value('"caf\\u00e9 \\uD83D\\uDE00"')).toBe('café 😀');
    expect(value('"50%_off"')).toBe('50%_off');
    expect(value('"日本語"')).toBe('日本語');
    expect(value('""')).toBe('');
  });

  test('numbers, booleans and null are JSON literals', () => {
    expect([value('0'), value('-12'), value('1.5'), value('-5.5e2'), value('2E+3')]).toEqual([0, -12, 1.5, -550, 2000]);
    expect([value('true'), value('false'), value('null')]).toEqual([true, false, null]);
  });

  test('positions count from 1 and point at the path, the operator and the value', () => {
    expect(parseScimFilter('  userName  eq  "x"')).toMatchObject({ path: { position: 3 }, operatorPosition: 13, valuePosition: 17 });
  });
});

describe('SCIM filters: what is refused, where, and what was expected', () => {
  test.each([
    ['', 'The filter is empty.', 1],
    ['usrName eq', 'Expected a value (a string in double quotes, a number, true, false or null) at position 11, found the end of the filter.', 11],
    ['userName xx "a"', 'Expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "userName" at position 10, found "xx".', 10],
    ['userName eq "john" garbage', 'Expected "and", "or" or the end of the filter at position 20, found "garbage".', 20],
    ['userName eq john', 'Expected a value (a string in double quotes, a number, true, false or null) at position 13, found "john".', 13],
    ['active eq True', 'Expected a value (a string in double quotes, a number, true, false or null) at position 11, found "True"; true, false and null are written in lower case.', 11],
    ['userName eq "a" and', 'Expected an attribute name, "(" or "not" at position 20, found the end of the filter.', 20],
    ['(userName eq "a"', 'Expected "and", "or" or ")" at position 17, found the end of the filter; the "(" at position 1 is not closed.', 17],
    ['userName eq "a")', 'Expected "and", "or" or the end of the filter at position 16, found ")".', 16],
    ['emails[type eq "work"', 'Expected "and", "or" or "]" at position 22, found the end of the filter; the "[" at position 7 is not closed.', 22],
    ['not title pr', 'Expected "(" after "not" at position 5, found "title".', 5],
    ['userName eq "abc', 'The string that starts at position 13 is not closed: expected a closing \'"\'.', 13],
    ['userName eq "a\\xb"', '"\\x" at position 15 is not an escape of a JSON string: write \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u followed by four hexadecimal digits.', 15],
    ['userName eq "a\tb"', 'A control character at position 15 must be escaped in a string (\\n, \\t, \\u0000).', 15],
    ['x eq 01', 'Expected a value (a string in double quotes, a number, true, false or null) at position 6, found "01".', 6],
    ['x eq 1.', 'Expected a value (a string in double quotes, a number, true, false or null) at position 6, found "1.".', 6],
    [
      'name.givenName.x eq "a"',
      '"name.givenName.x" at position 1 is not an attribute path: write a name (userName), a name and a sub-attribute (name.familyName), either after a schema URN and ":".',
      1,
    ],
    ['1abc eq "a"', '"1abc" at position 1 is not an attribute path: write a name (userName), a name and a sub-attribute (name.familyName), either after a schema URN and ":".', 1],
    ['emails[emails.type eq "work"]', 'Expected a sub-attribute name at position 8, found "emails.type": inside brackets, name only the sub-attribute (type, value).', 8],
    ['emails[type[value pr] pr]', 'Expected an operator: a value path cannot be nested in the brackets of "emails" at position 12, found "[".', 12],
    ['emails[type eq "work"].1 eq "x"', 'Expected a sub-attribute name of "emails" after "]." at position 24, found "1".', 24],
    ['emails[type eq "work"].value', 'Expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "emails[…].value" at position 29, found the end of the filter.', 29],
    ['userName eq "a" && title pr', 'Expected "and", "or" or the end of the filter at position 17, found "&".', 17],
  ])('%j', (filter, message, position) => {
    expect(refusal(() => parseScimFilter(filter))).toEqual({ message, position });
  });

  test(`a filter of more than ${maxFilterLength} characters`, () => {
    const long = `userName eq "${'a'.repeat(maxFilterLength)}"`;
    expect(refusal(() => parseScimFilter(long))).toEqual({ message: `The filter is ${long.length} characters long; at most 2000 are accepted.` });
    expect(() => parseScimFilter(`userName eq "${'a'.repeat(maxFilterLength - 14)}"`)).not.toThrow();
  });

  test(`nesting deeper than ${maxFilterDepth}`, () => {
    const nested = (depth: number) => `${'('.repeat(depth)}title pr${')'.repeat(depth)}`;
    expect(parsed(nested(maxFilterDepth))).toBe('(pr title)');
    expect(refusal(() => parseScimFilter(nested(maxFilterDepth + 1)))).toEqual({ message: 'The filter nests parentheses and brackets more than 16 deep at position 17.', position: 17 });
    expect(parsed(`${'not ('.repeat(maxFilterDepth - 1)}emails[type pr]${')'.repeat(maxFilterDepth - 1)}`)).toMatch(/^\(not /);
    expect(() => parseScimFilter(`${'not ('.repeat(maxFilterDepth)}emails[type pr]${')'.repeat(maxFilterDepth)}`)).toThrow(ScimFilterError);
  });

  test('a ScimFilterError says it is an invalidFilter, for the SCIM edge', () => {
    expect(new ScimFilterError('x')).toMatchObject({ name: 'ScimFilterError', scimType: 'invalidFilter' });
  });
});

describe('SCIM attribute paths alone', () => {
  test('split a schema URN at its last colon, and a sub-attribute at its dot', () => {
    expect(parseScimAttributePath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value')).toEqual({
      schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      name: 'manager',
      subAttribute: 'value',
      text: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
      position: 1,
    });
    expect(parseScimAttributePath('members.$ref')).toMatchObject({ name: 'members', subAttribute: '$ref' });
  });

  test('refuse what follows a path', () => {
    expect(refusal(() => parseScimAttributePath('name.givenName eq'))).toEqual({
      message: 'Expected the end of the attribute path at position 15, found " ".',
      position: 15,
    });
  });
});

/*
 * The compiler's refusals need no database: they happen before any SQL runs. What the SQL matches
 * is tested on PostgreSQL (test/integration/scim-filter-sql.test.ts).
 */
describe('SCIM filters to SQL: what a map refuses', () => {
  const users: ScimAttributeMap = {
    schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
    attributes: {
      id: { sql: 'i.id', type: 'string', caseExact: true, storedValue: (value) => (value === 'known' ? 'uuid' : undefined) },
      userName: { sql: 'i.username', type: 'string' },
      active: { sql: `(i.status = 'ACTIVE')`, type: 'boolean' },
      'meta.lastModified': { sql: 'i.updated_at', type: 'dateTime' },
      'meta.version': { sql: 'i.version', type: 'integer' },
      'emails.value': { sql: 'i.primary_email', type: 'string' },
      'emails.type': { sql: `'work'`, type: 'string' },
    },
  };
  const compile = (filter: string) => scimFilterSql(parseScimFilter(filter), users, []);

  test.each([
    ['usrName eq "x"', 'Unknown attribute "usrName" at position 1.', 1],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x"', 'Unknown attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName" at position 1.', 1],
    ['emails[typo eq "work"]', 'Unknown attribute "typo" in the brackets of "emails" at position 8.', 8],
    ['userName[value eq "x"]', '"userName" at position 1 has no sub-attributes to filter in brackets.', 1],
    ['active co "x"', 'The operator "co" does not apply to "active", a boolean attribute, at position 8: use eq, ne or pr.', 8],
    ['active gt true', 'The operator "gt" does not apply to "active", a boolean attribute, at position 8: use eq, ne or pr.', 8],
    ['meta.lastModified sw "2011"', 'The operator "sw" does not apply to "meta.lastModified", a dateTime attribute, at position 19: use eq, ne, gt, ge, lt, le or pr.', 19],
    ['meta.version co 1', 'The operator "co" does not apply to "meta.version", an integer attribute, at position 14: use eq, ne, gt, ge, lt, le or pr.', 14],
    ['id sw "x"', 'The operator "sw" does not apply to "id", an identifier, at position 4: use eq, ne or pr.', 4],
    ['userName eq 5', 'Expected a string in double quotes for "userName" at position 13, found the number 5.', 13],
    ['active eq "yes"', 'Expected true or false for "active" at position 11, found the string "yes".', 11],
    ['meta.version gt 1.5', 'Expected an integer for "meta.version" at position 17, found 1.5.', 17],
    ['meta.lastModified gt "2011-02-29T00:00:00Z"', '"2011-02-29T00:00:00Z" at position 22 is not a date and time: "meta.lastModified" takes one like "2011-05-13T04:42:34Z".', 22],
    ['meta.lastModified gt "yesterday"', '"yesterday" at position 22 is not a date and time: "meta.lastModified" takes one like "2011-05-13T04:42:34Z".', 22],
    ['meta.lastModified gt "2011-05-13T24:00:00Z"', '"2011-05-13T24:00:00Z" at position 22 is not a date and time: "meta.lastModified" takes one like "2011-05-13T04:42:34Z".', 22],
    ['userName gt null', 'null can be compared with eq or ne only, at position 13: "userName eq null" means that it has no value.', 13],
  ])('%j', (filter, message, position) => {
    expect(refusal(() => compile(filter))).toEqual({ message, position });
  });

  test('values are parameters, never SQL text', () => {
    const params: unknown[] = [];
    const sql = scimFilterSql(parseScimFilter(`userName eq "x'; DROP TABLE identities; --" or emails co "50%_off\\\\"`), users, params);
    expect(sql).toBe(`(lower(i.username) COLLATE "C" = lower($1::text) OR lower(i.primary_email) COLLATE "C" LIKE lower($2::text))`);
    expect(params).toEqual([`x'; DROP TABLE identities; --`, '%50\\%\\_off\\\\%']);
  });

  test('parameters are numbered after those the caller has', () => {
    const params: unknown[] = ['realm'];
    expect(scimFilterSql(parseScimFilter('userName eq "a"'), users, params)).toBe(`lower(i.username) COLLATE "C" = lower($2::text)`);
  });
});
