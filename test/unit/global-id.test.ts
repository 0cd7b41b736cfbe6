import { expectGlobalId, parseGlobalId, toGlobalId } from '../../src/common/global-id';

const uuid = '0fcece02-9c95-4f68-bdc5-39448f7447cb';

describe('global IDs', () => {
  test('round-trip a type and a uuid', () => {
    expect(parseGlobalId(toGlobalId('Identity', uuid))).toEqual({ type: 'Identity', uuid });
  });

  test('are opaque URL-safe strings', () => {
    expect(toGlobalId('Group', uuid)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('refuse unknown types, bad uuids, garbage and non-canonical spellings', () => {
    expect(parseGlobalId(Buffer.from(`User:${uuid}`).toString('base64url'))).toBeUndefined();
    expect(parseGlobalId(Buffer.from('Group:not-a-uuid').toString('base64url'))).toBeUndefined();
    expect(parseGlobalId('%%%')).toBeUndefined();
    expect(parseGlobalId(Buffer.from(`Group:${uuid.toUpperCase()}`).toString('base64url'))).toBeUndefined();
    expect(parseGlobalId(`${toGlobalId('Group', uuid)}==`)).toBeUndefined();
  });

  test('an argument refuses an ID of another type with INVALID_ID and its path', () => {
    expect(() => expectGlobalId(toGlobalId('Group', uuid), 'Realm', ['input', 'realmId'])).toThrow(
      expect.objectContaining({ message: expect.stringContaining('names a Group, not a Realm'), extensions: { code: 'INVALID_ID', inputPath: ['input', 'realmId'] } }),
    );
    expect(() => expectGlobalId(toGlobalId('Identity', uuid), 'Group', ['input', 'groupId'])).toThrow('names an Identity, not a Group.');
    expect(() => expectGlobalId(toGlobalId('Group', uuid), 'Invitation', ['input', 'id'])).toThrow('names a Group, not an Invitation.');
    expect(expectGlobalId(toGlobalId('Realm', uuid), 'Realm', [])).toBe(uuid);
  });
});
