import { EmailDeliveryJob } from '../../src/email/email-delivery.job';
import { smtpTransport } from '../../src/email/email-transport';
import { createLogger } from '../../src/logger';
import { createRealm, inviteIdentity, uuidOf } from '../factories/graph';
import { Mailbox } from '../helpers/mailbox';
import { freePort } from '../helpers/net';
import { eventually } from '../helpers/eventually';
import { startTestServer, type TestServer } from '../helpers/server';
import { subscribe } from '../helpers/subscription';

const acceptMutation = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { identity { id status username } } }`;
const deliveryQuery = `query($id: ID!) { node(id: $id) { ... on Invitation { status deliveryStatus { state attempts lastAttemptAt lastError sentAt nextAttemptAt } } } }`;

async function delivery(server: TestServer, invitationId: string) {
  return (await server.ok(deliveryQuery, { id: invitationId })).node.deliveryStatus;
}

async function deliveryEvents(server: TestServer, realmId: string) {
  const data = await server.ok(
    `query($id: ID!) { realm(id: $id) { events(types: [INVITATION_SENT, INVITATION_DELIVERY_FAILED]) { edges { node { type invitationId data } } } } }`,
    { id: realmId },
  );
  return data.realm.events.edges.map((edge: { node: unknown }) => edge.node);
}

describe('an invitation sent over SMTP', () => {
  let mailbox: Mailbox;
  let server: TestServer;
  beforeAll(async () => {
    mailbox = await new Mailbox().start();
    server = await startTestServer({
      env: { SMTP_URL: mailbox.url, SMTP_FROM: 'Acme Access <access@acme.example>', PUBLIC_URL: 'https://accounts.acme.example/' },
    });
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });

  test('arrives with a subject, text and HTML parts, and a link to PUBLIC_URL whose token accepts once', async () => {
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id, { fullName: 'Ada Lovelace' });
    const mail = await mailbox.messageTo(invitation.email);

    expect(mail.from?.value).toEqual([{ name: 'Acme Access', address: 'access@acme.example' }]);
    expect(mail.subject).toBe(`You are invited to Realm ${realm.name}`);
    expect(mail.text).toContain('Hello Ada Lovelace,');
    const link = mail.text!.match(/https?:\/\/\S+\/invitations\/accept\?token=\S+/)![0];
    const url = new URL(link);
    expect(url.origin).toBe('https://accounts.acme.example');
    expect(url.pathname).toBe('/invitations/accept');
    expect(mail.html).toContain(`<a href="${link}">`);
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const accepted = await server.graphql(acceptMutation, { input: { token, displayName: 'Ada', username: 'ada' } });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptInvitation.identity).toMatchObject({ id: invitation.identity!.id, status: 'ACTIVE', username: 'ada' });
    const again = await server.graphql(acceptMutation, { input: { token, displayName: 'Ada', username: 'ada2' } });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'INVITATION_ALREADY_ACCEPTED', inputPath: ['input', 'token'] });
  });

  test('invitationChanged follows it as it commits: CREATED, SENT, ACCEPTED', async () => {
    const realm = await createRealm(server);
    const { realm: loaded } = await server.ok(`query($id: ID!) { realm(id: $id) { lastEventCursor } }`, { id: realm.id });
    const stream = subscribe(
      server.wsClient(),
      `subscription($realmId: ID!, $after: String) { invitationChanged(realmId: $realmId, after: $after) { cursor id type invitationId invitation { status } } }`,
      { realmId: realm.id, after: loaded.lastEventCursor },
      'invitationChanged',
    );
    const invitation = await inviteIdentity(server, realm.id);
    const created = await stream.next();
    expect(created).toMatchObject({ type: 'CREATED', invitationId: invitation.id });
    expect(await stream.next()).toMatchObject({ type: 'SENT', invitationId: invitation.id });

    const mail = await mailbox.messageTo(invitation.email);
    const token = new URL(mail.text!.match(/https?:\/\/\S+\/invitations\/accept\?token=\S+/)![0]).searchParams.get('token')!;
    await server.ok(acceptMutation, { input: { token, displayName: 'Grace', username: `grace-${Date.now()}` } });
    expect(await stream.next()).toMatchObject({ type: 'ACCEPTED', invitationId: invitation.id, invitation: { status: 'ACCEPTED' } });
    stream.close();
  });

  test('carries a Message-ID of its own outbox message at SMTP_FROM’s domain; a resend is another message, with another', async () => {
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);
    const first = await mailbox.messageTo(invitation.email);
    await server.ok(`mutation($id: ID!) { resendInvitation(input: { id: $id }) { invitation { id } } }`, { id: invitation.id });
    const [, second] = await mailbox.messagesTo(invitation.email, 2);

    const outbox: Array<{ id: string }> = await server.db.dataSource.query(`SELECT id FROM email_outbox WHERE invitation_id = $1 ORDER BY created_at`, [
      uuidOf(invitation.id),
    ]);
    expect(outbox).toHaveLength(2);
    expect([first.messageId, second.messageId]).toEqual(outbox.map((row) => `<${row.id}@acme.example>`));
  });

  test('its deliveryStatus becomes SENT after one attempt, with invitation.sent', async () => {
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);
    await mailbox.messageTo(invitation.email);
    const sent = await eventually(
      () => delivery(server, invitation.id),
      (status) => status.state === 'SENT',
    );
    expect(sent).toEqual({ state: 'SENT', attempts: 1, lastAttemptAt: expect.any(String), lastError: null, sentAt: expect.any(String), nextAttemptAt: null });
    expect(await deliveryEvents(server, realm.id)).toEqual([{ type: 'INVITATION_SENT', invitationId: invitation.id, data: { attempts: 1 } }]);
  });
});

describe('an invitation whose SMTP server cannot be reached', () => {
  let server: TestServer;
  let smtpPort: number;
  beforeAll(async () => {
    smtpPort = await freePort();
    server = await startTestServer({ env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` } });
  });
  afterAll(() => server.close());

  test('stays QUEUED with the attempts made, the last error and when it is tried again', async () => {
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);
    const failed = await eventually(
      () => delivery(server, invitation.id),
      (status) => status.lastError !== null,
    );
    expect(failed).toMatchObject({ state: 'QUEUED', sentAt: null, lastError: expect.stringContaining('ECONNREFUSED') });
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    expect(failed.nextAttemptAt).toEqual(expect.any(String));
    expect((await server.ok(deliveryQuery, { id: invitation.id })).node.status).toBe('PENDING');
    expect(await deliveryEvents(server, realm.id)).toContainEqual({
      type: 'INVITATION_DELIVERY_FAILED',
      invitationId: invitation.id,
      data: { attempts: 1, error: expect.stringContaining('ECONNREFUSED'), willRetry: true },
    });
  });

  test('says why without naming the mail server: its address is the operator’s, not the realm’s admins’', async () => {
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);
    const failed = await eventually(
      () => delivery(server, invitation.id),
      (status) => status.lastError !== null,
    );
    const events = await deliveryEvents(server, realm.id);
    const said = [failed.lastError, ...events.filter((event: { type: string }) => event.type === 'INVITATION_DELIVERY_FAILED').map((event: { data: { error: string } }) => event.data.error)];
    expect(said).toContain('The mail server refused the connection (ECONNREFUSED).');
    expect(said.filter((text: string) => new RegExp(`127\\.0\\.0\\.1|localhost|\\b${smtpPort}\\b`).test(text))).toEqual([]);
    // The operator has it all in the log.
    expect(server.logs.some((line) => line.includes(`127.0.0.1:${smtpPort}`))).toBe(true);
  });
});

