import { toGlobalId } from '../../src/common/global-id';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { Mailbox } from '../helpers/mailbox';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

/**
 * "Sent, never recorded": the mail server has the message and the process that sent it dies
 * before it hears the 250. The mail server here kills it at that very moment (SIGKILL: no
 * shutdown, nothing written after), and a new process on the same database takes over. Delivery
 * is at least once; what this shows is that the second copy is recognisably the first
 * (docs/decisions.md 79).
 */
describe('an invitation email whose sender dies after the mail server took it', () => {
  const email = 'cleo@acme.example';
  let db: TestDatabase;
  let mailbox: Mailbox;
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    mailbox = await new Mailbox({
      // The first copy is stored, then its sender killed before the answer to DATA.
      beforeAnswer: (_mail, index) => {
        if (index > 0) return;
        processes[0].child.kill('SIGKILL');
        return false;
      },
    }).start();
  });
  afterAll(async () => {
    for (const running of processes) {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
      await running.exited;
    }
    await mailbox.close();
    await db.drop();
  });

  test('is sent again after the lease, with the same Message-ID, and recorded as sent once', async () => {
    const env = {
      DATABASE_URL: db.url,
      SMTP_URL: mailbox.url,
      SMTP_FROM: 'Acme Access <access@acme.example>',
      // A lease of a second, so that the next process retries soon after it is up.
      EMAIL_LEASE_MS: '1000',
      JOB_INTERVAL_MS: '100',
    };
    const first = await startServerProcess(env);
    processes.push(first);
    const created = await first.query(`mutation { createRealm(input: { name: "acme", displayName: "Acme" }) { realm { id } } }`);
    const realmId: string = created.data.createRealm.realm.id;
    // The answer may be lost with the process, which dies as soon as the mail server has the message.
    const invited = first
      .query(`mutation($realmId: ID!, $email: String!) { inviteIdentity(input: { realmId: $realmId, email: $email, role: GRANTEE }) { invitation { id } } }`, {
        realmId,
        email,
      })
      .catch(() => undefined);
    const [delivered] = await mailbox.messagesTo(email, 1);
    expect(await first.exited).toBeNull();
    expect(first.child.signalCode).toBe('SIGKILL');
    expect((await invited)?.errors).toBeUndefined();

    // What the dead process left: the attempt, recorded before the send; no outcome.
    const [message] = await db.dataSource.query(
      `SELECT id, invitation_id AS "invitationUuid", status, attempts, last_attempt_at IS NOT NULL AS "attemptRecorded", sent_at AS "sentAt"
         FROM email_outbox WHERE recipient = $1`,
      [email],
    );
    expect(message).toMatchObject({ status: 'QUEUED', attempts: 1, attemptRecorded: true, sentAt: null });
    expect(delivered.messageId).toBe(`<${message.id}@acme.example>`);

    const second = await startServerProcess(env);
    processes.push(second);
    const [, again] = await mailbox.messagesTo(email, 2);
    expect(again.messageId).toBe(delivered.messageId);
    expect(again.subject).toBe(delivered.subject);
    expect(again.text).toBe(delivered.text);

    const invitationId = toGlobalId('Invitation', message.invitationUuid);
    const sent = await eventually(
      () => second.query(`query($id: ID!) { node(id: $id) { ... on Invitation { deliveryStatus { state attempts } } } }`, { id: invitationId }),
      (answer) => answer.data?.node?.deliveryStatus?.state === 'SENT',
    );
    expect(sent.data.node.deliveryStatus).toEqual({ state: 'SENT', attempts: 2 });
    const log = await second.query(`query($id: ID!) { realm(id: $id) { events(types: [INVITATION_SENT, INVITATION_DELIVERY_FAILED]) { edges { node { type invitationId data } } } } }`, {
      id: realmId,
    });
    expect(log.data.realm.events.edges.map((edge: { node: unknown }) => edge.node)).toEqual([{ type: 'INVITATION_SENT', invitationId, data: { attempts: 2 } }]);
    expect(mailbox.received).toHaveLength(2);
  }, 90_000);
});
