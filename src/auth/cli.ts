import 'reflect-metadata';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { parseGlobalId } from '../common/global-id';
import { loadConfig } from '../config';
import { runCommand as runCli } from '../common/cli';
import { openDatabase, type Database } from '../db/database';
import type { Queryable } from '../db/queryable';
import { withTransaction } from '../db/transaction';
import { Writes } from '../db/writes';
import { createLogger } from '../logger';
import { RealmService } from '../realm/realm.service';
import { requestContext, type Context } from '../common/context';
import { AppError, ErrorCode } from '../common/errors';
import { cursorValues } from '../common/pagination';
import { apiTokenOrdering, findTokenPage, insertToken, lockToken, revokeTree, type ApiTokenRow } from './api-token.repository';
import { Caller } from './caller';
import { scopeDescriptions, scopes } from './scopes';
import { refuseEnvironmentToken, refuseUnboundScim, tokenExpiry, tokenName, tokenScopes } from './token-rules';
import { hashTokenSecret, newTokenSecret } from './token-secret';

/**
 * `npm run token -- …`: API tokens from the shell, for the operator who has the database but no
 * token yet (or lost the first one). It opens the database as the server does (DATABASE_URL, or the
 * embedded PostgreSQL under DATA_DIR, shared with a running server) and writes through the token
 * repository, each command in one transaction.
 */

/** Exit codes: 0 done, 1 refused or failed (nothing changed), 2 the command line is wrong. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** An expected failure: its message is for the operator, and nothing was changed. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitCodes.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usage = `Usage: npm run token -- <command> [options]

Commands:
  create --name <name> --scopes <scope,scope,...> [--realm <realm name or ID>] [--expires <date>]
                 Creates a token and prints its secret, once: it is stored only as a hash.
                 Without --realm the token reaches every realm. --expires takes a date
                 (2027-01-01) or a date-time (2027-01-01T12:00:00Z); without it, it never expires.
  list           Lists the tokens (never their secrets): ID, name, realm, scopes, dates, state.
  revoke <id>    Revokes a token, and the tokens it created through the API (and theirs): they
                 stop working at once, and their WebSocket connections close (within
                 JOB_INTERVAL_MS on a running server). Tokens made here have no creator: revoking
                 one token never revokes another made with this command.
  -h, --help     Shows this help.

Scopes (a :write scope includes its :read):
${scopes.map((scope) => `  ${scope.padEnd(18)} ${scopeDescriptions[scope]}`).join('\n')}

Exit codes: 0 done, 1 refused or failed (nothing changed), 2 the command line is wrong.
The database is the server's: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR.
`;

export interface CreateTokenOptions {
  readonly name: string;
  readonly scopes: readonly string[];
  /** A realm's name or global ID; omitted: all realms. */
  readonly realm?: string;
  /** When it stops working; omitted: never. */
  readonly expires?: Date;
}

export interface CreatedToken {
  readonly token: ApiTokenRow;
  /** The secret: shown this once. */
  readonly secret: string;
  readonly realmName: string | null;
}

/** Creates a token, in one transaction; the secret is returned and stored nowhere. */
export async function createToken(dataSource: DataSource, options: CreateTokenOptions, now: Date = new Date()): Promise<CreatedToken> {
  const { name, scopes: wanted, expires } = asOptions(() => ({
    name: tokenName(options.name, ['name']),
    scopes: tokenScopes(options.scopes, ['scopes']),
    expires: tokenExpiry(options.expires, ['expires'], now),
  }));
  const realm = options.realm === undefined ? null : await findRealm(dataSource, options.realm);
  asOptions(() => refuseUnboundScim(wanted, realm?.uuid ?? null, ['realm']));
  const secret = newTokenSecret();
  // A realm deleted meanwhile fails the token's foreign key: nothing is created.
  return withTransaction(dataSource, async (tx) => {
    const token = await insertToken(tx, {
      name,
      realmUuid: realm?.uuid ?? null,
      scopes: wanted,
      hash: hashTokenSecret(secret),
      expiresAt: expires,
      createdBy: null,
    });
    return { token, secret, realmName: realm?.name ?? null };
  });
}

/** The token rules (src/auth/token-rules.ts), their refusals said with the command's options: a usage error. */
function asOptions<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof AppError && error.code === ErrorCode.INVALID_INPUT)) throw error;
    const option = error.extensions.inputPath instanceof Array ? `--${String(error.extensions.inputPath[0])}` : 'the command';
    throw new CliError(`${option}: ${error.message}`, exitCodes.usage);
  }
}

/** The operator's request context: every realm, through the realm service as any edge reads them. */
function operatorContext(db: Queryable): Context {
  return requestContext(db, { requestId: 'token-command', caller: Caller.operator, cache: true, limits: { maxPageSize: 500, defaultPageSize: 500 } });
}

const realmsOf = (db: DataSource) => new RealmService(new Writes(db));

