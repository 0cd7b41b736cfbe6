import { toGlobalId } from '../../src/common/global-id';
import { NotificationListener } from '../../src/db/notification-listener';
import { createLogger } from '../../src/logger';
import { withTransaction } from '../../src/db/transaction';
import { insertToken, tokenRevokedChannel } from '../../src/auth/api-token.repository';
import { Authenticator } from '../../src/auth/authenticator';
import { bootstrapTokens } from '../../src/auth/bootstrap';
import { TokenCache } from '../../src/auth/token-cache';
import { hashTokenSecret, newTokenSecret } from '../../src/auth/token-secret';
import { CliError, createToken, exitCodes, formatTable, listTokens, parseCommand, revokeToken, runCommand, usage, type Output } from '../../src/auth/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let db: TestDatabase;
let realm: { id: string; uuid: string; name: string };
const adminToken = 'rg_cli_test_admin_token_0123456789abcdef';

beforeAll(async () => {
  db = await createTestDatabase();
  await bootstrapTokens(db.dataSource, adminToken);
  const [row] = await db.dataSource.query(`INSERT INTO realms (name, display_name) VALUES ('acme', 'Acme') RETURNING id`);
  realm = { uuid: row.id, id: toGlobalId('Realm', row.id), name: 'acme' };
});
afterAll(() => db.drop());

/** Runs a command line as `npm run token -- …` would, against the test database; returns what it printed. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const output: Output = { out: (text) => (out += text), err: (text) => (err += text) };
  try {
    const command = parseCommand(argv);
    if (command.command === 'help') return { code: exitCodes.ok, out: usage, err };
    return { code: await runCommand(command, db.dataSource, output), out, err };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { code: error.exitCode, out, err: err + error.message };
  }
}

/** No caching: every call looks the token up, as a server does the first time it sees a token. */
const uncached = new TokenCache({ ttlMs: 0, maxEntries: 0 });

const tokenCount = async (): Promise<number> => (await db.dataSource.query(`SELECT count(*)::integer AS n FROM api_tokens`))[0].n;

