import { parseGlobalId, toGlobalId, type NodeType } from '../../src/common/global-id';
import { parseScimFilter } from '../../src/scim/filter';
import { scimFilterSql, type ScimAttributeMap } from '../../src/scim/filter-sql';
import { planWithoutSeqScan } from '../helpers/plan';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/*
 * Filters compiled against maps over the project's own tables, run on PostgreSQL: which rows
 * match is the test, not the SQL's text. The rows are inserted as SQL so that each can hold what
 * a filter must tell apart (a NULL and an empty full name, a LIKE wildcard in a name, a backslash,
 * a chosen modification time), which the services would not all let one make.
 */

/** The uuid behind a SCIM id (our global ID) of `type`, or undefined: no row has that id. */
const uuidOf = (type: NodeType) => (id: string) => {
  const parsed = parseGlobalId(id);
  return parsed?.type === type ? parsed.uuid : undefined;
};

/** Users over identities aliased `i`: one email, stored in the row, is the work email and primary. */
const users: ScimAttributeMap = {
  schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
  attributes: {
    id: { sql: 'i.id', type: 'string', caseExact: true, storedValue: uuidOf('Identity') },
    userName: { sql: 'i.username', type: 'string' },
    displayName: { sql: 'i.display_name', type: 'string' },
    'name.formatted': { sql: 'i.full_name', type: 'string' },
    externalId: { sql: 'i.external_id', type: 'string', caseExact: true },
    active: { sql: `(i.status = 'ACTIVE')`, type: 'boolean' },
    'emails.value': { sql: 'i.primary_email', type: 'string' },
    'emails.type': { sql: `'work'`, type: 'string' },
    'emails.primary': { sql: 'true', type: 'boolean' },
    'phoneNumbers.value': { sql: 'i.phone_number', type: 'string' },
    'groups.value': { sql: 'gm.group_id', type: 'string', caseExact: true, storedValue: uuidOf('Group') },
    'meta.created': { sql: 'i.created_at', type: 'dateTime' },
    'meta.lastModified': { sql: 'i.updated_at', type: 'dateTime' },
    'meta.version': { sql: 'i.version', type: 'integer' },
  },
  multiValued: {
    groups: { some: (condition) => `EXISTS (SELECT 1 FROM group_memberships gm WHERE gm.identity_id = i.id AND ${condition})` },
  },
};

/** Groups over groups aliased `g`, their members in group_memberships. */
const groups: ScimAttributeMap = {
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  attributes: {
    id: { sql: 'g.id', type: 'string', caseExact: true, storedValue: uuidOf('Group') },
    displayName: { sql: 'g.name', type: 'string' },
    'members.value': { sql: 'm.identity_id', type: 'string', caseExact: true, storedValue: uuidOf('Identity') },
    'members.type': { sql: `'User'`, type: 'string' },
  },
  multiValued: {
    members: { some: (condition) => `EXISTS (SELECT 1 FROM group_memberships m WHERE m.group_id = g.id AND ${condition})` },
  },
};

