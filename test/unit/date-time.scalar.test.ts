import { DateTimeISO } from '../../src/common/date-time.scalar';

describe('DateTimeISO', () => {
  test('prints a Date as toISOString does', () => {
    expect(DateTimeISO.serialize(new Date('2026-11-23T18:11:06.398Z'))).toBe('2026-11-23T18:11:06.398Z');
  });

  test('passes through a timestamp PostgreSQL already printed in that form', () => {
    expect(DateTimeISO.serialize('2026-11-23T18:11:06.398Z')).toBe('2026-11-23T18:11:06.398Z');
  });

  test('normalizes any other date-time string, and refuses what is not one', () => {
    expect(DateTimeISO.serialize('2026-11-23T19:11:06+01:00')).toBe('2026-11-23T18:11:06.000Z');
    expect(() => DateTimeISO.serialize('yesterday')).toThrow();
  });

  test('reads input as graphql-scalars does', () => {
    expect(DateTimeISO.parseValue('2026-11-23T18:11:06.398Z')).toEqual(new Date('2026-11-23T18:11:06.398Z'));
  });
});
