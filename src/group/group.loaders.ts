import type DataLoader from 'dataloader';
import { ListLoaders, rowLoader, type LoaderOptions } from '../common/loaders';
import type { Queryable } from '../db/queryable';
import { findGroupsByUuid, groupCountsByRealm, groupPagesByRealm, type GroupFilterValues, type GroupRow } from './group.repository';

export interface GroupLoaders {
  byUuid: DataLoader<string, GroupRow | null>;
  ofRealm: ListLoaders<GroupRow, GroupFilterValues>;
}

export function createGroupLoaders(db: Queryable, options: LoaderOptions): GroupLoaders {
  return {
    byUuid: rowLoader(options, (uuids) => findGroupsByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
    ofRealm: new ListLoaders(
      options,
      (realmUuids, filter, ordering, request, selection) => groupPagesByRealm(db, realmUuids, filter, ordering, request, selection),
      (realmUuids, filter) => groupCountsByRealm(db, realmUuids, filter),
    ),
  };
}