describe('SCIM filters compiled to SQL, on PostgreSQL', () => {
  let db: TestDatabase;
  let realm: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    [{ id: realm }] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('scim', 'SCIM') RETURNING id`);
    const [{ id: elsewhere }] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('other', 'Other') RETURNING id`);
    const identity = async (
      realmId: string,
      username: string,
      fields: { displayName: string; email: string; fullName: string | null; status: string; externalId: string | null; updatedAt: string; phone?: string; version?: number },
    ) => {
      const [{ id }] = await db.dataSource.query(
        `INSERT INTO identities (realm_id, username, display_name, primary_email, full_name, phone_number, role, status, source, external_id, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, 'GRANTEE', $7, $8, $9, $10, $10, $11) RETURNING id`,
        [realmId, username, fields.displayName, fields.email, fields.fullName, fields.phone ?? null, fields.status, fields.externalId ? 'IDP' : 'MANUAL', fields.externalId, fields.updatedAt, fields.version ?? 1],
      );
      return id as string;
    };
    ids.alice = await identity(realm, 'alice', {
      displayName: 'Alice Liddell',
      email: 'alice@example.com',
      fullName: 'Alice Pleasance Liddell',
      status: 'ACTIVE',
      externalId: null,
      updatedAt: '2024-01-10T00:00:00Z',
      phone: '+441234567890',
    });
    ids.bob = await identity(realm, 'Bob', {
      displayName: 'Bob 50%_off',
      email: 'bob@Example.org',
      fullName: null,
      status: 'SUSPENDED',
      externalId: 'okta|00uBOB',
      updatedAt: '2024-03-01T12:00:00Z',
      version: 3,
    });
    ids.carol = await identity(realm, 'carol_x', {
      displayName: '50 percent off',
      email: 'carol@example.com',
      fullName: '',
      status: 'ACTIVE',
      externalId: 'E-3',
      updatedAt: '2024-06-01T00:00:00Z',
    });
    ids.carolyn = await identity(realm, 'carolyn', { displayName: 'Carolyn', email: 'carolyn@x.net', fullName: null, status: 'ACTIVE', externalId: null, updatedAt: '2024-06-01T00:00:00Z' });
    ids.dave = await identity(realm, 'dave\\ops', { displayName: 'Dave', email: 'dave@x.net', fullName: null, status: 'DEPROVISIONED', externalId: null, updatedAt: '2024-07-01T00:00:00Z' });
    // Another realm's alice: the caller's realm condition leaves her out, whatever the filter.
    await identity(elsewhere, 'alice', { displayName: 'Alice Elsewhere', email: 'alice@example.com', fullName: 'Alice', status: 'ACTIVE', externalId: null, updatedAt: '2024-01-10T00:00:00Z' });

    const group = async (name: string, members: string[]) => {
      const [{ id }] = await db.dataSource.query(`INSERT INTO groups (realm_id, name) VALUES ($1, $2) RETURNING id`, [realm, name]);
      for (const member of members) await db.dataSource.query(`INSERT INTO group_memberships (group_id, identity_id, realm_id) VALUES ($1, $2, $3)`, [id, member, realm]);
      return id as string;
    };
    ids.engineering = await group('Engineering', [ids.alice, ids.bob]);
    ids.empty = await group('Empty', []);
  });
  afterAll(() => db.drop());

  const sid = (name: string, type: NodeType = 'Identity') => toGlobalId(type, ids[name]);

  /** The usernames of the realm's users that `filter` matches, in order. */
  async function matchingUsers(filter: string): Promise<string[]> {
    const params: unknown[] = [realm];
    const where = scimFilterSql(parseScimFilter(filter), users, params);
    const rows: Array<{ username: string }> = await db.dataSource.query(`SELECT i.username FROM identities i WHERE i.realm_id = $1 AND ${where} ORDER BY i.username COLLATE "C"`, params);
    return rows.map((row) => row.username);
  }

  async function matchingGroups(filter: string): Promise<string[]> {
    const params: unknown[] = [realm];
    const where = scimFilterSql(parseScimFilter(filter), groups, params);
    const rows: Array<{ name: string }> = await db.dataSource.query(`SELECT g.name FROM groups g WHERE g.realm_id = $1 AND ${where} ORDER BY g.name`, params);
    return rows.map((row) => row.name);
  }

  const everyone = ['Bob', 'alice', 'carol_x', 'carolyn', 'dave\\ops'];

  test('eq on userName is case-insensitive, with or without the core schema URN, and stays in the realm', async () => {
    expect(await matchingUsers('userName eq "ALICE"')).toEqual(['alice']);
    expect(await matchingUsers('urn:ietf:params:scim:schemas:core:2.0:User:UserName Eq "bob"')).toEqual(['Bob']);
  });

  test('externalId is case-exact', async () => {
    expect(await matchingUsers('externalId eq "okta|00uBOB"')).toEqual(['Bob']);
    expect(await matchingUsers('externalId eq "OKTA|00UBOB"')).toEqual([]);
    expect(await matchingUsers('externalId sw "okta|"')).toEqual(['Bob']);
  });

  test('co, sw and ew take LIKE wildcards and backslashes as the characters they are', async () => {
    expect(await matchingUsers('displayName co "50%_off"')).toEqual(['Bob']);
    expect(await matchingUsers('userName sw "carol_"')).toEqual(['carol_x']);
    expect(await matchingUsers('userName co "\\\\"')).toEqual(['dave\\ops']);
    expect(await matchingUsers('userName eq "dave\\\\ops"')).toEqual(['dave\\ops']);
    expect(await matchingUsers('emails.value ew "@EXAMPLE.ORG"')).toEqual(['Bob']);
    expect(await matchingUsers('displayName sw ""')).toEqual(everyone);
  });

  test('gt, ge, lt and le on strings are lexicographic, case-insensitively, whatever the locale', async () => {
    expect(await matchingUsers('userName gt "C"')).toEqual(['carol_x', 'carolyn', 'dave\\ops']);
    expect(await matchingUsers('userName le "bob"')).toEqual(['Bob', 'alice']);
  });

  test('pr: a value that is neither null nor empty', async () => {
    expect(await matchingUsers('name.formatted pr')).toEqual(['alice']);
    expect(await matchingUsers('externalId pr')).toEqual(['Bob', 'carol_x']);
    expect(await matchingUsers('phoneNumbers pr')).toEqual(['alice']);
  });

  test('eq null is "not present", ne null "present"', async () => {
    expect(await matchingUsers('name.formatted eq null')).toEqual(['Bob', 'carol_x', 'carolyn', 'dave\\ops']);
    expect(await matchingUsers('name.formatted ne null')).toEqual(['alice']);
  });

  test('ne and not hold for an attribute without a value', async () => {
    expect(await matchingUsers('name.formatted ne "Alice Pleasance Liddell"')).toEqual(['Bob', 'carol_x', 'carolyn', 'dave\\ops']);
    expect(await matchingUsers('not (name.formatted co "liddell")')).toEqual(['Bob', 'carol_x', 'carolyn', 'dave\\ops']);
    expect(await matchingUsers('not (not (name.formatted co "liddell"))')).toEqual(['alice']);
    expect(await matchingUsers('not (phoneNumbers.value sw "+44" or externalId pr)')).toEqual(['carolyn', 'dave\\ops']);
  });

  test('and binds tighter than or', async () => {
    expect(await matchingUsers('userName eq "alice" or userName eq "bob" and active eq true')).toEqual(['alice']);
    expect(await matchingUsers('(userName eq "alice" or userName eq "bob") and active eq false')).toEqual(['Bob']);
  });

  test('booleans compare as booleans; Entra\'s "False" is false', async () => {
    expect(await matchingUsers('active eq true')).toEqual(['alice', 'carol_x', 'carolyn']);
    expect(await matchingUsers('active eq "False"')).toEqual(['Bob', 'dave\\ops']);
    expect(await matchingUsers('active ne true')).toEqual(['Bob', 'dave\\ops']);
    expect(await matchingUsers('emails.primary eq true and userName eq "alice"')).toEqual(['alice']);
  });

  test('dateTime compares instants, a zone given or taken as UTC', async () => {
    expect(await matchingUsers('meta.lastModified gt "2024-02-01T00:00:00Z"')).toEqual(['Bob', 'carol_x', 'carolyn', 'dave\\ops']);
    expect(await matchingUsers('meta.lastModified ge "2024-03-01T12:00:00Z" and meta.lastModified lt "2024-06-01T00:00:00Z"')).toEqual(['Bob']);
    expect(await matchingUsers('meta.lastModified lt "2024-03-01T13:00:00+01:00"')).toEqual(['alice']);
    expect(await matchingUsers('meta.lastModified le "2024-03-01T12:00:00"')).toEqual(['Bob', 'alice']);
    expect(await matchingUsers('meta.lastModified eq "2024-01-10T00:00:00.000Z"')).toEqual(['alice']);
  });

  test('integers compare as numbers', async () => {
    expect(await matchingUsers('meta.version gt 1')).toEqual(['Bob']);
    expect(await matchingUsers('meta.version le 1')).toEqual(['alice', 'carol_x', 'carolyn', 'dave\\ops']);
  });

  test('value paths: every condition in the brackets holds for the same email', async () => {
    expect(await matchingUsers('emails[type eq "work" and value co "@example.com"]')).toEqual(['alice', 'carol_x']);
    expect(await matchingUsers('emails[type eq "home"]')).toEqual([]);
    expect(await matchingUsers('emails[type eq "WORK"].value eq "BOB@example.org"')).toEqual(['Bob']);
    expect(await matchingUsers('emails[not (type eq "work")]')).toEqual([]);
    // RFC 7644's own example, its userType left out: "emails" alone is compared by its value.
    expect(await matchingUsers('active eq true and (emails co "example.com" or emails.value co "x.net")')).toEqual(['alice', 'carol_x', 'carolyn']);
  });

  test('id compares the SCIM id; an id that is no identity\'s matches nothing', async () => {
    expect(await matchingUsers(`id eq "${sid('alice')}"`)).toEqual(['alice']);
    expect(await matchingUsers('id eq "not-an-id"')).toEqual([]);
    expect(await matchingUsers(`id eq "${toGlobalId('Group', ids.alice)}"`)).toEqual([]);
    expect(await matchingUsers('id ne "not-an-id"')).toEqual(everyone);
  });

  test('a user\'s groups: an EXISTS on memberships', async () => {
    expect(await matchingUsers(`groups[value eq "${sid('engineering', 'Group')}"]`)).toEqual(['Bob', 'alice']);
    expect(await matchingUsers(`groups.value eq "${sid('empty', 'Group')}"`)).toEqual([]);
    expect(await matchingUsers('groups pr')).toEqual(['Bob', 'alice']);
  });

  test('a group\'s members: one EXISTS per comparison outside brackets, one for all inside', async () => {
    expect(await matchingGroups(`members[value eq "${sid('alice')}"]`)).toEqual(['Engineering']);
    expect(await matchingGroups(`members eq "${sid('bob')}"`)).toEqual(['Engineering']);
    expect(await matchingGroups(`members[value eq "${sid('carol')}"]`)).toEqual([]);
    expect(await matchingGroups('members[value eq "garbage"]')).toEqual([]);
    expect(await matchingGroups(`members[value eq "${sid('engineering', 'Group')}"]`)).toEqual([]);
    expect(await matchingGroups('members pr')).toEqual(['Engineering']);
    expect(await matchingGroups('not (members pr)')).toEqual(['Empty']);
    // Some member is not alice (bob is); a group without members has no member to compare.
    expect(await matchingGroups(`members.value ne "${sid('alice')}"`)).toEqual(['Engineering']);
    // Two elements outside brackets, one inside.
    expect(await matchingGroups(`members.value eq "${sid('alice')}" and members.value eq "${sid('bob')}"`)).toEqual(['Engineering']);
    expect(await matchingGroups(`members[value eq "${sid('alice')}" and value eq "${sid('bob')}"]`)).toEqual([]);
    expect(await matchingGroups(`members[type eq "user" and value eq "${sid('alice')}"]`)).toEqual(['Engineering']);
    expect(await matchingGroups('displayName eq "engineering"')).toEqual(['Engineering']);
    expect(await matchingGroups(`displayName eq "Engineering" and members[value eq "${sid('bob')}"]`)).toEqual(['Engineering']);
  });

  describe('the indexes', () => {
    // A realm large enough that the planner prefers a selective index condition to walking the
    // realm's creation-order index (on a handful of rows both cost the same and either may win).
    let bulk: string;
    beforeAll(async () => {
      [{ id: bulk }] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('bulk', 'Bulk') RETURNING id`);
      await db.dataSource.query(
        `INSERT INTO identities (realm_id, username, display_name, primary_email, role, status, source)
         SELECT $1, 'user-' || lpad(n::text, 5, '0'), 'User ' || lpad(n::text, 5, '0'), 'user-' || lpad(n::text, 5, '0') || '@example.com', 'GRANTEE', 'ACTIVE', 'MANUAL'
           FROM generate_series(1, 5000) n`,
        [bulk],
      );
      await db.dataSource.query(`ANALYZE identities`);
    });

    /** The plan of the bulk realm's users `filter` matches, with scans of the whole table ruled out. */
    async function plan(filter: string): Promise<string> {
      const params: unknown[] = [bulk];
      const where = scimFilterSql(parseScimFilter(filter), users, params);
      return planWithoutSeqScan(db.dataSource, `SELECT i.id FROM identities i WHERE i.realm_id = $1 AND ${where}`, params);
    }

    // The plan prints the index's expression without its COLLATE "C" where the database's own collation is C.
    test('serve eq on a lower(x) COLLATE "C" column as an index condition', async () => {
      expect(await plan('userName eq "USER-00042"')).toMatch(/identities_realm_username_key.*\n.*Index Cond: .*lower\(username\).* = 'user-00042'/);
      expect(await plan('emails[type eq "work"].value eq "User-00042@example.com"')).toMatch(/identities_realm_email_key.*\n.*Index Cond: .*lower\(primary_email\).* = 'user-00042@example.com'/);
    });

    test('serve sw as a range of such an index, its wildcards escaped', async () => {
      expect(await plan('userName sw "User-0004"')).toMatch(/identities_realm_username_key.*\n.*Index Cond: .*lower\(username\).* >= 'user-0004'.* < 'user-0005'/);
      expect(await plan('displayName sw "user 0004"')).toMatch(/identities_realm_display_name_idx.*\n.*Index Cond: .*lower\(display_name\).* >= 'user 0004'.* < 'user 0005'/);
      expect(await plan('userName sw "user_0004"')).toMatch(/identities_realm_username_key.*\n.*Index Cond: .*lower\(username\).* >= 'user_0004'.* < 'user_0005'/);
    });
  });
});
