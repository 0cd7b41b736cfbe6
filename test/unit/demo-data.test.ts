import { asciiSlug, generateDemoData, mulberry32 } from '../../src/seed/demo-data';

const data = generateDemoData();

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => (seen.has(value) ? true : (seen.add(value), false)));
}

describe('demo data', () => {
  test('the same seed gives the same data, another seed other data', () => {
    expect(generateDemoData()).toEqual(data);
    expect(generateDemoData(7).identities.map((identity) => identity.username)).not.toEqual(data.identities.map((identity) => identity.username));
  });

  test('the PRNG is deterministic and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });

  test('one realm "demo" of about 300 identities and about 12 groups', () => {
    expect(data.realm).toMatchObject({ name: 'demo', displayName: 'Demo Company' });
    expect(data.identities.length).toBeGreaterThanOrEqual(250);
    expect(data.identities.length).toBeLessThanOrEqual(350);
    expect(data.groups.length).toBeGreaterThanOrEqual(10);
    expect(data.groups.length).toBeLessThanOrEqual(15);
  });

  test('usernames, emails and external IDs are unique case-insensitively', () => {
    expect(duplicates(data.identities.map((identity) => identity.username.toLowerCase()))).toEqual([]);
    expect(duplicates(data.identities.map((identity) => identity.primaryEmail.toLowerCase()))).toEqual([]);
    expect(duplicates(data.identities.flatMap((identity) => identity.externalId ?? []))).toEqual([]);
    expect(duplicates(data.groups.map((group) => group.name.toLowerCase()))).toEqual([]);
  });

  test('fields keep the rules the database checks', () => {
    for (const identity of data.identities) {
      expect(identity.username).toMatch(/^[a-z0-9.]+$/);
      expect(identity.primaryEmail).toMatch(/^[^\s@]+@[^\s@]+\.[^\s@]+$/);
      expect(identity.displayName.length).toBeGreaterThanOrEqual(1);
      expect(identity.displayName.length).toBeLessThanOrEqual(64);
      if (identity.phoneNumber !== null) expect(identity.phoneNumber).toMatch(/^\+[1-9][0-9]{1,14}$/);
      // An identity provider's ID exactly for IDP identities (identities_external_id_check).
      expect(identity.externalId !== null).toBe(identity.source === 'IDP');
      if (identity.externalId !== null) expect(identity.externalId).toMatch(/^okta\|00u[0-9A-Za-z]{17}$/);
      expect(identity.ageMinutes).toBeGreaterThan(0);
      expect(identity.ageMinutes).toBeLessThan(data.realm.ageMinutes);
    }
    for (const group of data.groups) {
      expect(group.name.length).toBeLessThanOrEqual(64);
      expect(group.description.length).toBeLessThanOrEqual(300);
    }
  });

  test('a realistic mix: mostly active manual grantees, some of every other kind, some phone numbers', () => {
    const share = (predicate: (identity: (typeof data.identities)[number]) => boolean) =>
      data.identities.filter(predicate).length / data.identities.length;
    expect(share((identity) => identity.role === 'GRANTEE')).toBeGreaterThan(0.9);
    expect(share((identity) => identity.role === 'ADMIN')).toBeGreaterThan(0);
    expect(share((identity) => identity.status === 'ACTIVE')).toBeGreaterThan(0.75);
    expect(share((identity) => identity.status === 'SUSPENDED')).toBeGreaterThan(0);
    expect(share((identity) => identity.status === 'DEPROVISIONED')).toBeGreaterThan(0);
    expect(share((identity) => identity.source === 'MANUAL')).toBeGreaterThan(0.5);
    expect(share((identity) => identity.source === 'IDP')).toBeGreaterThan(0.1);
    expect(share((identity) => identity.phoneNumber !== null)).toBeGreaterThan(0.2);
  });

  test('groups of varied sizes: Everyone has all, Engineering about 80, Admins the admins, one empty', () => {
    const size = (name: string) => data.groups.find((group) => group.name === name)?.members.length;
    expect(size('Everyone')).toBe(data.identities.length);
    expect(size('Engineering')).toBe(80);
    expect(size('Admins')).toBe(data.identities.filter((identity) => identity.role === 'ADMIN').length);
    expect(data.groups.some((group) => group.members.length === 0)).toBe(true);
  });

  test('members are identities of the realm, each once per group', () => {
    const usernames = new Set(data.identities.map((identity) => identity.username));
    for (const group of data.groups) {
      expect(group.members.filter((member) => !usernames.has(member))).toEqual([]);
      expect(duplicates(group.members)).toEqual([]);
    }
  });

  test('names fold to ASCII for usernames', () => {
    expect(asciiSlug('Dvořák')).toBe('dvorak');
    expect(asciiSlug('O’Brien')).toBe('obrien');
    expect(asciiSlug('Van der Berg')).toBe('vanderberg');
    expect(asciiSlug('Zoë')).toBe('zoe');
  });
});
