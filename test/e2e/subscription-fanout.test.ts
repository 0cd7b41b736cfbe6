import type { Client, FormattedExecutionResult } from 'graphql-ws';
import { addMembers, createGroup, createRealm, insertIdentities } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';

// Many subscribers of one event, as many dashboards on one group are (W3, issue #5): one execution
// per event for all of those that would get the same answer (decision 58).

let server: TestServer;
beforeAll(async () => {
  // No background jobs: their statements would be counted too. One connection per subscriber, as
  // dashboards have, so more connections per token than the default 20.
  server = await startTestServer({ runJobs: false, env: { MAX_WS_CONNECTIONS_PER_TOKEN: '100' } });
});
afterAll(() => server.close());

const dashboard = `subscription($realmId: ID!, $groupId: ID, $after: String) {
  membershipChanged(realmId: $realmId, groupId: $groupId, after: $after) {
    id type groupId identityId group { name memberCount } identity { username }
  }
}`;

type Result = FormattedExecutionResult<any, unknown>;

interface Listener {
  /** The next whole result (data and errors), waiting for it if need be. */
  next(): Promise<Result>;
  /** Results that arrived and were not taken yet. */
  readonly pending: number;
  close(): void;
}

/** A subscription whose whole results a test awaits one by one: errors are results here, not failures. */
function listen(client: Client, query: string, variables: Record<string, unknown>): Listener {
  const received: Result[] = [];
  const waiting: Array<{ resolve: (result: Result) => void; reject: (error: Error) => void }> = [];
  const fail = (error: Error) => {
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  };
  const close = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        const waiter = waiting.shift();
        if (waiter) waiter.resolve(result);
        else received.push(result);
      },
      error: (error) => fail(new Error(`the subscription failed: ${JSON.stringify(error)}`)),
      complete: () => fail(new Error('the subscription ended')),
    },
  );
  return {
    next: () => (received.length > 0 ? Promise.resolve(received.shift()!) : new Promise((resolve, reject) => waiting.push({ resolve, reject }))),
    get pending() {
      return received.length;
    },
    close,
  };
}

