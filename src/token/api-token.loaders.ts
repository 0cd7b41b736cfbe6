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
    // An all-realms token is reached only by an all-realms caller: the nil uuid is no realm.
    byUuid: rowLoader(options, (uuids) => findTokensByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid ?? allRealms),
  };
}

const allRealms = '00000000-0000-0000-0000-000000000000';
