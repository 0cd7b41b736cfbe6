import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { testAdminToken } from './server';

/** The real entry point (`npm start` runs `node dist/src/main.js`; `npm test` builds it first). */
export const mainScript = path.join(__dirname, '../../dist/src/main.js');

export interface ServerProcess {
  readonly child: ChildProcess;
  /** The /graphql URL the process printed. */
  readonly url: string;
  /** Its stdout and stderr, line by line. */
  readonly output: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** POSTs an operation with the admin token (or `token`) and returns the parsed answer. */
  query(document: string, variables?: Record<string, unknown>, token?: string): Promise<any>;
}

/** Starts the server as a child process on a free loopback port; resolves once it is serving. */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  if (!existsSync(mainScript)) throw new Error(`${mainScript} is missing: run \`npm run build\` (npm test does it first).`);
  const child = spawn(process.execPath, [mainScript], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ADMIN_TOKEN: testAdminToken, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        output.push(line);
        if (!line.includes('"realmgraph is serving"')) continue;
        const url: string = JSON.parse(line).graphql;
        resolve({ child, url, output, exited, query: (document, variables, token) => query(url, document, variables, token) });
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    void exited.then((code) => reject(new Error(`the server exited (${code}) before serving:\n${output.join('\n')}`)));
  });
}

async function query(url: string, document: string, variables: Record<string, unknown> = {}, token = testAdminToken): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document, variables }),
  });
  return response.json();
}
