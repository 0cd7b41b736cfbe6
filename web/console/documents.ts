import { gql } from '@urql/core';

/**
 * Every operation the console sends, in one place: a frontend team reads here what the console asks
 * of the API. Each selects `id` on every object, so graphcache normalizes it and a mutation's
 * payload updates every view that shows the object (web/console/cache.ts).
 */

export const viewerQuery = gql`
  query ConsoleViewer {
    viewer { id name scopes effectiveScopes realmId }
  }
`;

export const realmsQuery = gql`
  query ConsoleRealms {
    realms(first: 100) { edges { node { id name displayName } } }
  }
`;

export const realmByNameQuery = gql`
  query ConsoleRealm($name: String!) {
    realm(name: $name) { id name displayName }
  }
`;

const identityRow = gql`
  fragment ConsoleIdentityRow on Identity {
    id displayName username primaryEmail role status source
  }
`;

/** `$names`: the identity's and group's names as they are now (needs identities:read and groups:read). */
const eventFields = gql`
  fragment ConsoleEvent on RealmEvent {
    id cursor type occurredAt data identityId groupId invitationId
    actor { id name }
    identity @include(if: $names) { id displayName }
    group @include(if: $names) { id name }
  }
`;

export const identitiesQuery = gql`
  query ConsoleIdentities($realmId: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: IdentityFilter, $orderBy: IdentityOrder) {
    realm(id: $realmId) {
      id
      identities(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
        totalCount
        edges { cursor node { ...ConsoleIdentityRow } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
  ${identityRow}
`;

/** The people a picker offers: any part of a name, email or username (decision 72's search). */
export const peopleSearchQuery = gql`
  query ConsolePeopleSearch($realmId: ID!, $search: String) {
    realm(id: $realmId) {
      id
      identities(first: 8, filter: { search: $search }, orderBy: { field: DISPLAY_NAME, direction: ASC }) {
        edges { node { ...ConsoleIdentityRow } }
      }
    }
  }
  ${identityRow}
`;

export const groupSearchQuery = gql`
  query ConsoleGroupSearch($realmId: ID!, $search: String) {
    realm(id: $realmId) {
      id
      groups(first: 8, filter: { search: $search }, orderBy: { field: NAME, direction: ASC }) {
        edges { node { id name memberCount } }
      }
    }
  }
`;

export const identityQuery = gql`
  query ConsoleIdentity($id: ID!, $realmId: ID!, $events: Boolean!, $names: Boolean!) {
    node(id: $id) {
      __typename
      id
      ... on Identity {
        ...ConsoleIdentityRow
        realm { id name displayName }
        fullName phoneNumber title department externalId createdAt updatedAt version
        groups(first: 50, membership: DIRECT, orderBy: { field: NAME, direction: ASC }) {
          totalCount
          edges { addedAt node { id name memberCount } }
        }
        possibleDuplicates(first: 5) {
          edges { reasons node { ...ConsoleIdentityRow } }
        }
      }
    }
    realm(id: $realmId) @include(if: $events) {
      id
      lastEventCursor
      events(last: 10, identityId: $id) { edges { node { ...ConsoleEvent } } }
    }
  }
  ${identityRow}
  ${eventFields}
`;

const statusPayload = 'identity { id status version updatedAt }';
export const suspendMutation = gql`mutation ConsoleSuspend($id: ID!) { suspendIdentity(input: { id: $id }) { ${statusPayload} } }`;
export const reactivateMutation = gql`mutation ConsoleReactivate($id: ID!) { reactivateIdentity(input: { id: $id }) { ${statusPayload} } }`;
export const deprovisionMutation = gql`mutation ConsoleDeprovision($id: ID!) { deprovisionIdentity(input: { id: $id }) { ${statusPayload} } }`;
export const deleteIdentityMutation = gql`mutation ConsoleDeleteIdentity($id: ID!) { deleteIdentity(input: { id: $id }) { deletedIdentityId } }`;

export const createIdentityMutation = gql`
  mutation ConsoleCreateIdentity($input: CreateIdentityInput!) {
    createIdentity(input: $input) { identity { ...ConsoleIdentityRow } }
  }
  ${identityRow}
`;

export const groupsQuery = gql`
  query ConsoleGroups($realmId: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: GroupFilter) {
    realm(id: $realmId) {
      id
      groups(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: { field: NAME, direction: ASC }) {
        totalCount
        edges { cursor node { id name description memberCount } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`;

export const createGroupMutation = gql`
  mutation ConsoleCreateGroup($input: CreateGroupInput!) {
    createGroup(input: $input) { group { id name description memberCount } }
  }
`;

