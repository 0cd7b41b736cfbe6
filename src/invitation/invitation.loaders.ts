import type DataLoader from 'dataloader';
import { ListLoaders, rowLoader, type LoaderOptions } from '../common/loaders';
import type { Queryable } from '../db/queryable';
import {
  findInvitationsByUuid,
  invitationCountsByRealm,
  invitationPagesByRealm,
  type InvitationFilterValues,
  type InvitationRow,
} from './invitation.repository';

export interface InvitationLoaders {
  byUuid: DataLoader<string, InvitationRow | null>;
  ofRealm: ListLoaders<InvitationRow, InvitationFilterValues>;
}

export function createInvitationLoaders(db: Queryable, options: LoaderOptions): InvitationLoaders {
  return {
    byUuid: rowLoader(options, (uuids) => findInvitationsByUuid(db, uuids), (row) => row.uuid, (row) => row.realmUuid),
    ofRealm: new ListLoaders(
      options,
      (realmUuids, filter, _ordering, request) => invitationPagesByRealm(db, realmUuids, filter, request),
      (realmUuids, filter) => invitationCountsByRealm(db, realmUuids, filter),
    ),
  };
}
