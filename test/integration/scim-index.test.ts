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
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  async function plan(filter: string): Promise<string> {
    const params: unknown[] = ['00000000-0000-0000-0000-000000000000'];
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
