import type DataLoader from 'dataloader';
import type { LoaderOptions } from '../common/loaders';
import { rowLoader } from '../common/loaders';
import type { Queryable } from '../db/queryable';
import { findTokensByUuid, type ApiTokenRow } from './api-token.repository';

export interface ApiTokenLoaders {
  byUuid: DataLoader<string, ApiTokenRow | null>;
}

export function createApiTokenLoaders(db: Queryable, options: LoaderOptions): ApiTokenLoaders {
  return {
    // An all-realms token (realm null) is reached only by an all-realms caller.
    byUuid: rowLoader(options, (uuids) => findTokensByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
  };
}
