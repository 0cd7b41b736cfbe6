import { Client } from 'pg';
import { createGroup, createIdentity, createRealm, inviteIdentity, queuedInvitationToken, uuidOf } from '../factories/graph';
import { eventually } from '../helpers/eventually';
import { startTestServer, type GraphQLResponse, type TestServer } from '../helpers/server';

/*
 * Decision 63: every write takes its locks in one order, the realm's row (the event counter) last.
 * Creating an identity or a group used to lock the realm's row first, then wait for a unique-index
 * entry (a name, a username, an address) that another uncommitted write had taken — a rename, an
 * acceptance, an invitation — which was itself waiting for the realm's row: a deadlock, broken by
 * PostgreSQL after a second. deleteRealm locked the realm's row first and then the rows its cascade
 * deletes, which writes in flight held: with a handful of them, the retries ran out.
 *
 * The interleavings are made deterministic with a third connection that holds the realm's row while
 * both writes queue behind it. What is asserted: the answers, and the deadlocks the instances met
 * (counted from PostgreSQL's 40P01, src/db/statement-counter.ts): none.
 */

let server: TestServer;
let other: TestServer;
let probe: Client;

beforeAll(async () => {
  server = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' } });
  other = await startTestServer({ runJobs: false, env: { RATE_LIMIT_PER_MINUTE: '0' }, db: server.db });
  probe = new Client({ connectionString: server.db.url });
  await probe.connect();
}, 60_000);
afterAll(async () => {
  await probe?.end();
  await other?.close();
  await server?.close();
});

/** Transactions of the app waiting on a lock (pg_stat_activity), other than the probe. */
async function waiting(): Promise<number> {
  const [row] = (
    await probe.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    )
  ).rows;
  return row.n;
}

/** Until `n` of the app's transactions wait on a lock: no event says so, so asked again (real queries). */
const untilWaiting = (n: number) => eventually(waiting, (count) => count >= n);

const deadlocks = () => server.deadlocks() + other.deadlocks();

/** Holds the realm row, sends `creator` then `renamer` (each once the previous one waits), lets the row go; returns both answers. */
async function race(realmId: string, creator: () => Promise<GraphQLResponse>, renamer: () => Promise<GraphQLResponse>) {
  await probe.query('BEGIN');
  await probe.query(`SELECT 1 FROM realms WHERE id = $1 FOR NO KEY UPDATE`, [uuidOf(realmId)]);
  const created = creator();
  await untilWaiting(1);
  const renamed = renamer();
  await untilWaiting(2);
  await probe.query('COMMIT');
  return Promise.all([created, renamed]);
}

test('createGroup racing updateGroup to the same name: no deadlock', async () => {
  const realm = await createRealm(server);
  const group = await createGroup(server, realm.id, 'alpha');
  const before = deadlocks();
  const answers = await race(
    realm.id,
    () => server.graphql(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, { input: { realmId: realm.id, name: 'beta' } }),
    () => server.graphql(`mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { id name } } }`, { input: { id: group.id, name: 'beta' } }),
  );
  const codes = answers.map((answer) => answer.errors?.[0]?.extensions.code ?? 'ok');
  const after = deadlocks();
  // One of them wins the name, the other is DUPLICATE_GROUP_NAME: that much holds either way.
  expect(codes.sort()).toEqual(['DUPLICATE_GROUP_NAME', 'ok']);
  expect(after - before).toBe(0);
});

test('acceptInvitation (a membership write) racing createIdentity for the same username: no deadlock', async () => {
  const realm = await createRealm(server);
  const group = await createGroup(server, realm.id);
  const invited = await inviteIdentity(server, realm.id, { groupIds: [group.id] });
  const token = await queuedInvitationToken(server, invited.id);
  const before = deadlocks();
  const answers = await race(
    realm.id,
    () =>
      server.graphql(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id } } }`, {
        input: { realmId: realm.id, displayName: 'Racer', username: 'cleo', primaryEmail: 'cleo-racer@example.com' },
      }),
    () =>
      server.graphql(`mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { identity { id status } } }`, {
        input: { token, displayName: 'Cleo', username: 'cleo' },
      }, { authorization: '' }),
  );
  const codes = answers.map((answer) => answer.errors?.[0]?.extensions.code ?? 'ok');
  const after = deadlocks();
  expect(codes.filter((code) => code === 'ok')).toHaveLength(1);
  expect(after - before).toBe(0);
});

test('inviteIdentity racing createIdentity for the same address: no deadlock', async () => {
  const realm = await createRealm(server);
  const before = deadlocks();
  const answers = await race(
    realm.id,
    () =>
      server.graphql(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id } } }`, {
        input: { realmId: realm.id, displayName: 'Dana', username: 'dana', primaryEmail: 'dana@example.com' },
      }),
    () => server.graphql(`mutation($input: InviteIdentityInput!) { inviteIdentity(input: $input) { invitation { id } } }`, {
      input: { realmId: realm.id, email: 'dana@example.com', role: 'GRANTEE' },
    }),
  );
  const codes = answers.map((answer) => answer.errors?.[0]?.extensions.code ?? 'ok');
  const after = deadlocks();
  expect(codes.filter((code) => code === 'ok')).toHaveLength(1);
  expect(after - before).toBe(0);
});