/** A realm by its name or its global ID. */
async function findRealm(db: DataSource, nameOrId: string): Promise<{ uuid: string; name: string }> {
  const parsed = parseGlobalId(nameOrId);
  const ctx = operatorContext(db);
  const realm = parsed?.type === 'Realm' ? await realmsOf(db).get(ctx, parsed.uuid) : await realmsOf(db).find(ctx, { name: nameOrId.trim() });
  if (!realm) throw new CliError(`No realm is named or has the ID "${nameOrId}".`);
  return realm;
}

/** Every token, oldest first (as the API lists them), with its realm's name. */
export async function listTokens(db: DataSource): Promise<Array<ApiTokenRow & { realmName: string | null }>> {
  const tokens: ApiTokenRow[] = [];
  let cursor: string[] | null = null;
  for (;;) {
    const page = await findTokenPage(db, null, { forward: true, limit: 500, cursor, hasCursor: cursor !== null });
    tokens.push(...page.slice(0, 500));
    if (page.length <= 500) break;
    cursor = cursorValues(apiTokenOrdering, page[499]);
  }
  const realmUuids = [...new Set(tokens.flatMap((token) => (token.realmUuid ? [token.realmUuid] : [])))];
  const ctx = operatorContext(db);
  const realms = realmsOf(db);
  const names = new Map((await Promise.all(realmUuids.map((uuid) => realms.get(ctx, uuid)))).flatMap((realm) => (realm ? [[realm.uuid, realm.name] as const] : [])));
  return tokens.map((token) => ({ ...token, realmName: token.realmUuid ? (names.get(token.realmUuid) ?? token.realmUuid) : null }));
}

/**
 * Revokes a token by its ID, and the tokens it created (revokeTree), in one transaction. ADMIN_TOKEN's
 * row is managed by the environment. `already`: the token itself was revoked before (its
 * descendants that still worked are revoked now, and listed).
 */
