import type DataLoader from 'dataloader';
import { ListLoaders, rowLoader, type LoaderSet } from '../common/loaders';
import type { ListProjection } from '../common/projection';
import {
  findGroupsByUuid,
  groupCountsByRealm,
  groupPagesByRealm,
  type GroupColumn,
  type GroupFilterValues,
  type GroupListRow,
  type GroupRow,
} from './group.repository';

export interface GroupLoaders {
  byUuid: DataLoader<string, GroupRow | null>;
  ofRealm: ListLoaders<GroupListRow, GroupFilterValues, ListProjection<GroupColumn>>;
}

/** The group loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const groupLoaders: LoaderSet<GroupLoaders> = (db, options) => ({
  byUuid: rowLoader(options, (uuids) => findGroupsByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
  ofRealm: new ListLoaders(
    options,
    (realmUuids, filter, ordering, request, projection) => groupPagesByRealm(db, realmUuids, filter, ordering, request, projection),
    (realmUuids, filter) => groupCountsByRealm(db, realmUuids, filter),
  ),
});