const lastCursor = async (realmId: string): Promise<string> =>
  (await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor;

/** `count` subscribers, each on a connection of its own, from the realm's current cursor (so none misses an event). */
async function subscribers(count: number, query: string, variables: Record<string, unknown>, token?: string): Promise<Listener[]> {
  const after = await lastCursor(variables.realmId as string);
  return Array.from({ length: count }, () => listen(server.wsClient(token), query, { ...variables, after }));
}

const dashboardScopes = ['events:read', 'groups:read', 'identities:read'];

/** A token of a name of its own, with a dashboard's rights unless `scopes` says otherwise: its ID and secret. */
async function tokenNamed(name: string, scopes = dashboardScopes): Promise<{ id: string; token: string }> {
  const created = await server.ok(`mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } token } }`, {
    input: { name, scopes },
  });
  return { id: created.createApiToken.apiToken.id, token: created.createApiToken.token };
}

/** A token of a name of its own with a dashboard's rights. */
const namedToken = async (name: string): Promise<string> => (await tokenNamed(name)).token;

const all = (listeners: Listener[]) => Promise.all(listeners.map((listener) => listener.next()));

/**
 * Adds the three `identities` to the group one by one, and returns the SQL statements it took for
 * one change to reach all `listeners`, and what each got from the last two. The first change is not
 * counted: once every listener has it, every subscription is live and none is still replaying from
 * the table. The relay's 5-second safety poll may fall into one of the two counts, never into both:
 * the smaller one is the fan-out's.
 */
async function fanOut(listeners: Listener[], groupId: string, identities: string[]) {
  await addMembers(server, groupId, [identities[0]]);
  await all(listeners);
  const rounds: Array<{ statements: number; results: Result[] }> = [];
  for (const identity of identities.slice(1, 3)) {
    let results: Result[] = [];
    const statements = await server.countStatements(async () => {
      await addMembers(server, groupId, [identity]);
      results = await all(listeners);
    });
    rounds.push({ statements, results });
  }
  for (const listener of listeners) listener.close();
  return { statements: Math.min(...rounds.map((round) => round.statements)), rounds };
}

describe('one event, many subscribers', () => {
  test('subscribers of one document all get the same data, once each, and the SQL does not grow with their number', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'fan-out');
    const identities = await insertIdentities(server, realm.id, 6);
    const variables = { realmId: realm.id, groupId: group.id };

    const few = await fanOut(await subscribers(2, dashboard, variables), group.id, identities.slice(0, 3));
    const many = await fanOut(await subscribers(20, dashboard, variables), group.id, identities.slice(3));
    expect(many.statements).toBe(few.statements);

    for (const { results } of many.rounds) {
      expect(results[0].errors).toBeUndefined();
      expect(results[0].data.membershipChanged).toMatchObject({ type: 'ADDED', groupId: group.id, group: { name: 'fan-out' }, identity: { username: expect.any(String) } });
      for (const result of results) expect(result).toEqual(results[0]);
    }
    // Once each: every subscriber's result after the first counted change is the second change.
    const [first, second] = many.rounds.map(({ results }) => results[0].data.membershipChanged);
    expect(second.identityId).toBe(identities[5]);
    expect(second.group.memberCount).toBe(first.group.memberCount + 1);
  });

  test('subscribers with other rights get answers made with their own rights', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'mixed');
    const [ann] = await insertIdentities(server, realm.id, 1, 'ann');
    const noIdentities = await server.createToken(['events:read', 'groups:read']);
    const variables = { realmId: realm.id, groupId: group.id };
    // Interleaved, so that whichever executes first, a shared answer would show in both kinds.
    const listeners = [
      ...(await subscribers(1, dashboard, variables, noIdentities.token)),
      ...(await subscribers(1, dashboard, variables)),
      ...(await subscribers(1, dashboard, variables, noIdentities.token)),
      ...(await subscribers(1, dashboard, variables)),
    ];

    await addMembers(server, group.id, [ann]);
    const [limited, admin, limitedAgain, adminAgain] = await all(listeners);
    for (const listener of listeners) listener.close();

    for (const result of [admin, adminAgain]) {
      expect(result.errors).toBeUndefined();
      expect(result.data.membershipChanged).toMatchObject({ group: { name: 'mixed' }, identity: { username: 'ann1' } });
    }
    for (const result of [limited, limitedAgain]) {
      expect(result.data.membershipChanged).toMatchObject({ group: { name: 'mixed' }, identity: null });
      expect(result.errors).toEqual([expect.objectContaining({ path: ['membershipChanged', 'identity'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    }
  });

  test('subscribers with other rights never share an execution: one per rights class, each answer made with its own rights, no token named in it', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'walls');
    const identities = await insertIdentities(server, realm.id, 12, 'wall');
    // Two tokens in each class, named apart: without identities:read, `identity` is FORBIDDEN (null); with it, read.
    const [ann, bob] = [await tokenNamed('wall of Ann', ['events:read', 'groups:read']), await tokenNamed('wall of Bob', ['events:read', 'groups:read'])];
    const [carl, dan] = [await tokenNamed('wall of Carl'), await tokenNamed('wall of Dan')];
    const variables = { realmId: realm.id, groupId: group.id };
    const of = async (tokens: Array<{ token: string }>) => (await Promise.all(tokens.map(({ token }) => subscribers(1, dashboard, variables, token)))).flat();

    // The SQL of a change: the write and the relay's read (`bare`: an answer that reads no relation),
    // plus the relations each execution reads. Four subscribers in two classes cost the two classes
    // apart: two executions — not one (either class's answer to all), not four.
    const bare = await fanOut(await subscribers(1, `subscription($realmId: ID!, $groupId: ID, $after: String) { membershipChanged(realmId: $realmId, groupId: $groupId, after: $after) { id } }`, variables), group.id, identities.slice(0, 3));
    const withoutIdentities = await fanOut(await of([ann]), group.id, identities.slice(3, 6));
    const withIdentities = await fanOut(await of([carl]), group.id, identities.slice(6, 9));
    // Interleaved, so that whichever executes first, an answer shared across the classes would show in both.
    const mixed = await fanOut(await of([ann, carl, bob, dan]), group.id, identities.slice(9, 12));
    expect(withIdentities.statements).toBeGreaterThan(withoutIdentities.statements);
    expect(withoutIdentities.statements).toBeGreaterThan(bare.statements);
    expect(mixed.statements).toBe(withoutIdentities.statements + withIdentities.statements - bare.statements);

    for (const { results } of mixed.rounds) {
      const [ofAnn, ofCarl, ofBob, ofDan] = results;
      for (const result of [ofCarl, ofDan]) {
        expect(result.errors).toBeUndefined();
        expect(result.data.membershipChanged).toMatchObject({ group: { name: 'walls' }, identity: { username: expect.stringMatching(/^wall/) } });
      }
      for (const result of [ofAnn, ofBob]) {
        expect(result.data.membershipChanged).toMatchObject({ group: { name: 'walls' }, identity: null });
        expect(result.errors).toEqual([expect.objectContaining({ path: ['membershipChanged', 'identity'], extensions: expect.objectContaining({ code: 'FORBIDDEN', scope: 'identities:read' }) })]);
      }
      // Equal rights, equal answers (one shared execution): nothing in them, errors included, says whose token asked.
      expect(ofBob.data).toEqual(ofAnn.data);
      expect(ofBob.errors!.map(({ message }) => message)).toEqual(ofAnn.errors!.map(({ message }) => message));
      expect(ofDan).toEqual(ofCarl);
      for (const result of results) {
        const text = JSON.stringify(result);
        for (const token of [ann, bob, carl, dan]) {
          expect(text).not.toContain(token.id);
          expect(text).not.toContain(token.token);
        }
        expect(text).not.toMatch(/wall of/);
      }
    }
  });

  test('tokens with the same rights share an execution, whatever their names: two tokens cost what one does', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const identities = await insertIdentities(server, realm.id, 6);
    const [one, other] = [await namedToken('dashboard of Ann'), await namedToken('dashboard of Bob')];
    const variables = { realmId: realm.id, groupId: group.id };
    const of = async (tokens: string[]) => (await Promise.all(tokens.map((token) => subscribers(1, dashboard, variables, token)))).flat();

    const alone = await fanOut(await of([one, one]), group.id, identities.slice(0, 3));
    const together = await fanOut(await of([one, other]), group.id, identities.slice(3));
    expect(together.statements).toBe(alone.statements);
  });

  test('a 1 000-member batch reaches 20 dashboards, each with a token of its own: every event once, in order, at one execution per event', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'everyone');
    const identities = await insertIdentities(server, realm.id, 2002);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, n) => namedToken(`wall display ${n + 1}`)));
    const variables = { realmId: realm.id, groupId: group.id };

    /**
     * The statements one batch of 1 000 took to reach every listener, and what each received. A
     * first change, not counted, makes sure every subscription is live (connected, authenticated).
     */
    const batch = async (listeners: Listener[], [first, ...members]: string[]) => {
      await addMembers(server, group.id, [first]);
      await all(listeners);
      let received: Result[][] = [];
      const statements = await server.countStatements(async () => {
        await addMembers(server, group.id, members);
        received = await Promise.all(listeners.map(async (listener) => Promise.all(members.map(() => listener.next()))));
      });
      for (const listener of listeners) listener.close();
      return { statements, received };
    };
    const one = await batch(await subscribers(1, dashboard, variables, tokens[0]), identities.slice(0, 1001));
    const twenty = await batch((await Promise.all(tokens.map((token) => subscribers(1, dashboard, variables, token)))).flat(), identities.slice(1001, 2002));

    for (const results of twenty.received) {
      expect(results.map((result) => result.data!.membershipChanged.identityId)).toEqual(identities.slice(1002, 2002));
      expect(results.every((result) => result.errors === undefined)).toBe(true);
    }
    // Twenty subscribers cost what one does: not even one statement more per dashboard (unshared, each
    // would cost another 2 000). The relay's 5-second safety poll falls into either count, 2 each time.
    expect(twenty.statements).toBeLessThan(one.statements + 20);
    // 2 000 events to 21 subscribers: seconds on an idle machine, more on a busy CI runner.
  }, 120_000);

  test('dashboards each loaded at its own moment (each subscribing after its own cursor) share one execution per event', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'everyone');
    const identities = await insertIdentities(server, realm.id, 26);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, n) => namedToken(`lobby screen ${n + 1}`)));
    const variables = { realmId: realm.id, groupId: group.id };
    // Each dashboard loads (reads the cursor) and subscribes after it, as the README says; meanwhile the group changes.
    const listeners: Listener[] = [];
    for (let n = 0; n < 20; n++) {
      listeners.push(listen(server.wsClient(tokens[n]), dashboard, { ...variables, after: await lastCursor(realm.id) }));
      await addMembers(server, group.id, [identities[n]]);
    }
    // Every dashboard has had everything since its cursor: each is live, and in the relay's window.
    await Promise.all(listeners.map(async (listener, n) => {
      for (let k = n; k < 20; k++) await listener.next();
    }));
    const twenty = await fanOut(listeners, group.id, identities.slice(20, 23));
    const one = await fanOut([listen(server.wsClient(tokens[0]), dashboard, { ...variables, after: await lastCursor(realm.id) })], group.id, identities.slice(23, 26));
    expect(twenty.statements).toBe(one.statements);
  });

  test('different variables get their own answers', async () => {
    const realm = await createRealm(server);
    const [a, b] = [await createGroup(server, realm.id, 'a'), await createGroup(server, realm.id, 'b')];
    const [ann, bob] = [...(await insertIdentities(server, realm.id, 1, 'ann')), ...(await insertIdentities(server, realm.id, 1, 'bob'))];
    const query = `subscription($realmId: ID!, $groupId: ID, $after: String, $withIdentity: Boolean!) {
      membershipChanged(realmId: $realmId, groupId: $groupId, after: $after) { groupId group { name } identity @include(if: $withIdentity) { username } }
    }`;
    const [ofAWithIdentity] = await subscribers(1, query, { realmId: realm.id, groupId: a.id, withIdentity: true });
    const [ofAWithout] = await subscribers(1, query, { realmId: realm.id, groupId: a.id, withIdentity: false });
    const [ofB] = await subscribers(1, query, { realmId: realm.id, groupId: b.id, withIdentity: true });
    const [ofAll] = await subscribers(1, query, { realmId: realm.id, withIdentity: false });

    await addMembers(server, a.id, [ann]);
    await addMembers(server, b.id, [bob]);

    expect((await ofAWithIdentity.next()).data).toEqual({ membershipChanged: { groupId: a.id, group: { name: 'a' }, identity: { username: 'ann1' } } });
    expect((await ofAWithout.next()).data).toEqual({ membershipChanged: { groupId: a.id, group: { name: 'a' } } });
    expect((await ofB.next()).data).toEqual({ membershipChanged: { groupId: b.id, group: { name: 'b' }, identity: { username: 'bob1' } } });
    expect([(await ofAll.next()).data, (await ofAll.next()).data]).toEqual([
      { membershipChanged: { groupId: a.id, group: { name: 'a' } } },
      { membershipChanged: { groupId: b.id, group: { name: 'b' } } },
    ]);
    for (const listener of [ofAWithIdentity, ofAWithout, ofB, ofAll]) listener.close();
  });

  test('a subscriber that leaves does not disturb the others', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id);
    const identities = await insertIdentities(server, realm.id, 2);
    const [stays, leaves, alsoStays] = await subscribers(3, dashboard, { realmId: realm.id, groupId: group.id });
    await addMembers(server, group.id, [identities[0]]);
    await all([stays, leaves, alsoStays]);

    leaves.close();
    await addMembers(server, group.id, [identities[1]]);
    const [one, other] = await all([stays, alsoStays]);
    expect(one.data.membershipChanged.identityId).toBe(identities[1]);
    expect(other).toEqual(one);
    expect(leaves.pending).toBe(0);
    stays.close();
    alsoStays.close();
  });
});

