import type DataLoader from 'dataloader';
import { rowLoader, type LoaderSet } from '../common/loaders';
import { findRealmsByName, findRealmsByUuid, type RealmRow } from './realm.repository';

export interface RealmLoaders {
  byUuid: DataLoader<string, RealmRow | null>;
  byName: DataLoader<string, RealmRow | null>;
}

/** The realm loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const realmLoaders: LoaderSet<RealmLoaders> = (db, options) => ({
  byUuid: rowLoader(options, (uuids) => findRealmsByUuid(db, uuids), (row) => row.uuid, (row) => row.uuid),
  byName: rowLoader(options, (names) => findRealmsByName(db, names), (row) => row.name, (row) => row.uuid),
});
