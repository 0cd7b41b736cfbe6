import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startTestServer, testAdminToken } from '../helpers/server';
import { subscribe } from '../helpers/subscription';
import { freePort } from '../helpers/net';
import { mainScript, startServerProcess } from '../helpers/server-process';

/*
 * The real entry point (`npm start` runs `node dist/src/main.js`; `npm test` builds it first), as
 * a child process: start-up, graceful shutdown, and the embedded database across restarts.
 */

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function postmasterPid(dataDir: string): Promise<number> {
  return Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

describe('the server process with DATABASE_URL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  test('serves, and on SIGTERM closes its sockets and exits 0', async () => {
    const running = await startServerProcess({ DATABASE_URL: db.url });
    expect(await running.query('{ realms { totalCount } }')).toEqual({ data: { realms: { totalCount: 0 } } });
    const socket = new WebSocket(running.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));

    running.child.kill('SIGTERM');
    await socketClosed;
    expect(await running.exited).toBe(0);
    expect(running.output.join('\n')).toMatch(/"message":"stopped"/);
  });

  test('a process killed right after a commit loses no event: a subscriber that resumes elsewhere gets it', async () => {
    const doomed = await startServerProcess({ DATABASE_URL: db.url });
    const realm = (await doomed.query('mutation { createRealm(input: { name: "doomed", displayName: "D" }) { realm { id lastEventCursor } } }')).data.createRealm.realm;
    const client = createClient({
      url: doomed.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${testAdminToken}` },
    });
    const received: Array<{ id: string; cursor: string; type: string }> = [];
    const lost = new Promise<void>((resolve) =>
      client.subscribe(
        { query: `subscription($id: ID!, $after: String) { realmEvents(realmId: $id, after: $after) { id cursor type } }`, variables: { id: realm.id, after: realm.lastEventCursor } },
        { next: (result) => void received.push((result.data as any).realmEvents), error: () => resolve(), complete: () => resolve() },
      ),
    );
    const create = (name: string) => doomed.query(`mutation { createGroup(input: { realmId: "${realm.id}", name: "${name}" }) { group { id } } }`);
    await create('before-the-crash');
    await create('committed-as-it-died');
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    await lost;
    await client.dispose();

    // The subscriber resumes on another instance after the last event it got.
    const survivor = await startTestServer({ db });
    try {
      const after = received.length > 0 ? received[received.length - 1].cursor : realm.lastEventCursor;
      const stream = subscribe(survivor.wsClient(), `subscription($id: ID!, $after: String) { realmEvents(realmId: $id, after: $after) { id cursor type } }`, { id: realm.id, after }, 'realmEvents');
      const resumed = await stream.take(2 - received.length);
      stream.close();
      const all = [...received, ...resumed];
      const log = await survivor.ok(`query($id: ID!) { realm(id: $id) { events { edges { node { id type } } } } }`, { id: realm.id });
      expect(all.map((event) => event.id)).toEqual(log.realm.events.edges.map((edge: any) => edge.node.id));
      expect(all.map((event) => event.type)).toEqual(['GROUP_CREATED', 'GROUP_CREATED']);
    } finally {
      await survivor.close();
    }
  });

  test('the first start without ADMIN_TOKEN prints an admin token once, and it works', async () => {
    const fresh = await createTestDatabase();
    try {
      const first = await startServerProcess({ DATABASE_URL: fresh.url, ADMIN_TOKEN: '' });
      const token = first.output.join('\n').match(/\b(rg_[A-Za-z0-9_-]{43})\b/)?.[1];
      expect(token).toBeDefined();
      expect(await first.query('{ realms { totalCount } }', {}, token)).toEqual({ data: { realms: { totalCount: 0 } } });
      first.child.kill('SIGTERM');
      await first.exited;
      const second = await startServerProcess({ DATABASE_URL: fresh.url, ADMIN_TOKEN: '' });
      expect(second.output.join('\n')).not.toMatch(/rg_[A-Za-z0-9_-]{43}/);
      second.child.kill('SIGTERM');
      await second.exited;
    } finally {
      await fresh.drop();
    }
  });

  test('a bad setting stops start-up with a message that says what to set', async () => {
    const child = spawn(process.execPath, [mainScript], { env: { PATH: process.env.PATH ?? '', PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('PORT must be a whole number');
  });
});

describe('the server process on the embedded PostgreSQL', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'realmgraph-process-'));
  });
  afterAll(async () => {
    // If a test failed half-way, do not leave a PostgreSQL running.
    const pid = await postmasterPid(dataDir).catch(() => 0);
    if (pid && isAlive(pid)) process.kill(pid, 'SIGINT');
    await rm(dataDir, { recursive: true, force: true });
  });

  test('keeps its data across a SIGKILL and a restart, shares the database with `npm run seed`, stops it on SIGTERM', async () => {
    const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
    const first = await startServerProcess(env);
    const created = await first.query('mutation { createRealm(input: { name: "survivor", displayName: "S" }) { realm { name } } }');
    expect(created).toEqual({ data: { createRealm: { realm: { name: 'survivor' } } } });

    // A parent killed with SIGKILL leaves its PostgreSQL running; the next start must cope.
    first.child.kill('SIGKILL');
    await first.exited;
    const orphan = await postmasterPid(dataDir);
    expect(isAlive(orphan)).toBe(true);

    const second = await startServerProcess(env);
    expect(await second.query('{ realm(name: "survivor") { name } }')).toEqual({ data: { realm: { name: 'survivor' } } });
    // `npm run seed` beside the running server uses its database and leaves it running.
    const seed = spawn(process.execPath, [path.join(__dirname, '../../dist/src/seed/seed.js')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seedOutput = '';
    seed.stdout.on('data', (chunk) => (seedOutput += chunk));
    seed.stderr.on('data', (chunk) => (seedOutput += chunk));
    expect(await new Promise((resolve) => seed.once('exit', resolve))).toBe(0);
    expect(seedOutput).toContain('Created the realm "demo"');
    expect(await second.query('{ realm(name: "demo") { groups { totalCount } } }')).toEqual({ data: { realm: { groups: { totalCount: 13 } } } });

    const postmaster = await postmasterPid(dataDir);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(isAlive(postmaster)).toBe(false);
  }, 60_000);
});