test('deleteRealm racing ordinary writes on two instances: each write commits first or finds the realm gone, and nothing deadlocks', async () => {
  const faults: string[] = [];
  const before = deadlocks();
  for (let trial = 0; trial < 5; trial++) {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const identities = await Promise.all([1, 2, 3, 4].map(() => createIdentity(server, realm.id)));
    const answers = await Promise.all([
      other.graphql(`mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: realm.id }),
      ...identities.map((identity, n) =>
        (n % 2 ? server : other).graphql(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { addedMembers { id } } }`, {
          input: { groupId: group.id, identityIds: [identity.id] },
        }),
      ),
      ...identities.map((identity, n) =>
        (n % 2 ? other : server).graphql(`mutation($input: UpdateIdentityInput!) { updateIdentity(input: $input) { identity { id } } }`, {
          input: { id: identity.id, displayName: `renamed ${trial}` },
        }),
      ),
    ]);
    answers.forEach((answer, n) => {
      const codes = (answer.errors ?? []).map((error) => error.extensions.code);
      // NOT_FOUND is a right answer for a write that comes after the realm's deletion.
      if (codes.some((code) => code !== 'NOT_FOUND')) faults.push(`trial ${trial}, ${n === 0 ? 'deleteRealm' : `write ${n}`}: ${codes.join('+')}`);
    });
  }
  expect(faults).toEqual([]);
  expect(deadlocks() - before).toBe(0);
}, 120_000);

test('deleteRealm racing a nesting under an ancestor it has locked (the closure’s foreign key reaches the ancestor): no deadlock', async () => {
  // Decision 106: a nesting writes closure rows naming the parent's ancestors, whose foreign key
  // takes FOR KEY SHARE on groups the nesting never locked. deleteRealm locks the realm's groups in
  // id order; had it taken them FOR UPDATE, it would hold the ancestor and wait for the parent while
  // the nesting, holding the parent, waited for the ancestor.
  const realm = await createRealm(server);
  const made = await Promise.all([1, 2, 3].map(() => createGroup(server, realm.id)));
  const [ancestor, parent, child] = made.sort((x, y) => (uuidOf(x.id) < uuidOf(y.id) ? -1 : 1));
  await server.ok(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, {
    input: { groupId: ancestor.id, groupIds: [parent.id] },
  });
  const before = deadlocks();
  // The probe holds the realm's nesting lock (at session level: no transaction, whose view of
  // pg_stat_activity would not move): the nesting waits for it holding the parent and the child.
  const key = [`nesting:${uuidOf(realm.id)}`];
  await probe.query(`SELECT pg_advisory_lock(hashtextextended($1::text, 0))`, key);
  const nesting = server.graphql(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, {
    input: { groupId: parent.id, groupIds: [child.id] },
  });
  await untilWaiting(1);
  // deleteRealm locks the ancestor (first in id order), then waits for the parent.
  const deletion = other.graphql(`mutation($id: ID!) { deleteRealm(input: { id: $id }) { deletedRealmId } }`, { id: realm.id });
  await untilWaiting(2);
  await probe.query(`SELECT pg_advisory_unlock(hashtextextended($1::text, 0))`, key);
  const answers = await Promise.all([nesting, deletion]);
  expect(answers.map((answer) => answer.errors?.[0]?.extensions.code ?? 'ok')).toEqual(['ok', 'ok']);
  expect(deadlocks() - before).toBe(0);
});
