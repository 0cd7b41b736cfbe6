import { userAttributes } from '../../src/scim/scim-attributes';
import { parseScimFilter } from '../../src/scim/filter';
import { scimFilterSql } from '../../src/scim/filter-sql';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { planWithoutSeqScan } from '../helpers/plan';

/**
 * The lookups identity providers make before every create (Okta by userName, Entra by userName or
 * externalId) are index lookups in the realm, not scans: checked on the plans of the filters the
 * SCIM edge compiles, with scans of the whole table ruled out.
 */
describe('the SCIM lookups', () => {
  let db: TestDatabase;
  let realm: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    // Identities enough for the planner's choice to be the one it makes on a real realm: on an empty
    // table every index costs the same, and any that leads with the realm wins the tie.
    [{ id: realm }] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('lookups', 'Lookups') RETURNING id`);
    await db.dataSource.query(
      `INSERT INTO identities (realm_id, display_name, username, primary_email, role, status, source, external_id)
       SELECT $1, 'User ' || n, 'user-' || n, 'user-' || n || '@example.com', 'GRANTEE', 'ACTIVE', 'IDP', '00u' || n
         FROM generate_series(1, 3000) n`,
      [realm],
    );
    await db.dataSource.query(`ANALYZE identities`);
  });
  afterAll(() => db.drop());

  async function plan(filter: string): Promise<string> {
    const params: unknown[] = [realm];
    const where = scimFilterSql(parseScimFilter(filter), userAttributes, params);
    return planWithoutSeqScan(db.dataSource, `SELECT i.id FROM identities i WHERE i.realm_id = $1 AND ${where}`, params);
  }

  test.each([
    ['userName eq "ada@example.com"', 'identities_realm_username_key'],
    ['externalId eq "00u1abc"', 'identities_realm_external_id_key'],
    ['emails[type eq "work"].value eq "ada@example.com"', 'identities_realm_email_key'],
    ['displayName eq "Ada Lovelace"', 'identities_realm_display_name_idx'],
  ])('%s uses %s', async (filter, index) => {
    expect(await plan(filter)).toContain(index);
  });
});
