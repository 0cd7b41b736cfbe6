import * as validate from '../../src/common/validate';

const failure = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as { extensions: unknown }).extensions;
  }
  return undefined;
};

describe('input validation', () => {
  test('emails: trimmed; refused without a domain dot, with spaces or over 254 characters', () => {
    expect(validate.email('  ann@example.com ', ['e'])).toBe('ann@example.com');
    for (const bad of ['ann', 'ann@example', 'a nn@example.com', `${'a'.repeat(250)}@example.com`]) {
      expect(failure(() => validate.email(bad, ['input', 'primaryEmail']))).toEqual({ code: 'INVALID_INPUT', inputPath: ['input', 'primaryEmail'] });
    }
  });

  test('phone numbers: E.164, formatting characters dropped, empty means none', () => {
    expect(validate.phoneNumber('+1 (415) 555-0100', ['p'])).toBe('+14155550100');
    expect(validate.phoneNumber('', ['p'])).toBeNull();
    expect(validate.phoneNumber(undefined, ['p'])).toBeUndefined();
    for (const bad of ['4155550100', '+0123', '+1234567890123456', '+1abc']) {
      expect(failure(() => validate.phoneNumber(bad, ['p']))).toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  test('usernames: no spaces or control characters, any script', () => {
    expect(validate.username('zoë.ñ', ['u'])).toBe('zoë.ñ');
    expect(failure(() => validate.username('two words', ['u']))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(failure(() => validate.username('tab\there', ['u']))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  test('batches hold 1 to 1 000 IDs', () => {
    expect(failure(() => validate.idBatch([], ['ids']))).toMatchObject({ code: 'INVALID_INPUT', inputPath: ['ids'] });
    expect(failure(() => validate.idBatch(new Array(1001).fill('x'), ['ids']))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(failure(() => validate.idBatch(new Array(1000).fill('x'), ['ids']))).toBeUndefined();
  });

  test('optional text: undefined means unchanged, blank means none', () => {
    expect(validate.optionalText(undefined, ['d'], 'D', 10)).toBeUndefined();
    expect(validate.optionalText('  ', ['d'], 'D', 10)).toBeNull();
    expect(failure(() => validate.optionalText('x'.repeat(11), ['d'], 'D', 10))).toMatchObject({ code: 'INVALID_INPUT' });
  });
});
