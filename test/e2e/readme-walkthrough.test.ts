import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * The README's examples as a newcomer runs them, in order, on an empty server: the data the first
 * block makes is what the later ones read, so a search there must find someone in it
 * (test/integration/readme.test.ts checks that every block is valid; this, that they make sense).
 */
let server: TestServer;
let blocks: string[];
beforeAll(async () => {
  server = await startTestServer({ runJobs: false });
  const readme = await readFile(path.join(__dirname, '../../README.md'), 'utf8');
  blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);
});
afterAll(() => server.close());

/** Runs the operation `name` of the README block that defines it, as the playground's tab would. */
async function run(name: string, variables: Record<string, unknown> = {}) {
  const query = blocks.find((block) => new RegExp(`\\b(query|mutation) ${name}\\b`).test(block));
  if (!query) throw new Error(`No README example defines ${name}.`);
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
    body: JSON.stringify({ query, operationName: name, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  expect({ name, errors: body.errors }).toEqual({ name, errors: undefined });
  return body.data;
}

test('SearchIdentities finds, in the data the examples before it made, the identity it describes; Duplicates finds the hand-made Bob, which Link merges', async () => {
  const realmId = (await run('CreateRealm')).createRealm.realm.id;
  const { ann, bob } = await run('CreateIdentities', { realmId });
  const groupId = (await run('CreateGroup', { realmId, ann: ann.identity.id })).createGroup.group.id;
  await run('AddMembers', { groupId, bob: bob.identity.id });
  await run('Suspend', { id: ann.identity.id });

  const everywhere = (await run('SearchIdentities', { name: 'acme' })).realm.identities;
  expect(everywhere.totalCount).toBe(1);
  expect(everywhere.edges.map((edge: any) => edge.node.id)).toEqual([bob.identity.id]);
  const inTheGroup = (await run('SearchIdentities', { name: 'acme', groupId })).realm.identities;
  expect(inTheGroup.edges.map((edge: any) => edge.node.id)).toEqual([bob.identity.id]);

  // Duplicates: the hand-made Bob is found beside the provider's, and merged into it.
  const bobby = (await run('HandMadeBob', { realmId })).createIdentity.identity.id;
  const pairs = (await run('Duplicates', { name: 'acme' })).realm.possibleDuplicates;
  expect(pairs.totalCount).toBe(1);
  expect(pairs.edges[0].node).toMatchObject({ reasons: ['SAME_EMAIL_LOCAL_PART'], identity: { id: bob.identity.id, source: 'IDP' }, duplicate: { id: bobby, source: 'MANUAL' } });
  const linked = (await run('Link', { identityId: bob.identity.id, duplicateId: bobby })).linkIdentities;
  expect(linked).toMatchObject({ identity: { id: bob.identity.id, source: 'IDP', groups: { totalCount: 1 } }, mergedIdentityId: bobby, addedEdges: [] });
  expect((await run('Duplicates', { name: 'acme' })).realm.possibleDuplicates.totalCount).toBe(0);
});
