import type DataLoader from 'dataloader';
import { ListLoaders, rowLoader, type LoaderSet } from '../common/loaders';
import type { ListProjection } from '../common/projection';
import {
  findIdentitiesByUuid,
  identityCountsByRealm,
  identityPagesByRealm,
  type IdentityColumn,
  type IdentityFilterValues,
  type IdentityListRow,
  type IdentityRow,
} from './identity.repository';

export interface IdentityLoaders {
  byUuid: DataLoader<string, IdentityRow | null>;
  ofRealm: ListLoaders<IdentityListRow, IdentityFilterValues, ListProjection<IdentityColumn>>;
}

/** The identity loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const identityLoaders: LoaderSet<IdentityLoaders> = (db, options) => ({
  byUuid: rowLoader(options, (uuids) => findIdentitiesByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
  ofRealm: new ListLoaders(
    options,
    (realmUuids, filter, ordering, request, projection) => identityPagesByRealm(db, realmUuids, filter, ordering, request, projection),
    (realmUuids, filter) => identityCountsByRealm(db, realmUuids, filter),
  ),
});
