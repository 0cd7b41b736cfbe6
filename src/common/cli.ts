import { ConfigError } from '../config';

/** Runs a command-line entry point: exits with its code once stdout and stderr are flushed. */
export function runCommand(main: () => Promise<number>, failure: string, failureCode = 1): void {
  main().then(exitFlushed, (error: unknown) => {
    const message = error instanceof ConfigError ? `Configuration: ${error.message}` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`${failure} ${message}\n`);
    exitFlushed(failureCode);
  });
}

function exitFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
