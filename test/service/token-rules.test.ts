import { findUsableToken, type ApiTokenRow } from '../../src/auth/api-token.repository';
import { callerOf } from '../../src/auth/authenticator';
import { bootstrapTokens } from '../../src/auth/bootstrap';
import type { Caller } from '../../src/auth/caller';
import { CliError, createToken, exitCodes, revokeToken } from '../../src/auth/cli';
import type { Scope } from '../../src/auth/scopes';
import { hashTokenSecret } from '../../src/auth/token-secret';
import { ErrorCode } from '../../src/common/errors';
import { createRealm } from '../factories/services';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createTestServices, refusalOf, type TestServices } from '../helpers/services';

/*
 * The token rules (src/auth/token-rules.ts) as their two users apply them: ApiTokenService (the
 * createApiToken and revokeApiToken mutations) and the operator's command (`npm run token`). The
 * same input is refused by both with the same sentence, each naming its own field; what only the
 * API adds — never more than the creator — and what revoking announces (the tokenRevoked seam,
 * after commit, for each token of the tree).
 */

let db: TestDatabase;
let t: TestServices;
beforeAll(async () => {
  db = await createTestDatabase();
  t = await createTestServices(db);
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

/** A token made by the operator's command, authenticated by its secret as a request would be. */
async function operatorToken(options: { name?: string; scopes?: Scope[]; realm?: string; expires?: Date } = {}): Promise<{ row: ApiTokenRow; caller: Caller; secret: string }> {
  const { secret } = await createToken(db.dataSource, { name: options.name ?? 'operator made', scopes: options.scopes ?? ['tokens:write', 'groups:read', 'identities:write'], ...options });
  return { ...(await authenticated(secret)), secret };
}

async function authenticated(secret: string): Promise<{ row: ApiTokenRow; caller: Caller }> {
  const row = await findUsableToken(db.dataSource, hashTokenSecret(secret));
  if (!row) throw new Error('the token does not authenticate');
  return { row, caller: callerOf(row) };
}

const create = (caller: Caller, input: { name: string; scopes: string[]; realmId?: string | null; expiresAt?: Date | null }) =>
  t.services.tokens.create(t.context(caller), input);
const revoke = (caller: Caller, id: string) => t.services.tokens.revoke(t.context(caller), { id });

/** How the command refuses: a usage error (exit 2) or a refusal (exit 1), with its sentence. */
async function commandRefusal(work: Promise<unknown>): Promise<{ exitCode: number; message: string }> {
  const error = await work.then(
    () => {
      throw new Error('expected the command to refuse, but it succeeded');
    },
    (caught: unknown) => caught,
  );
  if (!(error instanceof CliError)) throw error;
  return { exitCode: error.exitCode, message: error.message };
}

const past = new Date(Date.now() - 60_000);

describe('one set of rules for the API and the command', () => {
  const cases: Array<{ what: string; input: { name: string; scopes: string[]; expires?: Date }; field: 'name' | 'scopes' | 'expiresAt'; option: string; index?: number; says: RegExp }> = [
    { what: 'a blank name', input: { name: '   ', scopes: ['groups:read'] }, field: 'name', option: 'name', says: /1 to 100 characters \(it has 0\)/ },
    { what: 'a name of 101 characters', input: { name: 'n'.repeat(101), scopes: ['groups:read'] }, field: 'name', option: 'name', says: /it has 101/ },
    { what: 'a name PostgreSQL cannot store', input: { name: 'nul\u0000byte', scopes: ['groups:read'] }, field: 'name', option: 'name', says: /name/i },
    { what: 'no scope', input: { name: 'none', scopes: [' ', ''] }, field: 'scopes', option: 'scopes', says: /at least one scope: realms:read/ },
    { what: 'an unknown scope', input: { name: 'unknown', scopes: ['groups:read', 'groups:admin'] }, field: 'scopes', option: 'scopes', index: 1, says: /Not a scope: groups:admin\. The scopes are: / },
    { what: 'an expiry in the past', input: { name: 'stale', scopes: ['groups:read'], expires: past }, field: 'expiresAt', option: 'expires', says: /^The expiry must be in the future\.$/ },
  ];

  test.each(cases)('$what: INVALID_INPUT at its input path from the API, a usage error naming --$option from the command, with one sentence', async ({ input, field, option, index, says }) => {
    const { caller } = await operatorToken({ scopes: ['tokens:write', 'groups:read', 'groups:write'] });
    const before = await db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`);

    const api = await refusalOf(create(caller, { name: input.name, scopes: input.scopes, expiresAt: input.expires ?? null }));
    expect(api).toMatchObject({ code: ErrorCode.INVALID_INPUT, inputPath: ['input', field, ...(index === undefined ? [] : [index])] });
    expect(api.message).toMatch(says);

    const command = await commandRefusal(createToken(db.dataSource, { name: input.name, scopes: input.scopes, ...(input.expires ? { expires: input.expires } : {}) }));
    expect(command).toEqual({ exitCode: exitCodes.usage, message: `--${option}: ${api.message}` });

    // Neither made a token.
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`)).toEqual(before);
  });

  test('both trim the name and drop repeated and blank scopes the same way', async () => {
    const { caller } = await operatorToken({ scopes: ['tokens:write', 'groups:read', 'groups:write'] });
    const input = { name: '  CI provisioning  ', scopes: ['groups:read', ' groups:read', '', 'groups:write'] };
    const { apiToken } = await create(caller, input);
    const { token } = await createToken(db.dataSource, input);
    for (const made of [apiToken, token]) expect(made).toMatchObject({ name: 'CI provisioning', scopes: ['groups:read', 'groups:write'] });
  });

  test('the ADMIN_TOKEN’s row is revoked by neither: FORBIDDEN from the API, a refusal from the command, and it keeps working', async () => {
    const adminSecret = 'environment-admin-secret-for-service-tests';
    await bootstrapTokens(db.dataSource, adminSecret);
    const environment = await authenticated(adminSecret);
    expect(environment.row.fromEnvironment).toBe(true);
    const { caller } = await operatorToken({ scopes: ['tokens:write'] });

    const api = await refusalOf(revoke(caller, environment.row.id));
    expect(api).toMatchObject({ code: ErrorCode.FORBIDDEN, inputPath: ['input', 'id'] });
    expect(api.message).toMatch(/ADMIN_TOKEN environment variable/);
    expect(await commandRefusal(revokeToken(db.dataSource, environment.row.id))).toEqual({ exitCode: exitCodes.failed, message: api.message });

    expect(t.seams.revokedTokens).not.toContain(environment.row.uuid);
    await authenticated(adminSecret);
  });
});

