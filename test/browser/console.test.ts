import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { addMembers, createGroup, createIdentity, createRealm, type Ref } from '../factories/graph';
import { startTestServer, type TestServer } from '../helpers/server';
import { describeInBrowser, isLocal, launchChromium, skipBrowser, watchedPage, type Watched } from './chromium';
import { flakyNetwork } from './proxy';

/**
 * Issue #18's admin console at /console, driven as a person would: every control is found by its
 * role and accessible name or its label (the names the README's console section gives them), never
 * by CSS — except the connection status's `data-state`. What the page did is checked through the API, not through the page.
 */
let server: TestServer;
let browser: Browser;
const origin = () => server.url.replace(/\/graphql$/, '');

/** Generous: the machine's two cores are shared with other work. */
const patience = 10_000;
jest.setTimeout(90_000);

beforeAll(async () => {
  if (skipBrowser) return;
  // No background jobs: an invitation stays as the console made it (no delivery racing in).
  server = await startTestServer({ runJobs: false });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Address {
  realm: string;
  /** Given once in the address (?token=); null: none (a fresh browser with nothing stored). */
  token?: string | null;
  view?: 'identities' | 'identity' | 'groups' | 'group' | 'invitations' | 'events';
  id?: string;
}

function consoleUrl(base: string, { realm, token = server.adminToken, view, id }: Address): string {
  const params = new URLSearchParams({ realm });
  if (token !== null) params.set('token', token);
  if (view) params.set('view', view);
  if (id) params.set('id', id);
  return `${base}/console?${params}`;
}

async function openConsole(context: BrowserContext, address: Address, base = origin()): Promise<Watched> {
  const watched = await watchedPage(context);
  await watched.page.goto(consoleUrl(base, address));
  await watched.page
    .getByRole('heading', { level: 1, name: 'realmgraph console' })
    .waitFor()
    .catch((error: Error) => {
      // Say why: a page that did not start (a script missing, a rebuild of dist/web under the server, an exception).
      throw new Error(`${error.message}\nThe page's errors: ${JSON.stringify(watched.errors)}`);
    });
  return watched;
}

/** The connection status: role=status with data-state (the one place the contract names an attribute). */
const connectionStatus = (page: Page) => page.locator('[role="status"][data-state]');
const waitForState = (page: Page, states: string[]) =>
  page
    .locator(states.map((state) => `[role="status"][data-state="${state}"]`).join(', '))
    .first()
    .waitFor({ timeout: patience });

const table = (scope: Page | Locator, name: string) => scope.getByRole('table', { name, exact: true });
/** A table's rows that hold cells (the header row holds column headers). */
const dataRows = (page: Page, name: string) =>
  table(page, name)
    .getByRole('row')
    .filter({ has: page.getByRole('cell') });
const rowOf = (page: Page, tableName: string, text: string) => table(page, tableName).getByRole('row').filter({ hasText: text });

/** The texts an element's aria-describedby points at, and whether they sit in the same dialog as it. */
function description(field: Locator): Promise<{ text: string; inSameDialog: boolean }> {
  return field.evaluate((element) => {
    const described = (element.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id));
    const dialog = element.closest('dialog, [role="dialog"]');
    return {
      text: described.map((node) => node?.textContent ?? '').join(' '),
      inSameDialog: described.length > 0 && described.every((node) => node !== null && dialog !== null && dialog.contains(node)),
    };
  });
}

async function waitForAttribute(field: Locator, name: string, value: string): Promise<void> {
  const element = await field.elementHandle({ timeout: patience });
  await field.page().waitForFunction(({ element, name, value }) => element.getAttribute(name) === value, { element, name, value }, { timeout: patience });
}

/**
 * Waits until the picker offers `shown` and none of `gone` (the answer for what was typed, not one
 * for an earlier text), then checks that it offers nothing else.
 */
async function onlyOptions(page: Page, shown: string[], gone: string[]): Promise<void> {
  // The picker's list (a <select>'s options are options too, in no listbox).
  const options = page.getByRole('listbox').getByRole('option');
  for (const name of shown) await options.filter({ hasText: name }).waitFor();
  for (const name of gone) await options.filter({ hasText: name }).waitFor({ state: 'hidden' });
  expect(await options.count()).toBe(shown.length);
}

/** A mark the test leaves in the page's window: it is gone if the page was reloaded. */
const markWindow = (page: Page) => page.evaluate(() => ((window as unknown as { unreloaded: boolean }).unreloaded = true));
const stillUnreloaded = (page: Page) => page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded === true);