describe('an invitation whose SMTP server refuses it', () => {
  let mailbox: Mailbox;
  let server: TestServer;
  const silent = createLogger('error', () => undefined);
  beforeAll(async () => {
    mailbox = await new Mailbox({ refuse: '5.1.1 No such mailbox here' }).start();
    // No background jobs: the test runs the delivery job itself, with small limits, one pass at a time.
    server = await startTestServer({ runJobs: false });
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });

  test('is retried, and FAILED only after the last attempt, its message erased', async () => {
    const job = new EmailDeliveryJob(server.db.dataSource, smtpTransport(mailbox.url, 'test@example.com'), silent, { maxAttempts: 3, retryBaseMs: 0 });
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);

    expect(await delivery(server, invitation.id)).toMatchObject({ state: 'QUEUED', attempts: 0, lastAttemptAt: null });
    const states = [];
    for (let pass = 0; pass < 4; pass++) {
      await job.run();
      states.push(await delivery(server, invitation.id));
    }
    expect(states.map((status) => [status.state, status.attempts])).toEqual([
      ['QUEUED', 1],
      ['QUEUED', 2],
      ['FAILED', 3],
      ['FAILED', 3],
    ]);
    expect(states[2]).toMatchObject({ lastError: expect.stringContaining('No such mailbox here'), nextAttemptAt: null, sentAt: null });
    // Each attempt is recorded with its time.
    expect(states.every((status) => typeof status.lastAttemptAt === 'string')).toBe(true);
    expect(mailbox.attempts.filter((to) => to === invitation.email)).toHaveLength(3);
    const [row] = await server.db.dataSource.query(`SELECT text_body, html_body FROM email_outbox WHERE invitation_id = $1`, [uuidOf(invitation.id)]);
    expect(row).toEqual({ text_body: null, html_body: null });
    const failures = await deliveryEvents(server, realm.id);
    expect(failures.map((event: { data: { attempts: number; willRetry: boolean } }) => [event.data.attempts, event.data.willRetry])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
  });
});

