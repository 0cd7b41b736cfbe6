import type { Logger } from '../logger';

/** Background work that finds its own work in the database: one pass per run. */
export interface Job {
  readonly name: string;
  run(): Promise<void>;
}

export interface Jobs {
  /** Runs a job now (e.g. after a commit that gave it work) instead of at its next tick. */
  wake(name: string): void;
  /** Stops the timers and waits for runs in progress. */
  stop(): Promise<void>;
}

/**
 * Runs every job every `intervalMs`, never two runs of one job at once. Jobs are safe to run on
 * every instance at the same time: each claims its rows with row locks (SKIP LOCKED or a
 * conditional UPDATE), so nothing is done twice.
 */
export function startJobs(jobs: readonly Job[], intervalMs: number, logger: Logger): Jobs {
  let stopped = false;
  const state = new Map(
    jobs.map((job) => [job.name, { job, running: undefined as Promise<void> | undefined, again: false, timer: undefined as NodeJS.Timeout | undefined }]),
  );

  const run = (name: string) => {
    const entry = state.get(name);
    if (!entry || stopped) return;
    if (entry.running) {
      entry.again = true;
      return;
    }
    clearTimeout(entry.timer);
    entry.running = entry.job
      .run()
      .catch((error: unknown) => logger.error('background job failed', { job: name, error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        entry.running = undefined;
        if (stopped) return;
        if (entry.again) {
          entry.again = false;
          run(name);
        } else {
          entry.timer = setTimeout(() => run(name), intervalMs);
          entry.timer.unref();
        }
      });
  };

  for (const name of state.keys()) run(name);
  return {
    wake: run,
    stop: async () => {
      stopped = true;
      for (const entry of state.values()) clearTimeout(entry.timer);
      await Promise.all([...state.values()].map((entry) => entry.running));
    },
  };
}