describe('create', () => {
  test('prints the secret once, alone on stdout, and the token works for what it was given', async () => {
    const { code, out, err } = await run('create', '--name', 'ci provisioning', '--realm', 'acme', '--scopes', 'identities:write,groups:read');
    expect(code).toBe(0);
    const secret = out.trim();
    expect(secret).toMatch(/^rg_[A-Za-z0-9_-]{43}$/);
    expect(err).toContain('shown this once');
    expect(err).not.toContain(secret);

    const caller = await new Authenticator(db.dataSource, uncached).authenticate(`Bearer ${secret}`, 'test');
    expect(caller.token).toMatchObject({ realmUuid: realm.uuid, actor: { name: 'ci provisioning' } });
    expect([...caller.token!.scopes].sort()).toEqual(['groups:read', 'identities:write']);
    // Only the hash is kept.
    const stored = await db.dataSource.query(`SELECT count(*)::integer AS n FROM api_tokens WHERE position($1::bytea IN token_hash) > 0`, [Buffer.from(secret)]);
    expect(stored[0].n).toBe(0);
  });

  test('--realm takes the realm’s ID too; without it the token reaches every realm', async () => {
    const byId = await createToken(db.dataSource, { name: 'by id', scopes: ['realms:read'], realm: realm.id });
    expect(byId.token.realmUuid).toBe(realm.uuid);
    const everywhere = await createToken(db.dataSource, { name: 'everywhere', scopes: ['realms:read'] });
    expect(everywhere.token.realmUuid).toBeNull();
    expect(everywhere.realmName).toBeNull();
  });

  test('--expires: the token stops working then', async () => {
    const { code, out } = await run('create', '--name', 'short-lived', '--scopes', 'realms:read', '--expires', '2099-01-01');
    expect(code).toBe(0);
    const caller = await new Authenticator(db.dataSource, uncached).authenticate(`Bearer ${out.trim()}`, 'test');
    await db.dataSource.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [caller.token!.uuid]);
    await expect(new Authenticator(db.dataSource, uncached).authenticate(`Bearer ${out.trim()}`, 'test')).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  test.each([
    [['create', '--scopes', 'realms:read'], /--name/],
    [['create', '--name', 'x'], /--scopes/],
    [['create', '--name', 'x', '--scopes', 'realms:read,realms:admin'], /Not a scope: realms:admin/],
    [['create', '--name', 'x', '--scopes', ','], /at least one/],
    [['create', '--name', '', '--scopes', 'realms:read'], /1 to 100/],
    [['create', '--name', 'x', '--scopes', 'realms:read', '--expires', '2020-01-01'], /future/],
    [['create', '--name', 'x', '--scopes', 'realms:read', '--expires', '2099-02-30'], /takes a date/],
    [['create', '--name', 'x', '--scopes', 'realms:read', '--expires', 'tomorrow'], /takes a date/],
    [['create', '--name', 'x', '--scopes', 'realms:read', '--color'], /Unknown option/],
    [['create', '--name', 'okta', '--scopes', 'scim'], /scope scim provisions one realm/],
    [['list', '--name', 'x'], /takes no --name/],
    [['revoke'], /one token ID/],
    [['revoke', 'not-an-id'], /not an API token ID/],
    [['explode'], /Unknown command "explode"/],
  ])('%j: a usage error (exit 2) that says what is wrong, and nothing changes', async (argv, message) => {
    const before = await tokenCount();
    const { code, err } = await run(...argv);
    expect(code).toBe(exitCodes.usage);
    expect(err).toMatch(message);
    expect(await tokenCount()).toBe(before);
  });

  test('a realm that does not exist: refused (exit 1), nothing created', async () => {
    const before = await tokenCount();
    const { code, err } = await run('create', '--name', 'x', '--scopes', 'realms:read', '--realm', 'nowhere');
    expect(code).toBe(exitCodes.failed);
    expect(err).toContain('No realm is named or has the ID "nowhere"');
    expect(await tokenCount()).toBe(before);
  });
});

describe('list', () => {
  test('a table of every token with its realm, scopes and state, and no secret', async () => {
    const created = await createToken(db.dataSource, { name: 'listed', scopes: ['groups:read', 'events:read'], realm: 'acme' });
    const { code, out } = await run('list');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+REALM\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED\s+STATE$/);
    const row = lines.find((line) => line.startsWith(created.token.id));
    expect(row).toMatch(/listed\s+acme\s+groups:read,events:read\s+.+\s+active$/);
    expect(lines.find((line) => line.includes('ADMIN_TOKEN (environment)'))).toMatch(/\(all realms\)\s+all\s/);
    expect(out).not.toContain(created.secret);
    expect(out).not.toContain(adminToken);
    expect(out).not.toMatch(/rg_[A-Za-z0-9_-]{20,}/);
    expect(lines).toHaveLength((await tokenCount()) + 1);
  });

  test('says so when there are none', () => {
    expect(formatTable([])).toBe('No API tokens.\n');
  });

  test('pages through more tokens than one page holds', async () => {
    await db.dataSource.query(
      `INSERT INTO api_tokens (name, scopes, token_hash) SELECT 'bulk ' || n, ARRAY['realms:read'], sha256(('bulk' || n)::bytea) FROM generate_series(1, 1100) AS n`,
    );
    const tokens = await listTokens(db.dataSource);
    expect(tokens).toHaveLength(await tokenCount());
    expect(new Set(tokens.map((token) => token.id)).size).toBe(tokens.length);
    await db.dataSource.query(`DELETE FROM api_tokens WHERE name LIKE 'bulk %'`);
  });
});