describe('an invitation sent after a failed attempt', () => {
  let mailbox: Mailbox;
  let server: TestServer;
  const silent = createLogger('error', () => undefined);
  beforeAll(async () => {
    mailbox = await new Mailbox().start();
    server = await startTestServer({ runJobs: false });
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });

  test('is SENT with no lastError: the earlier attempt’s error no longer describes it', async () => {
    const unreachable = new EmailDeliveryJob(server.db.dataSource, smtpTransport(`smtp://127.0.0.1:${await freePort()}`, 'test@example.com'), silent, { retryBaseMs: 0 });
    const reachable = new EmailDeliveryJob(server.db.dataSource, smtpTransport(mailbox.url, 'test@example.com'), silent, { retryBaseMs: 0 });
    const realm = await createRealm(server);
    const invitation = await inviteIdentity(server, realm.id);
    await unreachable.run();
    expect(await delivery(server, invitation.id)).toMatchObject({ state: 'QUEUED', attempts: 1, lastError: expect.stringContaining('ECONNREFUSED') });
    await reachable.run();
    expect(await delivery(server, invitation.id)).toMatchObject({ state: 'SENT', attempts: 2, lastError: null, sentAt: expect.any(String) });
  });
});

describe('delivery on several instances', () => {
  let mailbox: Mailbox;
  let server: TestServer;
  beforeAll(async () => {
    mailbox = await new Mailbox().start();
    server = await startTestServer({ runJobs: false });
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });

  test('each message is claimed by one of them and sent once', async () => {
    const realm = await createRealm(server);
    const invitations = [];
    for (let n = 0; n < 8; n++) invitations.push(await inviteIdentity(server, realm.id));
    const silent = createLogger('error', () => undefined);
    const second = await server.db.newDataSource();
    const jobs = [server.db.dataSource, second].map(
      (dataSource) => new EmailDeliveryJob(dataSource, smtpTransport(mailbox.url, 'test@example.com'), silent, { batchSize: 2 }),
    );
    await Promise.all(jobs.map((job) => job.run()));
    await Promise.all(invitations.map((invitation) => mailbox.messageTo(invitation.email)));
    expect(mailbox.received).toHaveLength(8);
    for (const invitation of invitations) expect(await delivery(server, invitation.id)).toMatchObject({ state: 'SENT', attempts: 1 });
  });
});
