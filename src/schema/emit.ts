import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printSchema, lexicographicSortSchema } from 'graphql';
import { getSchema } from './build';

/** The committed SDL: sorted, so that a diff shows what changed and not where type-graphql put it. */
export async function printSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await getSchema()))}\n`;
}

export const sdlPath = path.resolve(__dirname, '../../', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '.', 'schema/schema.graphql');

if (require.main === module) {
  printSdl()
    .then((sdl) => writeFile(sdlPath, sdl))
    .then(() => process.stdout.write(`wrote ${sdlPath}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    });
}
