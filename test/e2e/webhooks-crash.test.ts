import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { verifies, webhookEnv, WebhookReceiver, type ReceivedRequest } from '../helpers/conformance-receiver';

/**
 * At least once, and recognisably once (issue #15): the instance delivering a batch is killed
 * (SIGKILL: no shutdown, nothing written after) while the receiver holds one of its requests; a new
 * instance on the same database takes over. Every event reaches the receiver, in the log's order, and
 * whatever came twice is the same webhook-id with the same body, which is what receivers dedupe by.
 */
describe('a webhook delivery whose instance is killed mid-batch', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    for (const running of processes) {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
      await running.exited;
    }
    await receiver?.close();
    await db?.drop();
  });

  test('every event is received, in order; the repeats are the same id with the same body; the deliveries end SUCCEEDED', async () => {
    const env = { ...webhookEnv, DATABASE_URL: db.url, JOB_INTERVAL_MS: '100' };
    const first = await startServerProcess(env);
    processes.push(first);
    const ok = async (server: ServerProcess, document: string, variables?: Record<string, unknown>) => {
      const answer = await server.query(document, variables);
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
      return answer.data;
    };

    const realmId: string = (await ok(first, `mutation { createRealm(input: { name: "acme", displayName: "Acme" }) { realm { id } } }`)).createRealm.realm.id;
    const identityIds: string[] = [];
    for (let n = 0; n < 40; n++) {
      const data = await ok(
        first,
        `mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id } } }`,
        { input: { realmId, displayName: `User ${n}`, username: `user${n}`, primaryEmail: `user${n}@acme.example` } },
      );
      identityIds.push(data.createIdentity.identity.id);
    }

    // The 11th request of the batch: its sender is killed while it waits for the answer, which never comes.
    receiver.respond('/crash', (request) => {
      if (request.nth !== 10) return { status: 200 };
      first.child.kill('SIGKILL');
      return { until: first.exited, close: true };
    });
    const created = await ok(
      first,
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } secret } }`,
      { input: { realmId, url: receiver.url('/crash') } },
    );
    const endpointId: string = created.createWebhookEndpoint.webhookEndpoint.id;
    const secret: string = created.createWebhookEndpoint.secret;
    const start: string | null = (await ok(first, `query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realmId })).realm.lastEventCursor;

    // One commit, 41 events: GROUP_CREATED and a MEMBERSHIP_ADDED per member.
    // The answer may be lost with the process, if it dies before sending it.
    await first
      .query(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }`, { input: { realmId, name: 'everyone', memberIds: identityIds } })
      .catch(() => undefined);
    expect(await first.exited).toBeNull();
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(receiver.at('/crash')).toHaveLength(11);

    const second = await startServerProcess(env);
    processes.push(second);
    const log: Array<{ id: string; cursor: string; type: string }> = (
      await ok(second, `query($id: ID!, $after: String) { realm(id: $id) { events(first: 100, after: $after) { edges { node { id cursor type } } } } }`, { id: realmId, after: start })
    ).realm.events.edges.map((edge: { node: { id: string; cursor: string; type: string } }) => edge.node);
    expect(log).toHaveLength(41);
    const ids = log.map((event) => event.id);

    // The lease of the dead instance has to run out first: a generous wait.
    await receiver.waitForDelivered('/crash', ids, 150_000);
    const requests = receiver.at('/crash');

    // Nothing but these events; each verified; a repeat is the same id with the same body.
    const bodies = new Map<string, string>();
    for (const request of requests) {
      expect(ids).toContain(request.webhookId);
      expect(verifies(request, secret)).toBe(true);
      expect(request.json?.id).toBe(request.webhookId);
      const seen = bodies.get(request.webhookId!);
      if (seen === undefined) bodies.set(request.webhookId!, request.text);
      else expect(request.text).toBe(seen);
    }
    expect(new Set(requests.map((request) => request.webhookId))).toEqual(new Set(ids));
    // The held request's event came again, from the second instance.
    const held = requests[10];
    // Never answered: the receiver closed it, or the dying process aborted it first.
    expect(['closed', 'aborted']).toContain(held.outcome);
    expect(requests.slice(11).map((request: ReceivedRequest) => request.webhookId)).toContain(held.webhookId);
    // In the log's order: as each event was first sent, and as each was first delivered.
    const firstSeen = (list: ReceivedRequest[]) => [...new Set(list.map((request) => request.webhookId))];
    expect(firstSeen(requests)).toEqual(ids);
    expect(firstSeen(receiver.deliveredAt('/crash'))).toEqual(ids);
    // Past the crash, one request at a time.
    expect(receiver.overlaps.filter((overlap) => overlap.second > 10)).toEqual([]);

    const state = await eventually(
      () => second.query(`query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { status lastDeliveredCursor deliveries(first: 100) { edges { node { eventId status attempts } } } } } }`, { id: endpointId }),
      (answer) => answer.data?.node?.lastDeliveredCursor === log[40].cursor,
    );
    const deliveries: Array<{ eventId: string; status: string; attempts: number }> = state.data.node.deliveries.edges.map((edge: { node: unknown }) => edge.node);
    expect(state.data.node.status).toBe('ACTIVE');
    expect(deliveries.map((delivery) => delivery.eventId)).toEqual([...ids].reverse());
    for (const delivery of deliveries) expect(delivery.status).toBe('SUCCEEDED');
    expect(deliveries.find((delivery) => delivery.eventId === held.webhookId)!.attempts).toBeGreaterThanOrEqual(2);
  }, 240_000);
});