export async function revokeToken(dataSource: DataSource, id: string): Promise<{ token: ApiTokenRow; already: boolean; descendants: ApiTokenRow[] }> {
  const parsed = parseGlobalId(id.trim());
  if (parsed?.type !== 'ApiToken') throw new CliError(`"${id}" is not an API token ID (the first column of \`npm run token -- list\`).`, exitCodes.usage);
  return withTransaction(dataSource, async (tx) => {
    const current = await lockToken(tx, parsed.uuid);
    if (!current) throw new CliError(`No API token has the ID "${id}".`);
    try {
      refuseEnvironmentToken(current, ['id']);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const revoked = await revokeTree(tx, parsed.uuid);
    const root = revoked.find((token) => token.uuid === parsed.uuid);
    return { token: root ?? current, already: root === undefined, descendants: revoked.filter((token) => token.uuid !== parsed.uuid) };
  });
}

/** The state a token is in at `now`. */
export function stateOf(token: Pick<ApiTokenRow, 'revokedAt' | 'expiresAt'>, now: Date = new Date()): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

const day = (date: Date | null) => (date === null ? '-' : date.toISOString().slice(0, 16).replace('T', ' '));

/** The tokens as a table for a terminal: never a secret (the rows do not have one). */
export function formatTable(tokens: ReadonlyArray<ApiTokenRow & { realmName: string | null }>, now: Date = new Date()): string {
  if (tokens.length === 0) return 'No API tokens.\n';
  const header = ['ID', 'NAME', 'REALM', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'];
  const rows = tokens.map((token) => [
    token.id,
    token.fromEnvironment ? `${token.name} (environment)` : token.name,
    token.realmName ?? '(all realms)',
    token.scopes.length === scopes.length ? 'all' : token.scopes.join(','),
    day(token.createdAt),
    day(token.expiresAt),
    day(token.lastUsedAt),
    stateOf(token, now),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

type Command =
  | { command: 'help' }
  | { command: 'create'; options: CreateTokenOptions }
  | { command: 'list' }
  | { command: 'revoke'; id: string };

/** The command line, checked before the database is opened. */
export function parseCommand(argv: readonly string[], now: Date = new Date()): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof cliOptions; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: cliOptions, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), exitCodes.usage);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { command: 'help' };
  const [command, ...rest] = positionals;
  const unused = (names: Array<keyof typeof values>) => {
    const given = names.filter((name) => values[name] !== undefined);
    if (given.length > 0) throw new CliError(`\`${command}\` takes no ${given.map((name) => `--${name}`).join(', ')}.`, exitCodes.usage);
  };
  switch (command) {
    case 'create': {
      if (rest.length > 0) throw new CliError(`\`create\` takes options only, not "${rest.join(' ')}".`, exitCodes.usage);
      if (values.name === undefined) throw new CliError('`create` needs --name.', exitCodes.usage);
      if (values.scopes === undefined) throw new CliError('`create` needs --scopes (comma-separated).', exitCodes.usage);
      return {
        command: 'create',
        // Checked here too, so that a typo does not wait for the database to start.
        options: {
          ...asOptions(() => ({ name: tokenName(values.name!, ['name']), scopes: tokenScopes(values.scopes!.split(','), ['scopes']) })),
          ...(values.realm !== undefined ? { realm: values.realm } : {}),
          ...(values.expires !== undefined ? { expires: parseExpiry(values.expires, now) } : {}),
        },
      };
    }
    case 'list':
      unused(['name', 'scopes', 'realm', 'expires']);
      if (rest.length > 0) throw new CliError('`list` takes no arguments.', exitCodes.usage);
      return { command: 'list' };
    case 'revoke':
      unused(['name', 'scopes', 'realm', 'expires']);
      if (rest.length !== 1) throw new CliError('`revoke` takes one token ID.', exitCodes.usage);
      return { command: 'revoke', id: rest[0] };
    default:
      throw new CliError(`Unknown command "${command}". The commands are create, list and revoke.`, exitCodes.usage);
  }
}

const cliOptions = {
  name: { type: 'string' },
  scopes: { type: 'string' },
  realm: { type: 'string' },
  expires: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A date (midnight UTC) or a date-time with its zone; one that exists, in the future. */
function parseExpiry(value: string, now: Date): Date {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const wellFormed = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  const date = new Date(iso);
  // JavaScript turns 2027-02-30 into March 2nd: the day must exist as written.
  const dayExists = wellFormed !== null && new Date(`${wellFormed[1]}T00:00:00Z`).toISOString().startsWith(wellFormed[1]);
  if (!wellFormed || Number.isNaN(date.getTime()) || !dayExists) {
    throw new CliError(`--expires takes a date (2027-01-01) or a date-time with its zone (2027-01-01T12:00:00Z), not "${value}".`, exitCodes.usage);
  }
  return asOptions(() => tokenExpiry(date, ['expires'], now))!;
}

/** Runs one command against an open database; returns the exit code. */
export async function runCommand(command: Exclude<Command, { command: 'help' }>, dataSource: DataSource, output: Output): Promise<number> {
  switch (command.command) {
    case 'create': {
      const { token, secret, realmName } = await createToken(dataSource, command.options);
      output.err(
        [
          `Created the API token "${token.name}" (${token.id}) for ${realmName === null ? 'all realms' : `the realm "${realmName}"`}, ` +
            `with ${token.scopes.join(', ')}${token.expiresAt ? `, until ${token.expiresAt.toISOString()}` : ''}.`,
          'Its secret follows, shown this once: it is stored only as a hash. Send it as `Authorization: Bearer <secret>`.',
          '',
        ].join('\n'),
      );
      // The secret alone on stdout, so that `npm run -s token -- create … > file` keeps just it.
      output.out(`${secret}\n`);
      return exitCodes.ok;
    }
    case 'list':
      output.out(formatTable(await listTokens(dataSource)));
      return exitCodes.ok;
    case 'revoke': {
      const { token, already, descendants } = await revokeToken(dataSource, command.id);
      const lines = [
        already
          ? `The API token "${token.name}" (${token.id}) was already revoked, at ${token.revokedAt!.toISOString()}.`
          : `Revoked the API token "${token.name}" (${token.id}).`,
        ...(descendants.length > 0
          ? [`Revoked with it, as tokens it created (or they did): ${descendants.map((child) => `"${child.name}" (${child.id})`).join(', ')}.`]
          : []),
        ...(already && descendants.length === 0
          ? []
          : ['Requests with them now get UNAUTHENTICATED; a running server closes their WebSocket connections within JOB_INTERVAL_MS.']),
      ];
      output.err(lines.join('\n') + '\n');
      return exitCodes.ok;
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const output: Output = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    output.err(`${error.message}\n\n${usage}`);
    return error.exitCode;
  }
  if (command.command === 'help') {
    output.out(usage);
    return exitCodes.ok;
  }

  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', (line) => process.stderr.write(line + '\n'));
  let database: Database | undefined;
  let interrupted: NodeJS.Signals | undefined;
  // On Ctrl-C the PostgreSQL this command may have started itself is stopped, not left running (decision 17).
  const stopOn = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    output.err(`\n${signal}: stopping.\n`);
    if (database) void database.close().finally(() => process.exit(128 + os.constants.signals[signal]));
  };
  process.once('SIGINT', stopOn);
  process.once('SIGTERM', stopOn);
  try {
    database = await openDatabase(config, logger);
    if (interrupted) return 128 + os.constants.signals[interrupted];
    return await runCommand(command, database.dataSource, output);
  } catch (error) {
    if (error instanceof CliError) {
      output.err(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  } finally {
    await database?.close().catch(() => {});
    process.removeListener('SIGINT', stopOn);
    process.removeListener('SIGTERM', stopOn);
  }
}

if (require.main === module) runCli(() => main(process.argv.slice(2)), 'The token command failed; nothing was changed.', exitCodes.failed);
