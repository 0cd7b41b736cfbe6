import { ListLoaders, type LoaderSet } from '../common/loaders';
import type { ListProjection } from '../common/projection';
import type { GroupColumn } from '../group/group.columns';
import type { IdentityColumn, IdentityFilterValues } from '../identity/identity.columns';
import {
  groupCountsByIdentity,
  groupPagesByIdentity,
  memberCountsByGroup,
  memberPagesByGroup,
  type MemberRow,
  type MembershipEdgeColumn,
  type MembershipGroupRow,
} from './membership.repository';
import { nestedGroupCounts, nestedGroupPages, type NestedGroupRow } from './nesting.repository';
import {
  transitiveGroupCounts,
  transitiveGroupPages,
  transitiveMemberCounts,
  transitiveMemberPages,
  type TransitiveGroupRow,
  type TransitiveMemberRow,
} from './transitive.repository';

export interface MembershipLoaders {
  membersOfGroup: ListLoaders<MemberRow, IdentityFilterValues, ListProjection<IdentityColumn, MembershipEdgeColumn>>;
  groupsOfIdentity: ListLoaders<MembershipGroupRow, never, ListProjection<GroupColumn, MembershipEdgeColumn>>;
  /** Group.memberGroups and Group.parentGroups (decision 104). */
  memberGroupsOfGroup: ListLoaders<NestedGroupRow, never, ListProjection<GroupColumn, MembershipEdgeColumn>>;
  parentGroupsOfGroup: ListLoaders<NestedGroupRow, never, ListProjection<GroupColumn, MembershipEdgeColumn>>;
  /** Group.members(membership: TRANSITIVE) and Group.transitiveMemberCount (decision 106). */
  transitiveMembersOfGroup: ListLoaders<TransitiveMemberRow, IdentityFilterValues, ListProjection<IdentityColumn, MembershipEdgeColumn>>;
  /** Identity.groups(membership: TRANSITIVE). */
  transitiveGroupsOfIdentity: ListLoaders<TransitiveGroupRow, never, ListProjection<GroupColumn, MembershipEdgeColumn>>;
}

/** The membership loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const membershipLoaders: LoaderSet<MembershipLoaders> = (db, options) => ({
  membersOfGroup: new ListLoaders(
    options,
    (groupUuids, filter, ordering, request, projection) => memberPagesByGroup(db, groupUuids, filter, ordering, request, projection),
    (groupUuids, filter) => memberCountsByGroup(db, groupUuids, filter),
  ),
  groupsOfIdentity: new ListLoaders(
    options,
    (identityUuids, _filter, ordering, request, projection) => groupPagesByIdentity(db, identityUuids, ordering, request, projection),
    (identityUuids) => groupCountsByIdentity(db, identityUuids),
  ),
  memberGroupsOfGroup: new ListLoaders(
    options,
    (groupUuids, _filter, ordering, request, projection) => nestedGroupPages(db, 'memberGroups', groupUuids, ordering, request, projection),
    (groupUuids) => nestedGroupCounts(db, 'memberGroups', groupUuids),
  ),
  parentGroupsOfGroup: new ListLoaders(
    options,
    (groupUuids, _filter, ordering, request, projection) => nestedGroupPages(db, 'parentGroups', groupUuids, ordering, request, projection),
    (groupUuids) => nestedGroupCounts(db, 'parentGroups', groupUuids),
  ),
  transitiveMembersOfGroup: new ListLoaders(
    options,
    (groupUuids, filter, _ordering, request, projection) => transitiveMemberPages(db, groupUuids, filter, request, projection),
    (groupUuids, filter) => transitiveMemberCounts(db, groupUuids, filter),
  ),
  transitiveGroupsOfIdentity: new ListLoaders(
    options,
    (identityUuids, _filter, ordering, request, projection) => transitiveGroupPages(db, identityUuids, ordering, request, projection),
    (identityUuids) => transitiveGroupCounts(db, identityUuids),
  ),
});
