import DataLoader from 'dataloader';
import type { IdentitySource } from '../common/enums';
import { dataLoaderOptions, ListLoaders, rowLoader, type LoaderSet } from '../common/loaders';
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
import {
  duplicateCountsByIdentity,
  duplicatePagesByIdentity,
  duplicatePairCountsByRealm,
  duplicatePairPagesByRealm,
  sourceSizes,
  type DuplicatePairRow,
  type DuplicateRow,
} from './duplicates.repository';

/** Counted up to this many, a realm's identities of each source say which side of its pairs to walk. */
const sideSizeCap = 10_000;

export interface IdentityLoaders {
  byUuid: DataLoader<string, IdentityRow | null>;
  ofRealm: ListLoaders<IdentityListRow, IdentityFilterValues, ListProjection<IdentityColumn>>;
  /** Identity.possibleDuplicates, batched across the identities of a page. */
  duplicatesOf: ListLoaders<DuplicateRow, never, ListProjection<IdentityColumn>>;
  /** Realm.possibleDuplicates, by the side its walk takes (the "filter"). */
  duplicatePairsOf: ListLoaders<DuplicatePairRow, IdentitySource, ListProjection<never>>;
  /** How many identities of each source a realm has, up to a cap. */
  sourceSizes: DataLoader<string, Record<IdentitySource, number>>;
}

/** The identity loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const identityLoaders: LoaderSet<IdentityLoaders> = (db, options) => ({
  byUuid: rowLoader(options, (uuids) => findIdentitiesByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
  ofRealm: new ListLoaders(
    options,
    (realmUuids, filter, ordering, request, projection) => identityPagesByRealm(db, realmUuids, filter, ordering, request, projection),
    (realmUuids, filter) => identityCountsByRealm(db, realmUuids, filter),
  ),
  duplicatesOf: new ListLoaders(
    options,
    (identityUuids, _filter, ordering, request, projection) => duplicatePagesByIdentity(db, identityUuids, ordering, request, projection),
    (identityUuids) => duplicateCountsByIdentity(db, identityUuids),
  ),
  duplicatePairsOf: new ListLoaders(
    options,
    (realmUuids, walked, ordering, request) => duplicatePairPagesByRealm(db, realmUuids, walked!, ordering, request),
    (realmUuids, walked) => duplicatePairCountsByRealm(db, realmUuids, walked!),
  ),
  sourceSizes: new DataLoader(
    async (realmUuids) => {
      const sizes = await sourceSizes(db, realmUuids, sideSizeCap);
      return realmUuids.map((uuid) => sizes.get(uuid) ?? { MANUAL: 0, IDP: 0 });
    },
    dataLoaderOptions(options),
  ),
});