describe('what only the API adds: never more than the creator', () => {
  test('a scope the creator lacks is FORBIDDEN at its index (a :write scope grants its :read)', async () => {
    const { caller } = await operatorToken({ scopes: ['tokens:write', 'groups:write'] });
    expect(await refusalOf(create(caller, { name: 'wider', scopes: ['groups:read', 'identities:write'] }))).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      inputPath: ['input', 'scopes', 1],
      message: 'A token cannot grant identities:write, which it does not have itself.',
    });
    const { apiToken } = await create(caller, { name: 'narrower', scopes: ['groups:read'] });
    expect(apiToken.scopes).toEqual(['groups:read']);
  });

  test('a token bound to a realm makes tokens of that realm only; omitted, the child is bound to it too', async () => {
    const realm = await createRealm(t);
    const other = await createRealm(t);
    const { caller } = await operatorToken({ realm: realm.name });
    expect(await refusalOf(create(caller, { name: 'escape', scopes: ['groups:read'], realmId: other.id }))).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      inputPath: ['input', 'realmId'],
    });
    const { apiToken } = await create(caller, { name: 'inherits', scopes: ['groups:read'] });
    expect(apiToken.realmUuid).toBe(realm.uuid);
  });

  test('a child never outlives its creator: a later expiry is FORBIDDEN with the creator’s, none given is the creator’s', async () => {
    const expires = new Date(Date.now() + 3_600_000);
    const { caller, row } = await operatorToken({ expires });
    const refusal = await refusalOf(create(caller, { name: 'longer', scopes: ['groups:read'], expiresAt: new Date(expires.getTime() + 1000) }));
    expect(refusal).toMatchObject({ code: ErrorCode.FORBIDDEN, inputPath: ['input', 'expiresAt'], creatorExpiresAt: row.expiresAt!.toISOString() });
    expect((await create(caller, { name: 'as long', scopes: ['groups:read'] })).apiToken.expiresAt).toEqual(row.expiresAt);
  });

  test('an unknown realm is NOT_FOUND, a realm ID of another type INVALID_ID', async () => {
    const { caller, row } = await operatorToken();
    expect(await refusalOf(create(caller, { name: 'nowhere', scopes: ['groups:read'], realmId: 'UmVhbG06MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw' }))).toMatchObject({
      code: ErrorCode.NOT_FOUND,
      inputPath: ['input', 'realmId'],
    });
    expect(await refusalOf(create(caller, { name: 'typed', scopes: ['groups:read'], realmId: row.id }))).toMatchObject({
      code: ErrorCode.INVALID_ID,
      inputPath: ['input', 'realmId'],
    });
  });

  test('without tokens:write nothing is made: FORBIDDEN', async () => {
    const { caller } = await operatorToken({ scopes: ['groups:write'] });
    expect(await refusalOf(create(caller, { name: 'no right', scopes: ['groups:read'] }))).toMatchObject({ code: ErrorCode.FORBIDDEN });
  });

  test('a creator revoked meanwhile makes nothing: the service rereads it under lock, whatever the request authenticated', async () => {
    const { caller, row } = await operatorToken();
    await revokeToken(db.dataSource, row.id);
    expect(await refusalOf(create(caller, { name: 'orphan', scopes: ['groups:read'] }))).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    expect(await db.dataSource.query(`SELECT 1 FROM api_tokens WHERE name = 'orphan'`)).toEqual([]);
  });
});

