import { parse, validate } from 'graphql';
import { getSchema } from '../../src/schema/build';
import { generateDemoData } from '../../src/seed/demo-data';
import { exampleQuery, playgroundHint, seedDemo, type SeedProgress } from '../../src/seed/seed';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
// Each test starts from a database without the demo realm.
beforeEach(() => db.dataSource.query(`DELETE FROM realms`));

const data = generateDemoData();

/** Everything the seed wrote, as comparable rows. */
async function snapshot() {
  const query = (sql: string) => db.dataSource.query(sql);
  return {
    realms: await query(`SELECT id, name, display_name, created_at, updated_at, version FROM realms ORDER BY id`),
    identities: await query(`SELECT id, username, primary_email, status, updated_at, version FROM identities ORDER BY id`),
    groups: await query(`SELECT id, name, member_count, updated_at, version FROM groups ORDER BY id`),
    memberships: await query(`SELECT group_id, identity_id, added_at FROM group_memberships ORDER BY group_id, identity_id`),
  };
}

describe('npm run seed', () => {
  test('creates the realm "demo" with its identities, groups and memberships, reporting each phase', async () => {
    const progress: SeedProgress[] = [];
    const result = await seedDemo(db.dataSource, { progress: (event) => progress.push(event) });

    expect(result).toMatchObject({ outcome: 'created', replaced: false });
    if (result.outcome !== 'created') throw new Error('unreachable');
    const memberships = data.groups.reduce((sum, group) => sum + group.members.length, 0);
    expect(result.counts).toEqual({ identities: data.identities.length, groups: data.groups.length, memberships });
    expect(progress.filter((event) => event.done === event.total)).toEqual([
      { phase: 'identities', done: data.identities.length, total: data.identities.length },
      { phase: 'groups', done: data.groups.length, total: data.groups.length },
      { phase: 'memberships', done: memberships, total: memberships },
    ]);

    const [realm] = await db.dataSource.query(`SELECT global_id('Realm', id) AS id, display_name FROM realms WHERE name = 'demo'`);
    expect(realm).toEqual({ id: result.realmId, display_name: 'Demo Company' });
    const [{ count }] = await db.dataSource.query(`SELECT count(*)::integer AS count FROM identities i JOIN realms r ON r.id = i.realm_id WHERE r.name = 'demo'`);
    expect(count).toBeGreaterThanOrEqual(250);
    expect(count).toBeLessThanOrEqual(350);
  });

  test('every group’s member_count, kept by the trigger, is its real number of members', async () => {
    await seedDemo(db.dataSource);
    const groups: Array<{ name: string; member_count: number; actual: number }> = await db.dataSource.query(
      `SELECT g.name, g.member_count, (SELECT count(*)::integer FROM group_memberships m WHERE m.group_id = g.id) AS actual
         FROM groups g JOIN realms r ON r.id = g.realm_id WHERE r.name = 'demo'`,
    );
    expect(groups).toHaveLength(data.groups.length);
    for (const group of groups) expect(group.member_count).toBe(group.actual);
    const everyone = groups.find((group) => group.name === 'Everyone');
    expect(everyone?.member_count).toBe(data.identities.length);
    expect(groups.some((group) => group.member_count === 0)).toBe(true);
  });

  test('usernames and emails are unique case-insensitively in the realm', async () => {
    await seedDemo(db.dataSource);
    const [row] = await db.dataSource.query(
      `SELECT count(*)::integer AS total, count(DISTINCT lower(username))::integer AS usernames, count(DISTINCT lower(primary_email))::integer AS emails
         FROM identities i JOIN realms r ON r.id = i.realm_id WHERE r.name = 'demo'`,
    );
    expect(row.usernames).toBe(row.total);
    expect(row.emails).toBe(row.total);
  });

  test('a second run without reset reports that the realm exists and changes nothing', async () => {
    const first = await seedDemo(db.dataSource);
    const before = await snapshot();
    const progress: SeedProgress[] = [];
    const result = await seedDemo(db.dataSource, { progress: (event) => progress.push(event) });
    expect(result).toEqual({ outcome: 'exists', realmId: first.realmId });
    expect(progress).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  test('with reset, the realm is deleted with everything in it and made again', async () => {
    const first = await seedDemo(db.dataSource);
    const result = await seedDemo(db.dataSource, { reset: true });
    expect(result).toMatchObject({ outcome: 'created', replaced: true });
    expect(result.realmId).not.toBe(first.realmId);

    const after = await snapshot();
    expect(after.realms).toHaveLength(1);
    expect(after.realms[0].name).toBe('demo');
    // Nothing of the first realm is left: the cascade took its rows, and the counts are those of one realm.
    expect(after.identities).toHaveLength(data.identities.length);
    expect(after.groups).toHaveLength(data.groups.length);
    expect(after.identities.map((identity: { username: string }) => identity.username).sort()).toEqual(
      data.identities.map((identity) => identity.username).sort(),
    );
    const [stale] = await db.dataSource.query(`SELECT count(*)::integer AS count FROM groups WHERE member_count <> (SELECT count(*) FROM group_memberships m WHERE m.group_id = groups.id)`);
    expect(stale.count).toBe(0);
  });

  test('reset when there is no demo realm just creates it', async () => {
    const result = await seedDemo(db.dataSource, { reset: true });
    expect(result).toMatchObject({ outcome: 'created', replaced: false });
  });

  test('a failure leaves nothing behind: the seed is one transaction', async () => {
    const broken = { ...data, groups: [...data.groups, { name: 'Ghosts', description: 'Members nobody has heard of.', ageMinutes: 1, members: ['nobody.at.all'] }] };
    await expect(seedDemo(db.dataSource, { data: broken })).rejects.toThrow(/Inserted \d+ memberships instead of \d+/);
    expect(await db.dataSource.query(`SELECT id FROM realms WHERE name = 'demo'`)).toEqual([]);
  });

  test('the example query the CLI prints is valid against the schema', async () => {
    const errors = validate(await getSchema(), parse(exampleQuery('UmVhbG06MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw')));
    expect(errors.map((error) => error.message)).toEqual([]);
  });
});

describe('the playground address the seed prints', () => {
  const hint = (env: Record<string, string>) => playgroundHint(env, loadConfig(env));

  test('is the server’s PUBLIC_URL, else its HOST and PORT', () => {
    expect(hint({ PUBLIC_URL: 'https://id.example.com/' })).toBe('https://id.example.com/graphiql');
    expect(hint({ PORT: '8080' })).toBe('http://localhost:8080/graphiql');
    expect(hint({ PORT: '8080', HOST: '127.0.0.1' })).toBe('http://127.0.0.1:8080/graphiql');
  });

  test('with neither, says the port is the default, not the server’s for sure', () => {
    expect(hint({})).toBe("http://localhost:4000/graphiql (with the server's own PORT if it has one)");
  });
});

// The CLI attaches to the embedded PostgreSQL of a running server rather than starting its own,
// which would shut the server's down as an orphan.
