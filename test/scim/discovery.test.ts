/**
 * RFC 7644 §4 (service provider configuration endpoints), with the representations of RFC 7643 §5
 * (ServiceProviderConfig), §6 (ResourceType) and §7 (Schema); pagination as RFC 9865 §4 adds it.
 * An IdP reads these first: Entra's and Okta's validators fail an app whose discovery is missing.
 */
import type { TestServer } from '../helpers/server';
import { scimRealm, startScimServer, urn, type ScimClient } from '../helpers/scim';

let server: TestServer;
let scim: ScimClient;
beforeAll(async () => {
  server = await startScimServer();
  ({ scim } = await scimRealm(server));
});
afterAll(() => server.close());

const attributeNamed = (schema: { attributes: Array<{ name: string }> }, name: string): any => schema.attributes.find((attribute) => attribute.name === name);

describe('§4 /ServiceProviderConfig', () => {
  test('answers a ServiceProviderConfig with every attribute RFC 7643 §5 requires', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      schemas: [urn.serviceProviderConfig],
      patch: { supported: expect.any(Boolean) },
      bulk: { supported: expect.any(Boolean), maxOperations: expect.any(Number), maxPayloadSize: expect.any(Number) },
      filter: { supported: expect.any(Boolean), maxResults: expect.any(Number) },
      changePassword: { supported: expect.any(Boolean) },
      sort: { supported: expect.any(Boolean) },
      etag: { supported: expect.any(Boolean) },
      authenticationSchemes: expect.any(Array),
    });
  });

  test('is served as application/scim+json; charset=utf-8', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
  });

  test('advertises PATCH, sorting and ETags as supported', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.body).toMatchObject({ patch: { supported: true }, sort: { supported: true }, etag: { supported: true } });
  });

  test('advertises filtering, with at most 1 000 results a page', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.body.filter).toEqual({ supported: true, maxResults: 1000 });
  });

  test('advertises bearer-token authentication', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.body.authenticationSchemes).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'oauthbearertoken', name: expect.any(String), description: expect.any(String) })]));
  });

  test('advertises index and cursor pagination, at most 1 000 a page (RFC 9865 §4)', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.body.pagination).toMatchObject({ index: true, cursor: true, maxPageSize: 1000, defaultPageSize: 100 });
  });
  // Bulk (§3.7): later — only that /Bulk is described (its limits) is checked above.
});

describe('§4 /ResourceTypes', () => {
  test('lists User and Group in a ListResponse', async () => {
    const types = await scim.get('/ResourceTypes');
    expect(types.status).toBe(200);
    expect(types.body).toMatchObject({ schemas: [urn.listResponse], totalResults: 2 });
    expect(types.body.Resources.map((type: { id: string }) => type.id).sort()).toEqual(['Group', 'User']);
  });

  test('User lives at /Users, with the core User schema and the enterprise extension as optional', async () => {
    const types = await scim.get('/ResourceTypes');
    const user = types.body.Resources.find((type: { id: string }) => type.id === 'User');
    expect(user).toMatchObject({
      schemas: [urn.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      schema: urn.user,
      schemaExtensions: [{ schema: urn.enterpriseUser, required: false }],
    });
  });

  test('Group lives at /Groups, with the core Group schema', async () => {
    const types = await scim.get('/ResourceTypes');
    const group = types.body.Resources.find((type: { id: string }) => type.id === 'Group');
    expect(group).toMatchObject({ schemas: [urn.resourceType], id: 'Group', name: 'Group', endpoint: '/Groups', schema: urn.group });
  });

  test('/ResourceTypes/User answers that resource type alone, not a list', async () => {
    const user = await scim.get('/ResourceTypes/User');
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ schemas: [urn.resourceType], id: 'User', endpoint: '/Users' });
  });

  test('an unknown resource type is 404', async () => {
    expect((await scim.get('/ResourceTypes/Widget')).status).toBe(404);
  });
});

describe('§4 /Schemas', () => {
  test('lists the core User, the enterprise User and the core Group schemas in a ListResponse', async () => {
    const schemas = await scim.get('/Schemas');
    expect(schemas.status).toBe(200);
    expect(schemas.body.schemas).toEqual([urn.listResponse]);
    expect(schemas.body.Resources.map((schema: { id: string }) => schema.id)).toEqual(expect.arrayContaining([urn.user, urn.enterpriseUser, urn.group]));
  });

  test('/Schemas/<core User> describes userName as required, unique on the server and not case-exact', async () => {
    const user = await scim.get(`/Schemas/${urn.user}`);
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ id: urn.user, name: 'User' });
    expect(attributeNamed(user.body, 'userName')).toMatchObject({ type: 'string', multiValued: false, required: true, caseExact: false, uniqueness: 'server' });
  });

  test('the User schema describes groups as read-only', async () => {
    const user = await scim.get(`/Schemas/${urn.user}`);
    expect(attributeNamed(user.body, 'groups')).toMatchObject({ multiValued: true, mutability: 'readOnly' });
  });

  test('the User schema describes the core attributes stored', async () => {
    const user = await scim.get(`/Schemas/${urn.user}`);
    const names = user.body.attributes.map((attribute: { name: string }) => attribute.name);
    expect(names).toEqual(
      expect.arrayContaining(['userName', 'name', 'displayName', 'emails', 'phoneNumbers', 'active', 'roles', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'groups']),
    );
  });

  test('/Schemas/<enterprise User> describes the enterprise attributes stored', async () => {
    const enterprise = await scim.get(`/Schemas/${urn.enterpriseUser}`);
    expect(enterprise.status).toBe(200);
    const names = enterprise.body.attributes.map((attribute: { name: string }) => attribute.name);
    expect(names).toEqual(expect.arrayContaining(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']));
  });

  test('/Schemas/<core Group> describes displayName and members', async () => {
    const group = await scim.get(`/Schemas/${urn.group}`);
    expect(group.status).toBe(200);
    expect(attributeNamed(group.body, 'displayName')).toMatchObject({ type: 'string', required: true });
    expect(attributeNamed(group.body, 'members')).toMatchObject({ multiValued: true });
  });

  test('an unknown schema is 404', async () => {
    expect((await scim.get('/Schemas/urn:ietf:params:scim:schemas:core:2.0:Widget')).status).toBe(404);
  });
});
