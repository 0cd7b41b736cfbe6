/**
 * `npm run screenshots`: the README's pictures of /graphiql, /dashboard and /console, taken in Debian's
 * headless Chromium from a real server (built, on an embedded PostgreSQL in a temporary directory,
 * seeded with the demo realm). Writes docs/screenshots/graphiql.png, dashboard.png,
 * console-identities.png, console-group.png and console-invite.png (the "Invite user" dialog filled in).
 * The console's controls are found as its browser tests find them: by role and name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

const root = path.resolve(__dirname, '..');
const adminToken = 'rg_screenshot_admin_token_0123456789';
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, script)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited with ${code}`))));
  });
}

function serve(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const timeout = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error('the server did not say "realmgraph is serving" within 60 s'));
    }, 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('realmgraph is serving')) {
        clearTimeout(timeout);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'realmgraph-screenshots-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', EMBEDDED_PG_PORT: String(await freePort()), ADMIN_TOKEN: adminToken, LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.NODE_ENV;
  await run('dist/src/seed/seed.js', env);
  const server = await serve(env);
  const base = `http://127.0.0.1:${port}`;
  const api = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data: any; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  try {
    const { realm } = await api(`{ realm(name: "demo") { id groups(first: 100) { edges { node { id name } } } } }`);
    const group = (name: string) => realm.groups.edges.find((edge: { node: { name: string } }) => edge.node.name === name).node.id;
    const newcomers: string[] = [];
    for (const [displayName, username] of [['Priya Natarajan', 'priya'], ['Tomás Ruiz', 'tomas'], ['Lena Vogel', 'lena']]) {
      const data = await api(`mutation($input: CreateIdentityInput!) { createIdentity(input: $input) { identity { id } } }`, {
        input: { realmId: realm.id, displayName, username, primaryEmail: `${username}@demo.example` },
      });
      newcomers.push(data.createIdentity.identity.id);
    }
    const add = (groupName: string, ids: string[]) =>
      api(`mutation($input: AddGroupMembersInput!) { addGroupMembers(input: $input) { group { id } } }`, { input: { groupId: group(groupName), identityIds: ids } });
    const remove = (groupName: string, ids: string[]) =>
      api(`mutation($input: RemoveGroupMembersInput!) { removeGroupMembers(input: $input) { group { id } } }`, { input: { groupId: group(groupName), identityIds: ids } });

    // The dashboard, live, while people join, leave and are invited.
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    const dashboard = await context.newPage();
    await dashboard.goto(`${base}/dashboard?realm=${encodeURIComponent(realm.id)}&token=${adminToken}`);
    await dashboard.waitForSelector('#connection[data-state="live"]');
    await add('Product', newcomers);
    await add('Engineering', [newcomers[0]]);
    await remove('Product', [newcomers[2]]);
    await api(`mutation($input: InviteIdentityInput!) { inviteIdentity(input: $input) { invitation { id } } }`, {
      input: { realmId: realm.id, email: 'sam.okafor@demo.example', fullName: 'Sam Okafor', groupIds: [group('Sales')] },
    });
    await add('Sales', [newcomers[2]]);
    await dashboard.waitForFunction(() => document.querySelectorAll('#feed li').length >= 8);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let the highlight of changed rows fade
    await shot(dashboard, 'dashboard');
    await dashboard.close();

    // The console: the identities list, a group's page, the "Invite user" dialog filled in (not sent).
    const admin = await context.newPage();
    const consoleAt = (params: Record<string, string>) => `${base}/console?${new URLSearchParams({ realm: 'demo', ...params })}`;
    await admin.goto(consoleAt({ token: adminToken }));
    await admin.getByRole('table', { name: 'Identities', exact: true }).getByRole('link').first().waitFor({ timeout: 20_000 });
    await admin.locator('[role="status"][data-state="live"]').waitFor({ timeout: 20_000 });
    await shot(admin, 'console-identities');

    await admin.goto(consoleAt({ view: 'group', id: group('Engineering') }));
    await admin.getByRole('heading', { level: 2, name: 'Engineering', exact: true }).waitFor({ timeout: 20_000 });
    await admin.getByRole('table', { name: 'Members', exact: true }).getByRole('row').filter({ has: admin.getByRole('cell') }).first().waitFor({ timeout: 20_000 });
    await admin.locator('[role="status"][data-state="live"]').waitFor({ timeout: 20_000 });
    await shot(admin, 'console-group');

    await admin.goto(consoleAt({ view: 'invitations' }));
    await admin.getByRole('table', { name: 'Invitations', exact: true }).getByRole('row').filter({ hasText: 'sam.okafor@demo.example' }).waitFor({ timeout: 20_000 });
    await admin.getByRole('button', { name: 'Invite user' }).click();
    const invite = admin.getByRole('dialog', { name: 'Invite user' });
    await invite.getByLabel('Email').fill('amara.diallo@demo.example');
    await invite.getByRole('group', { name: 'Role' }).getByRole('radio', { name: 'Admin' }).check();
    await invite.getByLabel('Full name').fill('Amara Diallo');
    await invite.getByLabel('Country code').selectOption({ label: '+44 United Kingdom' });
    await invite.getByLabel('Phone').fill('7700900123');
    const groups = invite.getByRole('combobox', { name: 'Groups' });
    await groups.pressSequentially('Engin', { delay: 30 });
    await admin.getByRole('option', { name: /Engineering/ }).click({ timeout: 20_000 });
    await invite.getByRole('button', { name: 'Remove Engineering' }).waitFor({ timeout: 20_000 });
    // The list closes once a choice is made: the whole form in view.
    await admin.getByRole('listbox').waitFor({ state: 'hidden', timeout: 20_000 });
    await admin.setViewportSize({ width: 1280, height: 1000 });
    await invite.getByLabel('Email').focus();
    await shot(admin, 'console-invite');
    await admin.close();

    // GraphiQL: the README's subscription tab, receiving an event.
    const graphiql = await context.newPage();
    await graphiql.setViewportSize({ width: 1440, height: 800 });
    await graphiql.goto(`${base}/graphiql`);
    await graphiql.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
    await graphiql.locator('#rg-token').fill(adminToken);
    await graphiql.getByRole('button', { name: 'Use token' }).click();
    await graphiql.locator('.graphiql-tab', { hasText: 'WatchMemberships' }).click();
    const variables = graphiql.locator('.graphiql-editor-tool .monaco-editor').first();
    await variables.click();
    await graphiql.keyboard.press('Control+A');
    await graphiql.keyboard.press('Delete');
    await graphiql.keyboard.insertText(JSON.stringify({ realmId: realm.id }));
    await graphiql.keyboard.press('Home');
    await graphiql.locator('.graphiql-execute-button').click();
    await graphiql.waitForTimeout(500);
    await remove('Engineering', [newcomers[0]]);
    await graphiql
      .waitForFunction(() => (document.querySelector('.graphiql-response .view-lines') as HTMLElement | null)?.innerText.includes('REMOVED'), null, { timeout: 10_000 })
      .catch(async (error) => {
        await graphiql.screenshot({ path: path.join(os.tmpdir(), 'graphiql-failed.png') });
        throw error;
      });
    await shot(graphiql, 'graphiql');
    await context.close();
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(root, 'docs/screenshots', `${name}.png`);
  await page.screenshot({ path: file });
  process.stdout.write(`wrote ${path.relative(root, file)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
