import type DataLoader from 'dataloader';
import type { Caller } from '../auth/caller';
import { rowLoader, type LoaderSet } from '../common/loaders';
import { findRealmsByName, findRealmsByUuid, type RealmRow } from './realm.repository';

export interface RealmLoaders {
  byUuid: DataLoader<string, RealmRow | null>;
  byName: DataLoader<string, RealmRow | null>;
}

// A realm's own row is what an accepted invitation shows of it (Caller.seesRealm); its lists are checked where they hang.
const visible = (caller: Caller, realmUuid: string | null) => realmUuid !== null && caller.seesRealm(realmUuid);

/** The realm loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const realmLoaders: LoaderSet<RealmLoaders> = (db, options) => ({
  byUuid: rowLoader(options, (uuids) => findRealmsByUuid(db, uuids), (row) => row.uuid, (row) => row.uuid, visible),
  byName: rowLoader(options, (names) => findRealmsByName(db, names), (row) => row.name, (row) => row.uuid, visible),
});
