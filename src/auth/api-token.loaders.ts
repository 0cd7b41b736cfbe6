import type DataLoader from 'dataloader';
import { rowLoader, type LoaderSet } from '../common/loaders';
import { findTokensByUuid, type ApiTokenRow } from './api-token.repository';

export interface ApiTokenLoaders {
  byUuid: DataLoader<string, ApiTokenRow | null>;
}

/** The API-token loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const apiTokenLoaders: LoaderSet<ApiTokenLoaders> = (db, options) => ({
  // An all-realms token (realm null) is reached only by an all-realms caller.
  byUuid: rowLoader(options, (uuids) => findTokensByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
});
