import DataLoader from 'dataloader';
import { dataLoaderOptions, type LoaderSet } from '../common/loaders';
import { findEventsBySeq, type EventRow } from './event.repository';

export interface EventLoaders {
  /** An event by "<realm uuid>:<seq>"; null once pruned, or of a realm the caller does not reach. */
  bySeq: DataLoader<string, EventRow | null>;
}

/** The event loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const eventLoaders: LoaderSet<EventLoaders> = (db, options) => ({
  bySeq: new DataLoader<string, EventRow | null>(
    async (keys) => {
      const rows = await findEventsBySeq(
        db,
        keys.map((key) => {
          const [realmUuid, seq] = key.split(':');
          return { realmUuid, seq };
        }),
      );
      const byKey = new Map(rows.filter((row) => options.caller.reaches(row.realmUuid)).map((row) => [`${row.realmUuid}:${row.seq}`, row]));
      return keys.map((key) => byKey.get(key) ?? null);
    },
    dataLoaderOptions(options),
  ),
});
