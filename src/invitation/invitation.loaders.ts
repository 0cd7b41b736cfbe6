import type DataLoader from 'dataloader';
import { ListLoaders, rowLoader, type LoaderSet } from '../common/loaders';
import type { wholeList } from '../common/projection';
import {
  findInvitationsByUuid,
  invitationCountsByRealm,
  invitationPagesByRealm,
  type InvitationFilterValues,
  type InvitationRow,
} from './invitation.repository';

export interface InvitationLoaders {
  byUuid: DataLoader<string, InvitationRow | null>;
  // Its rows are read whole: an invitation list is short and its columns cheap.
  ofRealm: ListLoaders<InvitationRow, InvitationFilterValues, typeof wholeList>;
}

/** The invitation loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const invitationLoaders: LoaderSet<InvitationLoaders> = (db, options) => ({
  byUuid: rowLoader(options, (uuids) => findInvitationsByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
  ofRealm: new ListLoaders(
    options,
    (realmUuids, filter, _ordering, request) => invitationPagesByRealm(db, realmUuids, filter, request),
    (realmUuids, filter) => invitationCountsByRealm(db, realmUuids, filter),
  ),
});
