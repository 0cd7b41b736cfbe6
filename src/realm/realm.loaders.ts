import type DataLoader from 'dataloader';
import { rowLoader, type LoaderOptions } from '../common/loaders';
import type { Queryable } from '../db/queryable';
import { findRealmsByName, findRealmsByUuid, type RealmRow } from './realm.repository';

export interface RealmLoaders {
  byUuid: DataLoader<string, RealmRow | null>;
  byName: DataLoader<string, RealmRow | null>;
}

export function createRealmLoaders(db: Queryable, options: LoaderOptions): RealmLoaders {
  return {
    byUuid: rowLoader(options, (uuids) => findRealmsByUuid(db, uuids), (row) => row.uuid, (row) => row.uuid),
    byName: rowLoader(options, (names) => findRealmsByName(db, names), (row) => row.name, (row) => row.uuid),
  };
}
