import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { assertEnumType } from 'graphql';
import { ErrorCode, errorCodeDescriptions } from '../../src/common/errors';
import { getSchema } from '../../src/schema/build';

const src = path.join(__dirname, '../../src');

async function sources(dir: string): Promise<Array<{ file: string; text: string }>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => path.join(entry.parentPath, entry.name));
  return Promise.all(files.map(async (file) => ({ file: path.relative(src, file), text: await readFile(file, 'utf8') })));
}

/** Where the codes are defined and published, not raised. errors.ts raises some too, in the helpers after its definitions. */
const definitions = new Set([path.join('common', 'error-code.type.ts'), path.join('server', 'error-code.resolver.ts')]);
const raisingPart = (file: string, text: string) => (file === path.join('common', 'errors.ts') ? text.slice(text.indexOf('export type InputPath')) : text);

/**
 * Apollo Server's codes that only Apollo raises, never our code: what makes it raise them is shown
 * by test/e2e/error-codes.test.ts. PERSISTED_QUERY_NOT_SUPPORTED is not among them: it is the
 * answer of a server with automatic persisted queries off, and that test shows they are on.
 */
const raisedByApolloAlone: readonly string[] = [ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND];

describe('ErrorCode', () => {
  test('the schema’s enum is the TypeScript enum, every value described', async () => {
    const type = assertEnumType((await getSchema()).getType('ErrorCode'));
    expect(type.getValues().map((value) => value.name)).toEqual(Object.values(ErrorCode));
    for (const value of type.getValues()) expect(value.description).toBe(errorCodeDescriptions[value.value as ErrorCode]);
  });

  test('every member is raised somewhere in src/ (or by Apollo Server alone)', async () => {
    const raised = new Set<string>();
    for (const { file, text } of await sources(src)) {
      if (definitions.has(file)) continue;
      for (const match of raisingPart(file, text).matchAll(/\bErrorCode\.([A-Z_]+)\b/g)) raised.add(match[1]);
    }
    const unraised = Object.values(ErrorCode).filter((code) => !raised.has(code));
    expect(unraised).toEqual(raisedByApolloAlone);
  });

  test('every code src/ writes as a literal in an error’s extensions is a member', async () => {
    const members = new Set<string>(Object.values(ErrorCode));
    const strangers: string[] = [];
    for (const { file, text } of await sources(src)) {
      for (const match of text.matchAll(/\bextensions: \{[^}]*?\bcode: ['"`]([A-Z][A-Z_]+)['"`]/g)) if (!members.has(match[1])) strangers.push(`${file}: ${match[1]}`);
    }
    expect(strangers).toEqual([]);
  });

  test('the README’s Errors section names every member, and no other code', async () => {
    const readme = await readFile(path.join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Errors\n'), readme.indexOf('\n## ', readme.indexOf('\n## Errors\n') + 1));
    const table = section.slice(section.indexOf('| Code | When |'));
    const named = new Set([...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((row) => [...row[1].matchAll(/`([A-Z][A-Z_]+)`/g)].map((code) => code[1])));
    expect([...named].sort()).toEqual([...Object.values(ErrorCode)].sort());
  });

  test('Apollo Server’s codes are members, but the one for persisted queries turned off', () => {
    const apollo = Object.values(ApolloServerErrorCode).filter((code) => code !== ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED);
    expect(Object.values(ErrorCode)).toEqual(expect.arrayContaining(apollo));
    expect(Object.values(ErrorCode)).not.toContain(ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED);
  });
});
