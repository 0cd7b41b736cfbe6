import type DataLoader from 'dataloader';
import { ListLoaders, rowLoader, type LoaderOptions } from '../common/loaders';
import type { Queryable } from '../db/queryable';
import {
  findIdentitiesByUuid,
  identityCountsByRealm,
  identityPagesByRealm,
  type IdentityFilterValues,
  type IdentityRow,
} from './identity.repository';

export interface IdentityLoaders {
  byUuid: DataLoader<string, IdentityRow | null>;
  ofRealm: ListLoaders<IdentityRow, IdentityFilterValues>;
}

export function createIdentityLoaders(db: Queryable, options: LoaderOptions): IdentityLoaders {
  return {
    byUuid: rowLoader(options, (uuids) => findIdentitiesByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
    ofRealm: new ListLoaders(
      options,
      (realmUuids, filter, ordering, request, selection) => identityPagesByRealm(db, realmUuids, filter, ordering, request, selection),
      (realmUuids, filter) => identityCountsByRealm(db, realmUuids, filter),
    ),
  };
}
