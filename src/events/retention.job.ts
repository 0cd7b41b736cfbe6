import type { Queryable } from '../db/queryable';
import type { Job } from '../jobs/jobs';
import { pruneEvents } from './event.repository';

const day = 24 * 60 * 60 * 1000;

/** Keeps the event log to EVENT_RETENTION_DAYS; cursors into what it deletes get EVENT_CURSOR_EXPIRED. */
export function eventRetentionJob(db: Queryable, retentionDays: number): Job {
  return {
    name: 'event-retention',
    run: async () => {
      await pruneEvents(db, new Date(Date.now() - retentionDays * day));
    },
  };
}