describe('revoking through the API', () => {
  test('revokes the token and its descendants, announces each through tokenRevoked after the commit, and they stop authenticating', async () => {
    const { caller: operator } = await operatorToken();
    const parent = await create(operator, { name: 'parent', scopes: ['tokens:write', 'groups:read'] });
    const parentCaller = (await authenticated(parent.token)).caller;
    const child = await create(parentCaller, { name: 'child', scopes: ['tokens:write', 'groups:read'] });
    const grandchild = await create((await authenticated(child.token)).caller, { name: 'grandchild', scopes: ['groups:read'] });
    const sibling = await create(operator, { name: 'sibling', scopes: ['groups:read'] });

    // At each announcement, what another connection reads: the revocation must be committed by then.
    const seenRevoked: Array<{ uuid: string; committed: Promise<boolean> }> = [];
    t.seams.onTokenRevoked((uuid) => {
      seenRevoked.push({ uuid, committed: t.readNow(`SELECT revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE id = $1`, [uuid]).then(([row]) => row.revoked) });
    });
    const already = t.seams.revokedTokens.length;

    const result = await revoke(operator, parent.apiToken.id);
    expect(result.apiToken).toMatchObject({ id: parent.apiToken.id, revokedAt: expect.any(Date) });
    expect(result.revokedDescendants.map((token) => token.name).sort()).toEqual(['child', 'grandchild']);

    const tree = [parent, child, grandchild].map((made) => made.apiToken.uuid);
    expect([...t.seams.revokedTokens.slice(already)].sort()).toEqual([...tree].sort());
    expect(await Promise.all(seenRevoked.map((seen) => seen.committed))).toEqual(tree.map(() => true));
    for (const made of [parent, child, grandchild]) expect(await findUsableToken(db.dataSource, hashTokenSecret(made.token))).toBeUndefined();
    await authenticated(sibling.token);
  });

  test('a token of another realm does not exist to a realm-bound caller: NOT_FOUND, nothing revoked or announced', async () => {
    const realm = await createRealm(t);
    const other = await createRealm(t);
    const { caller: mine } = await operatorToken({ realm: realm.name, scopes: ['tokens:write'] });
    const { row: theirs, secret } = await operatorToken({ realm: other.name, scopes: ['tokens:write'] });
    const already = t.seams.revokedTokens.length;
    expect(await refusalOf(revoke(mine, theirs.id))).toMatchObject({ code: ErrorCode.NOT_FOUND, inputPath: ['input', 'id'] });
    expect(t.seams.revokedTokens.length).toBe(already);
    await authenticated(secret);
  });

  test('the command revokes the same tree, and says when the token itself was revoked already', async () => {
    const { caller: operator, row } = await operatorToken();
    const child = await create(operator, { name: 'made through the API', scopes: ['groups:read'] });
    const first = await revokeToken(db.dataSource, row.id);
    expect(first).toMatchObject({ already: false, descendants: [expect.objectContaining({ uuid: child.apiToken.uuid })] });
    expect(await findUsableToken(db.dataSource, hashTokenSecret(child.token))).toBeUndefined();
    expect(await revokeToken(db.dataSource, row.id)).toMatchObject({ already: true, descendants: [] });
  });
});