/** The group with the realm's cursor read in the same request: subscribing after it misses nothing. */
export const groupQuery = gql`
  query ConsoleGroup($id: ID!, $realmId: ID!, $live: Boolean!) {
    node(id: $id) {
      __typename
      id
      ... on Group {
        realm { id name displayName }
        name description memberCount transitiveMemberCount version createdAt
        memberGroups(first: 50) { totalCount edges { node { id name memberCount } } }
        parentGroups(first: 50) { totalCount edges { node { id name memberCount } } }
      }
    }
    realm(id: $realmId) @include(if: $live) { id lastEventCursor }
  }
`;

export const membersQuery = gql`
  query ConsoleMembers($id: ID!, $membership: MembershipKind!, $first: Int, $after: String, $last: Int, $before: String, $filter: MemberFilter) {
    node(id: $id) {
      id
      ... on Group {
        members(membership: $membership, first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: { field: DISPLAY_NAME, direction: ASC }) {
          totalCount
          edges { cursor addedAt direct node { ...ConsoleIdentityRow } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }
    }
  }
  ${identityRow}
`;

export const membershipSubscription = gql`
  subscription ConsoleMemberships($realmId: ID!, $groupId: ID!, $membership: MembershipKind!, $after: String) {
    membershipChanged(realmId: $realmId, groupId: $groupId, membership: $membership, after: $after) {
      id cursor type groupId identityId viaGroupId
      group { id memberCount transitiveMemberCount }
    }
  }
`;

export const updateGroupMutation = gql`
  mutation ConsoleUpdateGroup($input: UpdateGroupInput!) {
    updateGroup(input: $input) { group { id name description version } }
  }
`;

export const deleteGroupMutation = gql`mutation ConsoleDeleteGroup($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }`;

export const addMembersMutation = gql`
  mutation ConsoleAddMembers($input: AddGroupMembersInput!) {
    addGroupMembers(input: $input) { group { id memberCount transitiveMemberCount } }
  }
`;

export const removeMembersMutation = gql`
  mutation ConsoleRemoveMembers($input: RemoveGroupMembersInput!) {
    removeGroupMembers(input: $input) { group { id memberCount transitiveMemberCount } removedMemberIds }
  }
`;

const invitationRow = gql`
  fragment ConsoleInvitationRow on Invitation {
    id email fullName phoneNumber role status expiresAt createdAt
    deliveryStatus { state attempts sentAt lastError nextAttemptAt }
  }
`;

export const invitationsQuery = gql`
  query ConsoleInvitations($realmId: ID!, $first: Int, $after: String, $last: Int, $before: String, $status: InvitationStatus, $live: Boolean!) {
    realm(id: $realmId) {
      id
      lastEventCursor @include(if: $live)
      invitations(first: $first, after: $after, last: $last, before: $before, status: $status) {
        totalCount
        edges { cursor node { ...ConsoleInvitationRow } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
  ${invitationRow}
`;

export const inviteMutation = gql`
  mutation ConsoleInvite($input: InviteIdentityInput!) {
    inviteIdentity(input: $input) { invitation { ...ConsoleInvitationRow } }
  }
  ${invitationRow}
`;

export const resendInvitationMutation = gql`
  mutation ConsoleResendInvitation($id: ID!) { resendInvitation(input: { id: $id }) { invitation { ...ConsoleInvitationRow } } }
  ${invitationRow}
`;

export const revokeInvitationMutation = gql`
  mutation ConsoleRevokeInvitation($id: ID!) { revokeInvitation(input: { id: $id }) { invitation { ...ConsoleInvitationRow } } }
  ${invitationRow}
`;

export const invitationSubscription = gql`
  subscription ConsoleInvitationEvents($realmId: ID!, $after: String) {
    invitationChanged(realmId: $realmId, after: $after) {
      id cursor type invitationId
      invitation { ...ConsoleInvitationRow }
    }
  }
  ${invitationRow}
`;

export const eventsQuery = gql`
  query ConsoleEvents($realmId: ID!, $before: String, $types: [RealmEventType!], $actorId: ID, $names: Boolean!) {
    realm(id: $realmId) {
      id
      lastEventCursor
      events(last: 25, before: $before, types: $types, actorId: $actorId) {
        edges { node { ...ConsoleEvent } }
        pageInfo { hasPreviousPage startCursor }
      }
    }
  }
  ${eventFields}
`;

export const realmEventsSubscription = gql`
  subscription ConsoleRealmEvents($realmId: ID!, $types: [RealmEventType!], $after: String, $names: Boolean!) {
    realmEvents(realmId: $realmId, types: $types, after: $after) { ...ConsoleEvent }
  }
  ${eventFields}
`;

/** What happens to one identity or group while its page is open (deleted, renamed, suspended…). */
export const objectEventsSubscription = gql`
  subscription ConsoleObjectEvents($realmId: ID!, $types: [RealmEventType!], $after: String) {
    realmEvents(realmId: $realmId, types: $types, after: $after) { id cursor type identityId groupId }
  }
`;

export const actorsQuery = gql`
  query ConsoleActors {
    apiTokens(first: 100) { edges { node { id name } } }
  }
`;