describe('a burst of events', () => {
  /** The statements a batch of `members` took from the mutation until `listener` had every event, and what it got. */
  async function delivered(listener: Listener, groupId: string, members: string[]) {
    let received: Result[] = [];
    const statements = await server.countStatements(async () => {
      await addMembers(server, groupId, members);
      received = await Promise.all(members.map(() => listener.next()));
    });
    return { statements, received };
  }

  test('the events of one batch are executed together: their relations are read in a statement or two, not two per event', async () => {
    const realm = await createRealm(server);
    const group = await createGroup(server, realm.id, 'burst');
    const identities = await insertIdentities(server, realm.id, 211);
    const [listener] = await subscribers(1, dashboard, { realmId: realm.id, groupId: group.id }, await namedToken('burst dashboard'));
    // Not counted: once it has this event, the subscription is live.
    await addMembers(server, group.id, [identities[0]]);
    await listener.next();

    const ten = await delivered(listener, group.id, identities.slice(1, 11));
    const twoHundred = await delivered(listener, group.id, identities.slice(11, 211));
    listener.close();

    expect(twoHundred.received.map((result) => result.data!.membershipChanged.identityId)).toEqual(identities.slice(11, 211));
    expect(twoHundred.received.every((result) => result.errors === undefined)).toBe(true);
    // Each event is answered with the state after the batch committed, as before: the last count.
    expect(twoHundred.received.map((result) => result.data!.membershipChanged.group.memberCount)).toEqual(Array(200).fill(211));
    // One execution per event read 2 statements each (400 here); a burst reads them once. The relay's
    // safety poll or a second read of the feed may add a few.
    expect(twoHundred.statements).toBeLessThanOrEqual(ten.statements + 6);
  });
});
