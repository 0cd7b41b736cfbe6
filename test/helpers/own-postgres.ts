import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './net';

/**
 * A PostgreSQL of one test file's own, in a temporary directory on a free port, for tests that
 * freeze, stop and restart it: never the shared one the other files use. The cluster runs under a
 * helper process (test/helpers/own-postgres-process.ts); freezing signals its processes directly.
 */
export interface OwnPostgres {
  /** The URL of its `realmgraph` database. */
  readonly url: string;
  readonly port: number;
  /** SIGSTOPs the postmaster and every backend: the server keeps its connections and answers nothing. */
  freeze(): Promise<void>;
  /** SIGCONTs what `freeze` stopped. */
  thaw(): Promise<void>;
  /** Shuts the cluster down (its clients see their connections end, then refused). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory (running already: nothing). */
  start(): Promise<void>;
  /** Thaws, stops and deletes it. */
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'realmgraph-own-pg-'));
  const port = await freePort();
  const helper = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'own-postgres-process.ts'), dataDir, String(port)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => helper.once('exit', () => resolve()));
  const answers = createInterface({ input: helper.stdout! })[Symbol.asyncIterator]();
  let queue: Promise<unknown> = Promise.resolve();
  const command = (name: string): Promise<string> => {
    const answer = queue.then(async () => {
      helper.stdin!.write(`${name}\n`);
      const { value, done } = await answers.next();
      if (done) throw new Error(`the PostgreSQL helper exited during "${name}"`);
      if (!String(value).startsWith('ok ')) throw new Error(`PostgreSQL helper, "${name}": ${value}`);
      return String(value).slice(3);
    });
    queue = answer.catch(() => {});
    return answer;
  };

  const url = await command('start');
  let frozen: number[] = [];
  const thaw = async () => {
    for (const pid of frozen) signal(pid, 'SIGCONT');
    frozen = [];
  };

  return {
    url,
    port,
    freeze: async () => {
      const postmaster = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      // The postmaster first, so that it forks no new backend while the others are being stopped.
      signal(postmaster, 'SIGSTOP');
      frozen = [postmaster, ...(await childrenOf(postmaster))];
      for (const pid of frozen) signal(pid, 'SIGSTOP');
    },
    thaw,
    stop: async () => {
      await command('stop');
    },
    start: async () => {
      await command('start');
    },
    destroy: async () => {
      await thaw();
      helper.stdin!.end();
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The processes whose parent is `pid`, from /proc (the fourth field of /proc/<pid>/stat, after the name in parentheses). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === pid) children.push(Number(entry));
  }
  return children;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // It exited meanwhile.
  }
}