/** A group's members (IDs) and name, through the API. */
async function membersOf(groupId: string): Promise<string[]> {
  const data = await server.ok(`query($id: ID!) { node(id: $id) { ... on Group { members(first: 100) { edges { node { id } } } } } }`, { id: groupId });
  return data.node.members.edges.map((edge: { node: Ref }) => edge.node.id).sort();
}

async function groupsOf(realmId: string): Promise<Array<{ id: string; name: string; description: string | null }>> {
  const data = await server.ok(`query($id: ID!) { realm(id: $id) { groups(first: 100) { edges { node { id name description } } } } }`, { id: realmId });
  return data.realm.groups.edges.map((edge: { node: { id: string; name: string; description: string | null } }) => edge.node);
}

async function invitationsOf(realmId: string) {
  const data = await server.ok(`query($id: ID!) { realm(id: $id) { invitations(first: 100) { totalCount edges { node { email role fullName phoneNumber status } } } } }`, { id: realmId });
  return data.realm.invitations;
}

/** People at corp.test: a search for a piece of a name (say "xamp") must not find everyone's "example.com". */
const person = (realmId: string, displayName: string, username: string, primaryEmail = `${username}@corp.test`) => createIdentity(server, realmId, { displayName, username, primaryEmail });

describeInBrowser('the admin console at /console', () => {
  let context: BrowserContext;
  beforeEach(async () => {
    context = await browser.newContext();
    context.setDefaultTimeout(patience);
  });
  afterEach(() => context?.close());

  test('opens on the identities of the realm in ?realm=, keeps ?token= in the browser and out of the address, and loads nothing from elsewhere', async () => {
    const realm = await createRealm(server);
    await person(realm.id, 'Ann Example', 'ann');
    const { page, requests, errors } = await openConsole(context, { realm: realm.name });

    await rowOf(page, 'Identities', 'Ann Example').waitFor();
    const address = new URL(page.url());
    expect(address.pathname).toBe('/console');
    expect(address.searchParams.has('token')).toBe(false);
    expect(address.searchParams.get('realm')).toBe(realm.name);
    expect(await page.evaluate(() => localStorage.getItem('realmgraph:token'))).toBe(server.adminToken);

    // The frame: signed in, the realm chosen, the current view marked in the navigation.
    await page.getByText(/^Signed in with \S/).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.getByLabel('Realm', { exact: true }).inputValue()).toBe(realm.name);
    const navigation = page.getByRole('navigation', { name: 'Console' });
    expect(await navigation.getByRole('link', { name: 'Identities' }).getAttribute('aria-current')).toBe('page');
    expect(await navigation.getByRole('link', { name: 'Groups' }).getAttribute('aria-current')).not.toBe('page');
    await waitForState(page, ['live']);
    expect(await connectionStatus(page).textContent()).toContain('Live');

    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('without a token it asks for one; signing in with the "API token" field shows the realm and keeps the token, signing out forgets it', async () => {
    const realm = await createRealm(server);
    await person(realm.id, 'Ann Example', 'ann');
    const { token } = await server.createToken(['realms:read', 'identities:read', 'groups:read', 'invitations:read', 'events:read'], realm.id);
    const { page, errors } = await openConsole(context, { realm: realm.name, token: null });

    await page.getByText('Sign in with an API token to use the console.').waitFor();
    expect(await table(page, 'Identities').count()).toBe(0);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await rowOf(page, 'Identities', 'Ann Example').waitFor();
    await page.getByText('Signed in with test realms:read identities:read').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('realmgraph:token'))).toBe(token);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Sign in with an API token to use the console.').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('realmgraph:token'))).toBeNull();
    expect(errors).toEqual([]);
  });

  test('the "Realm" select changes the realm the views show', async () => {
    const first = await createRealm(server);
    const second = await createRealm(server);
    await person(first.id, 'Ann Example', 'ann');
    await person(second.id, 'Zed Elsewhere', 'zed');
    const { page, errors } = await openConsole(context, { realm: first.name });
    await rowOf(page, 'Identities', 'Ann Example').waitFor();

    await page.getByLabel('Realm', { exact: true }).selectOption(second.name);
    await rowOf(page, 'Identities', 'Zed Elsewhere').waitFor();
    await rowOf(page, 'Identities', 'Ann Example').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });

  test('invites a user with a role, a full name and a phone number: the invitation shows in the list and the API has it, phone in E.164', async () => {
    const realm = await createRealm(server);
    const { page, errors } = await openConsole(context, { realm: realm.name, view: 'invitations' });
    await page.getByRole('heading', { name: 'Invitations', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Invite user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite user' });
    await dialog.getByLabel('Email').fill('priya.natarajan@example.com');
    // Apono's two roles, each with its description, in a group named "Role".
    const roles = dialog.getByRole('group', { name: 'Role' });
    await roles.getByText('has access to resources by default and grants access').waitFor();
    await roles.getByText('requests and receives access').waitFor();
    await roles.getByRole('radio', { name: 'Admin' }).check();
    expect(await roles.getByRole('radio', { name: 'Grantee' }).isChecked()).toBe(false);
    await dialog.getByLabel('Full name').fill('Priya Natarajan');
    await dialog.getByLabel('Country code').selectOption({ label: '+44 United Kingdom' });
    await dialog.getByLabel('Phone').fill('7700900123');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();

    await dialog.waitFor({ state: 'hidden' });
    const row = rowOf(page, 'Invitations', 'priya.natarajan@example.com');
    await row.waitFor();
    expect(await row.textContent()).toContain('Priya Natarajan');
    expect(await row.textContent()).toMatch(/admin/i);
    expect(await row.textContent()).toMatch(/pending/i);

    const invitations = await invitationsOf(realm.id);
    expect(invitations.totalCount).toBe(1);
    expect(invitations.edges[0].node).toEqual({
      email: 'priya.natarajan@example.com',
      role: 'ADMIN',
      fullName: 'Priya Natarajan',
      phoneNumber: '+447700900123',
      status: 'PENDING',
    });
    expect(errors).toEqual([]);
  });

  test('an email the API refuses is shown beside the Email field, with the API’s message; nothing is created', async () => {
    const realm = await createRealm(server);
    await person(realm.id, 'Taken Already', 'taken', 'taken@example.com');
    const { page, errors } = await openConsole(context, { realm: realm.name, view: 'invitations' });
    await page.getByRole('button', { name: 'Invite user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite user' });
    const email = dialog.getByLabel('Email');
    await email.fill('taken@example.com');
    await dialog.getByRole('group', { name: 'Role' }).getByRole('radio', { name: 'Grantee' }).check();
    await dialog.getByLabel('Full name').fill('Someone Else');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();

    await waitForAttribute(email, 'aria-invalid', 'true');
    // The API's own words for this refusal (asked again: it is refused again, and creates nothing).
    const refused = await server.graphql(`mutation($input: InviteIdentityInput!) { inviteIdentity(input: $input) { invitation { id } } }`, {
      input: { realmId: realm.id, email: 'taken@example.com', role: 'GRANTEE' },
    });
    expect(refused.errors?.[0].extensions.inputPath).toEqual(['input', 'email']);
    const shown = await description(email);
    expect(shown.text).toContain(refused.errors![0].message);
    expect(shown.inSameDialog).toBe(true);
    // Only the field the error names is marked.
    expect(await dialog.getByLabel('Full name').getAttribute('aria-invalid')).not.toBe('true');
    expect(await dialog.isVisible()).toBe(true);

    expect((await invitationsOf(realm.id)).totalCount).toBe(0);
    expect(errors).toEqual([]);
  });

  test('creates a group with two people picked through the search box of the member picker, one by keyboard, one by click', async () => {
    const realm = await createRealm(server);
    const ann = await person(realm.id, 'Ann Example', 'ann');
    const bob = await person(realm.id, 'Bob Lindqvist', 'bob');
    await person(realm.id, 'Carl Lindgren', 'carl');
    await person(realm.id, 'Dora Stranger', 'dora');
    const { page, errors } = await openConsole(context, { realm: realm.name, view: 'groups' });
    await page.getByRole('heading', { name: 'Groups', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Create group' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create group' });
    await dialog.getByLabel('Group name').fill('Engineering');
    await dialog.getByLabel('Description').fill('People who build things');
    const picker = dialog.getByRole('combobox', { name: 'Members' });

    // Part of a surname that only Ann has, then the keyboard alone.
    await picker.pressSequentially('xamp', { delay: 30 });
    await onlyOptions(page, ['Ann Example'], ['Bob Lindqvist', 'Carl Lindgren', 'Dora Stranger']);
    await picker.press('ArrowDown');
    await picker.press('Enter');
    await dialog.getByRole('button', { name: 'Remove Ann Example' }).waitFor();
    // Enter chose Ann; it did not send the form.
    expect(await dialog.isVisible()).toBe(true);

    // Part of two surnames: Bob's is chosen by a click.
    await picker.fill('');
    await picker.pressSequentially('Lind', { delay: 30 });
    await onlyOptions(page, ['Bob Lindqvist', 'Carl Lindgren'], ['Dora Stranger']);
    const bobOption = page.getByRole('option', { name: /Bob Lindqvist/ });
    expect(await bobOption.textContent()).toContain('bob@corp.test');
    await bobOption.click();
    await dialog.getByRole('button', { name: 'Remove Bob Lindqvist' }).waitFor();
    expect(await dialog.getByRole('button', { name: /^Remove / }).count()).toBe(2);

    await dialog.getByRole('button', { name: 'Create group' }).click();
    // The console opens the new group's page.
    await page.getByRole('heading', { level: 2, name: 'Engineering', exact: true }).waitFor();
    const created = (await groupsOf(realm.id)).filter((group) => group.name === 'Engineering');
    expect(created).toEqual([{ id: expect.any(String), name: 'Engineering', description: 'People who build things' }]);
    expect(await membersOf(created[0].id)).toEqual([ann.id, bob.id].sort());
    expect(errors).toEqual([]);
  });

  test('a group’s page shows a member added through the API without a reload, and removes a member after a confirmation', async () => {
    const realm = await createRealm(server);
    const ann = await person(realm.id, 'Ann Example', 'ann');
    const bob = await person(realm.id, 'Bob Lindqvist', 'bob');
    const group = await createGroup(server, realm.id, 'Engineering', [ann.id]);
    const { page, errors } = await openConsole(context, { realm: realm.name, view: 'group', id: group.id });
    await page.getByRole('heading', { level: 2, name: 'Engineering', exact: true }).waitFor();
    await rowOf(page, 'Members', 'Ann Example').waitFor();
    await waitForState(page, ['live']);
    await markWindow(page);

    await addMembers(server, group.id, [bob.id]);
    await rowOf(page, 'Members', 'Bob Lindqvist').waitFor();
    expect(await stillUnreloaded(page)).toBe(true);

    // Asked to confirm; Cancel leaves Ann in.
    const removeAnn = table(page, 'Members').getByRole('button', { name: 'Remove Ann Example' });
    await removeAnn.click();
    const confirmation = page.getByRole('alertdialog', { name: 'Remove Ann Example from Engineering?' });
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    await confirmation.waitFor({ state: 'hidden' });
    expect(await membersOf(group.id)).toEqual([ann.id, bob.id].sort());

    await removeAnn.click();
    await confirmation.getByRole('button', { name: 'Remove', exact: true }).click();
    await rowOf(page, 'Members', 'Ann Example').waitFor({ state: 'detached' });
    expect(await membersOf(group.id)).toEqual([bob.id]);
    expect(await dataRows(page, 'Members').count()).toBe(1);
    expect(await stillUnreloaded(page)).toBe(true);
    expect(errors).toEqual([]);
  });

  test('adds a member with the group page’s "Add members" picker, choosing by ArrowDown and Enter', async () => {
    const realm = await createRealm(server);
    const ann = await person(realm.id, 'Ann Example', 'ann');
    const bob = await person(realm.id, 'Bob Lindqvist', 'bob');
    const group = await createGroup(server, realm.id, 'Engineering', [ann.id]);
    const { page, errors } = await openConsole(context, { realm: realm.name, view: 'group', id: group.id });
    await rowOf(page, 'Members', 'Ann Example').waitFor();

    const picker = page.getByRole('combobox', { name: 'Add members' });
    await picker.pressSequentially('lindq', { delay: 30 });
    await onlyOptions(page, ['Bob Lindqvist'], ['Ann Example']);
    await picker.press('ArrowDown');
    await picker.press('Enter');
    await page.getByRole('button', { name: 'Remove Bob Lindqvist' }).waitFor();
    await page.getByRole('button', { name: 'Add', exact: true }).click();

    await rowOf(page, 'Members', 'Bob Lindqvist').waitFor();
    expect(await membersOf(group.id)).toEqual([ann.id, bob.id].sort());
    expect(errors).toEqual([]);
  });

  test('a token without groups:write is shown no "Create group" button (an admin token is)', async () => {
    const realm = await createRealm(server);
    await createGroup(server, realm.id, 'Engineering');
    const admin = await openConsole(context, { realm: realm.name, view: 'groups' });
    await rowOf(admin.page, 'Groups', 'Engineering').waitFor();
    await admin.page.getByRole('button', { name: 'Create group' }).waitFor();
    await admin.page.close();

    const { token } = await server.createToken(['realms:read', 'groups:read', 'identities:read', 'events:read'], realm.id);
    const readOnly = await browser.newContext();
    try {
      readOnly.setDefaultTimeout(patience);
      const { page, errors } = await openConsole(readOnly, { realm: realm.name, token, view: 'groups' });
      await rowOf(page, 'Groups', 'Engineering').waitFor();
      expect(await page.getByRole('button', { name: 'Create group' }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await readOnly.close();
    }
  });

  test('the identities search finds a person by a part of the email that is in no name', async () => {
    const realm = await createRealm(server);
    await person(realm.id, 'Dana Whitfield', 'dwhitfield', 'd.w.orchid@corp.test');
    await person(realm.id, 'Eli Other', 'eother', 'eli@corp.test');
    await person(realm.id, 'Fay Third', 'fthird', 'fay@corp.test');
    const { page, errors } = await openConsole(context, { realm: realm.name });
    await rowOf(page, 'Identities', 'Eli Other').waitFor();

    await page.getByRole('searchbox', { name: 'Search identities' }).pressSequentially('orchi', { delay: 30 });
    await rowOf(page, 'Identities', 'Eli Other').waitFor({ state: 'detached' });
    await rowOf(page, 'Identities', 'Dana Whitfield').waitFor();
    expect(await dataRows(page, 'Identities').count()).toBe(1);
    await page.getByText('1–1 of 1').waitFor();

    // Each name links to the identity's page.
    await table(page, 'Identities').getByRole('link', { name: 'Dana Whitfield' }).click();
    await page.getByRole('heading', { level: 2, name: 'Dana Whitfield', exact: true }).waitFor();
    expect(errors).toEqual([]);
  });

  test('a lost connection is shown, and once it is back the group’s page catches up with what happened meanwhile', async () => {
    const realm = await createRealm(server);
    const ann = await person(realm.id, 'Ann Example', 'ann');
    const bob = await person(realm.id, 'Bob Lindqvist', 'bob');
    const group = await createGroup(server, realm.id, 'Engineering', [ann.id]);
    const network = await flakyNetwork(Number(new URL(server.url).port));
    try {
      const { page, errors } = await openConsole(context, { realm: realm.name, view: 'group', id: group.id }, network.url);
      await rowOf(page, 'Members', 'Ann Example').waitFor();
      await waitForState(page, ['live']);
      await markWindow(page);

      network.cut();
      await waitForState(page, ['reconnecting', 'offline']);
      expect(await connectionStatus(page).textContent()).toMatch(/Reconnecting…|Offline/);
      await addMembers(server, group.id, [bob.id]);

      network.restore();
      await waitForState(page, ['live']);
      expect(await connectionStatus(page).textContent()).toContain('Live');
      await rowOf(page, 'Members', 'Bob Lindqvist').waitFor();
      expect(await stillUnreloaded(page)).toBe(true);
      // A dropped connection makes the browser log the failed socket and requests; nothing else.
      expect(errors.filter((error) => !/WebSocket|ERR_CONNECTION|Failed to fetch|net::/.test(error))).toEqual([]);
    } finally {
      await network.close();
    }
  });

  test('an identity’s page: its groups and duplicates, Suspend after a confirmation (Cancel first changes nothing), its history growing, Delete back to the list', async () => {
    const realm = await createRealm(server);
    const ann = await person(realm.id, 'Ann Example', 'ann');
    // The same person from the identity provider: a suspected duplicate (decision 103 pairs MANUAL with IDP).
    await createIdentity(server, realm.id, { displayName: 'Ann Example', username: 'ann.example', primaryEmail: 'ann@other.test', source: 'IDP', externalId: 'okta-ann' });
    await createGroup(server, realm.id, 'Engineering', [ann.id]);
    const { page, errors } = await openConsole(context, { realm: realm.name });
    await rowOf(page, 'Identities', 'ann@corp.test').getByRole('link', { name: 'Ann Example' }).click();

    await page.getByRole('heading', { level: 2, name: 'Ann Example' }).waitFor();
    await table(page, 'Groups').getByRole('link', { name: 'Engineering' }).waitFor();
    await page.getByRole('heading', { name: 'Possible duplicates' }).waitFor();
    await page.getByText(/ann@other\.test, Identity provider\): same display name/).waitFor();
    const history = page.getByRole('list', { name: 'Recent events' }).getByRole('listitem');
    await history.filter({ hasText: 'Membership added' }).waitFor();
    expect(await page.getByRole('button', { name: 'Reactivate' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Suspend' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Suspend Ann Example?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect((await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { status } } }`, { id: ann.id })).node.status).toBe('ACTIVE');

    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('alertdialog', { name: 'Suspend Ann Example?' }).getByRole('button', { name: 'Suspend' }).click();
    // The payload updates the page: the status, the actions it allows, and (read again) its history.
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    expect(await page.getByRole('button', { name: 'Suspend' }).count()).toBe(0);
    expect((await server.ok(`query($id: ID!) { node(id: $id) { ... on Identity { status } } }`, { id: ann.id })).node.status).toBe('SUSPENDED');
    await history.first().filter({ hasText: 'Identity status changed' }).filter({ hasText: 'status: ACTIVE → SUSPENDED' }).waitFor();

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alertdialog', { name: 'Delete Ann Example?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { level: 2, name: 'Identities' }).waitFor();
    await rowOf(page, 'Identities', 'ann@other.test').waitFor();
    expect(await rowOf(page, 'Identities', 'ann@corp.test').count()).toBe(0);
    expect((await server.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: ann.id })).node).toBeNull();
    expect(errors).toEqual([]);
  });

  test('the audit list: latest first, narrowed by type and by actor, older pages on demand, new events at the top without a reload', async () => {
    const realm = await createRealm(server);
    for (let n = 0; n < 27; n++) await person(realm.id, `Person ${n}`, `person${n}`);
    const writer = await server.createToken(['identities:write', 'groups:write', 'events:read'], realm.id);
    await server.graphql(`mutation($realmId: ID!) { createGroup(input: { realmId: $realmId, name: "Written by the writer" }) { group { id } } }`, { realmId: realm.id }, { authorization: `Bearer ${writer.token}` });
    const { page, errors } = await openConsole(context, { realm: realm.name, view: 'events' });
    const events = page.getByRole('list', { name: 'Events' }).getByRole('listitem');
    await events.first().filter({ hasText: 'Group created' }).waitFor();
    expect(await events.count()).toBe(25);
    await markWindow(page);

    await page.getByRole('button', { name: 'Load older' }).click();
    await events.nth(27).waitFor();
    expect(await events.count()).toBe(28);
    await events.last().filter({ hasText: 'Person 0' }).waitFor();
    expect(await page.getByRole('button', { name: 'Load older' }).count()).toBe(0);

    await page.getByLabel('Event type').selectOption({ label: 'Group created' });
    await page.waitForFunction(() => document.querySelectorAll('ol[aria-label="Events"] li').length === 1);
    await events.first().filter({ hasText: 'Written by the writer' }).waitFor();

    await page.getByLabel('Event type').selectOption({ label: 'All types' });
    await page.getByLabel('Actor').selectOption({ value: writer.id });
    await page.waitForFunction(() => document.querySelectorAll('ol[aria-label="Events"] li').length === 1);

    await page.getByLabel('Actor').selectOption({ label: 'All actors' });
    await events.nth(24).waitFor();
    await createGroup(server, realm.id, 'Made while watching');
    await events.first().filter({ hasText: 'Made while watching' }).waitFor();
    expect(await stillUnreloaded(page)).toBe(true);
    expect(errors).toEqual([]);
  });

  test('the header says what the token may do', async () => {
    const realm = await createRealm(server);
    const { token } = await server.createToken(['groups:write', 'realms:read'], realm.id);
    const { page } = await openConsole(context, { realm: realm.name, token, view: 'groups' });
    await page.getByText('What this token may do').click();
    const scopes = page.getByRole('list', { name: 'What this token may do' }).getByRole('listitem');
    await scopes.first().waitFor();
    expect(await scopes.allTextContents()).toEqual(['realms:read', 'groups:read', 'groups:write']);
    // Sections it may not read are not offered.
    const navigation = page.getByRole('navigation', { name: 'Console' });
    expect(await navigation.getByRole('link').allTextContents()).toEqual(['Groups']);
  });

  describe('what a tester tried to break', () => {
    test('an arrow pressed in the picker before its options come, then Enter, chooses the first option', async () => {
      const realm = await createRealm(server);
      await person(realm.id, 'Ann Example', 'ann');
      const { page, errors } = await openConsole(context, { realm: realm.name, view: 'groups' });
      await page.getByRole('button', { name: 'Create group' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create group' });
      const picker = dialog.getByRole('combobox', { name: 'Members' });
      await picker.focus();
      await picker.press('ArrowDown');
      await dialog.getByRole('listbox').getByRole('option', { name: /Ann Example/ }).waitFor();
      await picker.press('Enter');
      await dialog.getByRole('button', { name: 'Remove Ann Example' }).waitFor();
      expect(errors).toEqual([]);
    });

    test('another realm opens on its own first page, not at the page the last one was on', async () => {
      const many = await createRealm(server);
      for (let n = 0; n < 22; n++) await person(many.id, `Person ${String(n).padStart(2, '0')}`, `p${n}`);
      const few = await createRealm(server);
      await person(few.id, 'Only One', 'only');
      const { page } = await openConsole(context, { realm: many.name });
      await rowOf(page, 'Identities', 'Person 00').waitFor();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText('21–22 of 22').waitFor();
      await page.getByLabel('Realm', { exact: true }).selectOption(few.name);
      await rowOf(page, 'Identities', 'Only One').waitFor();
      await page.getByText('1–1 of 1').waitFor();
    });

    test('a realm named in the address past the first hundred opens too', async () => {
      for (let n = 0; n < 100; n++) await createRealm(server);
      const last = await createRealm(server, `zz-last-${Date.now()}`);
      await person(last.id, 'Zed Last', 'zed');
      const { page } = await openConsole(context, { realm: last.name });
      await rowOf(page, 'Identities', 'Zed Last').waitFor();
      expect(await page.getByLabel('Realm', { exact: true }).inputValue()).toBe(last.name);
    });

    test('Resend clicked twice sends one resend', async () => {
      const realm = await createRealm(server);
      await server.ok(`mutation($realmId: ID!) { inviteIdentity(input: { realmId: $realmId, email: "twice@corp.test", role: GRANTEE }) { invitation { id } } }`, { realmId: realm.id });
      const { page } = await openConsole(context, { realm: realm.name, view: 'invitations' });
      await page.getByRole('button', { name: 'Resend invitation to twice@corp.test' }).dblclick();
      await page.getByRole('button', { name: 'Resend invitation to twice@corp.test' }).and(page.locator(':enabled')).waitFor();
      const resent = await server.ok(`query($id: ID!) { realm(id: $id) { events(last: 10, types: [INVITATION_RESENT]) { totalCount } } }`, { id: realm.id });
      expect(resent.realm.events.totalCount).toBe(1);
    });

    test('an identity or a group of another realm is not shown as this realm’s; it links to its own', async () => {
      const here = await createRealm(server);
      const there = await createRealm(server);
      const ann = await person(there.id, 'Ann Elsewhere', 'ann');
      const group = await createGroup(server, there.id, 'Far away');
      const { page } = await openConsole(context, { realm: here.name, view: 'identity', id: ann.id });
      await page.getByText('This identity is not in this realm').waitFor();
      expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
      await page.getByRole('link', { name: 'Open it there' }).click();
      await page.getByRole('heading', { level: 2, name: 'Ann Elsewhere' }).waitFor();
      expect(new URL(page.url()).searchParams.get('realm')).toBe(there.name);

      await page.goto(consoleUrl(origin(), { realm: here.name, view: 'group', id: group.id, token: null }));
      await page.getByText('This group is not in this realm').waitFor();
      // An ID of the wrong kind is no group at all.
      await page.goto(consoleUrl(origin(), { realm: there.name, view: 'group', id: ann.id, token: null }));
      await page.getByText('There is no such group in this realm').waitFor();
    });

    test('a group deleted elsewhere while its page is open says so at once', async () => {
      const realm = await createRealm(server);
      const ann = await person(realm.id, 'Ann Example', 'ann');
      const group = await createGroup(server, realm.id, 'Short-lived', [ann.id]);
      const { page } = await openConsole(context, { realm: realm.name, view: 'group', id: group.id });
      await rowOf(page, 'Members', 'Ann Example').waitFor();
      await waitForState(page, ['live']);
      await markWindow(page);
      await server.ok(`mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`, { id: group.id });
      await page.getByText('There is no such group in this realm').waitFor();
      expect(await page.getByRole('button', { name: 'Remove Ann Example' }).count()).toBe(0);
      expect(await stillUnreloaded(page)).toBe(true);
    });

    test('a dialog closed with Escape gives the focus back to the button that opened it', async () => {
      const realm = await createRealm(server);
      const { page } = await openConsole(context, { realm: realm.name });
      const add = page.getByRole('button', { name: 'Add identity' });
      await add.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Add identity' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog', { name: 'Add identity' }).waitFor({ state: 'hidden' });
      expect(await add.evaluate((button) => document.activeElement === button)).toBe(true);
    });

    test('a phone typed with 00, brackets or a trunk 0 is sent as the one number it is', async () => {
      const realm = await createRealm(server);
      const { page } = await openConsole(context, { realm: realm.name, view: 'invitations' });
      for (const [email, typed] of [
        ['zeros@corp.test', '0044 7700 900123'],
        ['trunk@corp.test', '(020) 7946 0958'],
      ]) {
        await page.getByRole('button', { name: 'Invite user' }).click();
        const dialog = page.getByRole('dialog', { name: 'Invite user' });
        await dialog.getByLabel('Email').fill(email);
        await dialog.getByLabel('Country code').selectOption({ label: '+44 United Kingdom' });
        await dialog.getByLabel('Phone').fill(typed);
        await dialog.getByRole('button', { name: 'Send invitation' }).click();
        await dialog.waitFor({ state: 'hidden' });
      }
      const phones = Object.fromEntries((await invitationsOf(realm.id)).edges.map((edge: { node: { email: string; phoneNumber: string } }) => [edge.node.email, edge.node.phoneNumber]));
      expect(phones).toEqual({ 'zeros@corp.test': '+447700900123', 'trunk@corp.test': '+442079460958' });
    });
  });
});
