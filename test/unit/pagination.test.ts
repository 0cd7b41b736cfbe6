import { encodeCursor, keysetSql, PageEdge, pageRequest, toPage, type Ordering } from '../../src/common/pagination';

const byName: Ordering = { key: 'thing.name', columns: [{ sql: 't.name', type: 'text' }, { sql: 't.id', type: 'uuid' }], descending: false };
const byDate: Ordering = { key: 'thing.date', columns: [{ sql: 't.date', type: 'timestamptz' }, { sql: 't.id', type: 'uuid' }], descending: true };
const limits = { defaultPageSize: 20, maxPageSize: 100 };
const uuid = '00000000-0000-4000-8000-000000000000';
const when = '2026-11-23 15:09:42.687123+00';

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as { extensions: { code: string; inputPath: unknown } }).extensions;
  }
  throw new Error('expected an error');
};

describe('pageRequest', () => {
  test('defaults to the first page of the default size', () => {
    expect(pageRequest({}, byName, limits)).toEqual({ forward: true, limit: 20, cursor: null, hasCursor: false });
  });

  test('goes backward with last/before and decodes the cursor', () => {
    const cursor = encodeCursor(byName, ['bob', '00000000-0000-4000-8000-000000000000']);
    expect(pageRequest({ last: 5, before: cursor }, byName, limits)).toEqual({
      forward: false,
      limit: 5,
      cursor: ['bob', '00000000-0000-4000-8000-000000000000'],
      hasCursor: true,
    });
  });

  test('refuses mixed directions and sizes out of range, naming the argument', () => {
    expect(codeOf(() => pageRequest({ first: 1, last: 1 }, byName, limits))).toEqual({ code: 'INVALID_INPUT', inputPath: ['last'] });
    expect(codeOf(() => pageRequest({ first: 101 }, byName, limits))).toEqual({ code: 'INVALID_INPUT', inputPath: ['first'] });
    expect(codeOf(() => pageRequest({ last: -1 }, byName, limits))).toEqual({ code: 'INVALID_INPUT', inputPath: ['last'] });
    expect(codeOf(() => pageRequest({ last: 2, after: 'x' }, byName, limits))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  test('refuses a cursor of another ordering, and garbage', () => {
    const dateCursor = encodeCursor(byDate, ['2026-01-01 00:00:00+00', '00000000-0000-4000-8000-000000000000']);
    expect(codeOf(() => pageRequest({ after: dateCursor }, byName, limits))).toEqual({ code: 'INVALID_CURSOR', inputPath: ['after'] });
    expect(codeOf(() => pageRequest({ after: 'not a cursor' }, byName, limits))).toEqual({ code: 'INVALID_CURSOR', inputPath: ['after'] });
    const wrongShape = Buffer.from(JSON.stringify(['thing.name', 1, 2])).toString('base64url');
    expect(codeOf(() => pageRequest({ after: wrongShape }, byName, limits))).toEqual({ code: 'INVALID_CURSOR', inputPath: ['after'] });
  });

  test('refuses an edited cursor whose values do not fit their columns, before any SQL', () => {
    for (const values of [['a', 'not-a-uuid'], ['a', 'ABCDEF00-0000-4000-8000-000000000000']]) {
      expect(codeOf(() => pageRequest({ after: encodeCursor(byName, values) }, byName, limits))).toEqual({ code: 'INVALID_CURSOR', inputPath: ['after'] });
    }
    for (const value of ['yesterday', 'infinity', '2026-11-23']) {
      expect(codeOf(() => pageRequest({ before: encodeCursor(byDate, [value, uuid]) }, byDate, limits))).toEqual({ code: 'INVALID_CURSOR', inputPath: ['before'] });
    }
    expect(pageRequest({ after: encodeCursor(byDate, [when, uuid]) }, byDate, limits).cursor).toEqual([when, uuid]);
  });
});

describe('keysetSql', () => {
  test('scans in list order going forward, after the cursor', () => {
    const params: unknown[] = [];
    const sql = keysetSql(byName, pageRequest({ first: 2, after: encodeCursor(byName, ['a', uuid]) }, byName, limits), params);
    expect(sql.predicate).toBe('(t.name, t.id) > ($1::text, $2::uuid)');
    expect(sql.orderBy).toBe('t.name ASC, t.id ASC');
    expect(sql.limit).toBe('$3');
    expect(params).toEqual(['a', uuid, 3]);
  });

  test('scans against a descending list going backward', () => {
    const params: unknown[] = [];
    const sql = keysetSql(byDate, pageRequest({ last: 2, before: encodeCursor(byDate, [when, uuid]) }, byDate, limits), params);
    expect(sql.predicate).toBe('(t.date, t.id) > ($1::timestamptz, $2::uuid)');
    expect(sql.orderBy).toBe('t.date ASC, t.id ASC');
  });
});

describe('toPage', () => {
  const rows = (names: string[]) => names.map((name) => ({ name, __cursor0: name, __cursor1: uuid }));

  test('keeps one page and says there is more', () => {
    const page = toPage(rows(['a', 'b', 'c']), byName, pageRequest({ first: 2 }, byName, limits), PageEdge);
    expect(page.edges.map((e) => e.node.name)).toEqual(['a', 'b']);
    expect(page.edges.map((e) => e.cursor)).toEqual([encodeCursor(byName, ['a', uuid]), encodeCursor(byName, ['b', uuid])]);
    expect(page.pageInfo).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: encodeCursor(byName, ['a', uuid]),
      endCursor: encodeCursor(byName, ['b', uuid]),
    });
  });

  test('puts a backward page back in list order', () => {
    const request = pageRequest({ last: 2, before: encodeCursor(byName, ['z', uuid]) }, byName, limits);
    const page = toPage(rows(['d', 'c', 'b']), byName, request, PageEdge);
    expect(page.edges.map((e) => e.node.name)).toEqual(['c', 'd']);
    expect(page.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true, startCursor: encodeCursor(byName, ['c', uuid]) });
  });

  test('an empty page has no cursors', () => {
    const page = toPage([], byName, pageRequest({ first: 0 }, byName, limits), PageEdge);
    expect(page.edges).toEqual([]);
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
  });
});