describe('revoke', () => {
  test('the token stops working at once; revoking it again says it was', async () => {
    const { token, secret } = await createToken(db.dataSource, { name: 'to revoke', scopes: ['realms:read'] });
    const first = await run('revoke', token.id);
    expect(first.code).toBe(0);
    expect(first.err).toContain('Revoked the API token "to revoke"');
    await expect(new Authenticator(db.dataSource, uncached).authenticate(`Bearer ${secret}`, 'test')).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect((await run('list')).out.split('\n').find((line) => line.startsWith(token.id))).toMatch(/revoked$/);
    const again = await run('revoke', token.id);
    expect(again.code).toBe(0);
    expect(again.err).toContain('was already revoked');
  });

  test('running servers forget the token when the revocation commits: it is notified, not left to their cache’s TTL', async () => {
    const notifications = new NotificationListener(db.url, createLogger('error'));
    await notifications.start();
    try {
      const cache = new TokenCache({ ttlMs: 60_000, maxEntries: 10 });
      await cache.listenTo(notifications);
      const { token, secret } = await createToken(db.dataSource, { name: 'cached, then revoked', scopes: ['realms:read'] });
      await new Authenticator(db.dataSource, cache).authenticate(`Bearer ${secret}`, 'test');
      expect(cache.size).toBe(1);
      // The cache listens on this channel already; this handler comes after its, for the same notification.
      let hear: (uuid: string) => void = () => {};
      const heard = new Promise<string>((resolve) => (hear = resolve));
      await notifications.listen(tokenRevokedChannel, (uuid) => hear(uuid));
      expect((await run('revoke', token.id)).code).toBe(0);
      expect(await heard).toBe(token.uuid);
      expect(cache.size).toBe(0);
      await expect(new Authenticator(db.dataSource, cache).authenticate(`Bearer ${secret}`, 'test')).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    } finally {
      await notifications.stop();
    }
  });

  test('revokes the tokens it created through the API, and theirs, each notified; not the tokens the command made', async () => {
    const root = await createToken(db.dataSource, { name: 'root', scopes: ['tokens:write', 'realms:read'] });
    const beside = await createToken(db.dataSource, { name: 'made beside it', scopes: ['realms:read'] });
    // What createApiToken writes for a token made with `root`, and for one made with that one.
    const child = async (name: string, createdBy: string) => {
      const secret = newTokenSecret();
      const token = await withTransaction(db.dataSource, (tx) =>
        insertToken(tx, { name, realmUuid: null, scopes: ['realms:read'], hash: hashTokenSecret(secret), expiresAt: null, createdBy }),
      );
      return { token, secret };
    };
    const made = await child('made by root', root.token.uuid);
    const madeByMade = await child('made by that one', made.token.uuid);

    const notifications = new NotificationListener(db.url, createLogger('error'));
    await notifications.start();
    try {
      const heard = new Set<string>();
      let all: () => void = () => {};
      const allHeard = new Promise<void>((resolve) => (all = resolve));
      await notifications.listen(tokenRevokedChannel, (uuid) => {
        heard.add(uuid);
        if (heard.size === 3) all();
      });
      const { code, err } = await run('revoke', root.token.id);
      expect(code).toBe(0);
      expect(err).toContain('Revoked the API token "root"');
      expect(err).toContain(`"made by root" (${made.token.id})`);
      expect(err).toContain(`"made by that one" (${madeByMade.token.id})`);
      await allHeard;
      expect([...heard].sort()).toEqual([root.token.uuid, made.token.uuid, madeByMade.token.uuid].sort());
    } finally {
      await notifications.stop();
    }
    for (const secret of [root.secret, made.secret, madeByMade.secret]) {
      await expect(new Authenticator(db.dataSource, uncached).authenticate(`Bearer ${secret}`, 'test')).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
    expect((await new Authenticator(db.dataSource, uncached).authenticate(`Bearer ${beside.secret}`, 'test')).token).not.toBeNull();
  });

  test('an ID no token has: refused (exit 1)', async () => {
    const { code, err } = await run('revoke', toGlobalId('ApiToken', '00000000-0000-4000-8000-000000000000'));
    expect(code).toBe(exitCodes.failed);
    expect(err).toContain('No API token has the ID');
  });

  test('ADMIN_TOKEN’s row is the environment’s: refused, and it still works', async () => {
    const [row] = await db.dataSource.query(`SELECT id FROM api_tokens WHERE from_environment AND revoked_at IS NULL`);
    await expect(revokeToken(db.dataSource, toGlobalId('ApiToken', row.id))).rejects.toThrow(/ADMIN_TOKEN environment variable/);
    expect((await new Authenticator(db.dataSource, uncached).authenticate(`Bearer ${adminToken}`, 'test')).token).not.toBeNull();
  });
});

test('--help, or no command, prints the usage with every scope', async () => {
  for (const argv of [['--help'], ['-h'], []]) {
    const { code, out } = await run(...argv);
    expect(code).toBe(0);
    expect(out).toContain('Usage: npm run token -- <command>');
    expect(out).toContain('tokens:write');
  }
});
