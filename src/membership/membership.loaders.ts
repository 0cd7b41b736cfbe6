import { ListLoaders, type LoaderSet } from '../common/loaders';
import type { IdentityFilterValues } from '../identity/identity.repository';
import {
  groupCountsByIdentity,
  groupPagesByIdentity,
  memberCountsByGroup,
  memberPagesByGroup,
  type MemberRow,
  type MembershipGroupRow,
} from './membership.repository';

export interface MembershipLoaders {
  membersOfGroup: ListLoaders<MemberRow, IdentityFilterValues>;
  groupsOfIdentity: ListLoaders<MembershipGroupRow, never>;
}

/** The membership loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const membershipLoaders: LoaderSet<MembershipLoaders> = (db, options) => ({
  membersOfGroup: new ListLoaders(
    options,
    (groupUuids, filter, _ordering, request, selection) => memberPagesByGroup(db, groupUuids, filter, request, selection),
    (groupUuids, filter) => memberCountsByGroup(db, groupUuids, filter),
  ),
  groupsOfIdentity: new ListLoaders(
    options,
    (identityUuids, _filter, _ordering, request, selection) => groupPagesByIdentity(db, identityUuids, request, selection),
    (identityUuids) => groupCountsByIdentity(db, identityUuids),
  ),
});
