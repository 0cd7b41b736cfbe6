/**
 * An identity provider sends many requests at once (Entra runs its provisioning in parallel, Okta
 * pushes groups while users change): SCIM's writes raced for real on two server instances over one
 * database, each request to one of them, each client with a SCIM token of its own. Afterwards the
 * realm's event log is replayed against its tables (test/helpers/log-invariants.ts): every
 * committed change has exactly its events, whatever interleaving happened. Either outcome of a race
 * is right; a 5xx, or a log that disagrees with the tables, is not.
 */
import { logViolations } from '../helpers/log-invariants';
import { seeded } from '../helpers/seeded';
import type { TestServer } from '../helpers/server';
import { createRealm } from '../factories/graph';
import { scimClient, startScimServer, unique, urn, userBody, type ScimClient } from '../helpers/scim';

let first: TestServer;
let second: TestServer;
let realmId: string;
let clients: ScimClient[];

beforeAll(async () => {
  first = await startScimServer();
  second = await startScimServer({ db: first.db });
  realmId = (await createRealm(first)).id;
  clients = await Promise.all(
    Array.from({ length: 8 }, async (_, index) => scimClient(index % 2 === 0 ? first : second, (await first.createToken(['scim'], realmId)).token)),
  );
}, 60_000);
afterAll(async () => {
  await second?.close();
  await first?.close();
});

test('concurrent user and group writes from two instances leave a log that tells the truth', async () => {
  const setup = clients[0];
  const users: string[] = [];
  for (let n = 0; n < 30; n += 1) users.push((await setup.post('/Users', userBody())).body.id);
  const groups: string[] = [];
  for (let n = 0; n < 3; n += 1) groups.push((await setup.post('/Groups', { schemas: [urn.group], displayName: unique('race-'), members: users.slice(0, 4).map((value) => ({ value })) })).body.id);

  const random = seeded(1302);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const members = () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({ value: pick(users) }));
  const writes: Array<(client: ScimClient) => Promise<{ status: number }>> = [
    (c) => c.patch(`/Groups/${pick(groups)}`, [{ op: 'Add', path: 'members', value: members() }]),
    (c) => c.patch(`/Groups/${pick(groups)}`, [{ op: 'Remove', path: `members[value eq "${pick(users)}"]` }]),
    (c) => c.patch(`/Groups/${pick(groups)}`, [{ op: 'replace', path: 'members', value: members() }]),
    (c) => c.patch(`/Groups/${pick(groups)}`, [
      { op: 'add', path: 'members', value: members() },
      { op: 'remove', path: 'members', value: members() },
    ]),
    (c) => c.put(`/Groups/${pick(groups)}`, { schemas: [urn.group], displayName: unique('renamed-'), members: members() }),
    (c) => c.patch(`/Users/${pick(users)}`, [{ op: 'replace', value: { active: random() < 0.5 } }]),
    (c) => c.patch(`/Users/${pick(users)}`, [{ op: 'replace', path: 'title', value: unique('title-') }]),
    (c) => c.delete(`/Users/${pick(users)}`),
    (c) => c.post('/Users', userBody()),
  ];

  const answers = await Promise.all(
    Array.from({ length: 160 }, (_, index) => {
      const write = pick(writes);
      return write(clients[index % clients.length]);
    }),
  );
  const statuses = answers.map((answer) => answer.status);
  // 404: a user deleted by an earlier write; 400: adding a member that is gone; 409: a taken name; 412 never (no If-Match).
  expect(statuses.filter((status) => ![200, 201, 204, 400, 404, 409].includes(status))).toEqual([]);
  expect(statuses.filter((status) => status < 300).length).toBeGreaterThan(60);

  expect(await logViolations(first.db.dataSource, realmId)).toEqual([]);
}, 120_000);
