/** @jsxImportSource preact */
import { useMutation, useQuery, useSubscription } from '@urql/preact';
import { useState } from 'preact/hooks';
import { addMembersMutation, deleteGroupMutation, groupQuery, membersQuery, membershipSubscription, objectEventsSubscription, removeMembersMutation, updateGroupMutation } from '../documents';
import { problemOf, type Problem } from '../errors';
import { Chosen, PeoplePicker, type Choice } from '../picker';
import { follow, hrefOf, navigate } from '../route';
import { useFreshOnReconnect, useSession, useWatched, type RealmRef } from '../session';
import { Alert, Confirm, DateTime, FormActions, Pager, SearchField, TextField, pageArgs, statusLabels, useDebounced, usePaging, type PageInfo } from '../ui';
import type { IdentityRow } from './identities';
import { isHere, NotHere } from './not-here';

type GroupLink = { id: string; name: string; memberCount: number };
type GroupData = {
  node:
    | {
        __typename: string;
        id: string;
        realm: RealmRef;
        name: string;
        description: string | null;
        memberCount: number;
        transitiveMemberCount: number | null;
        version: number;
        memberGroups: { totalCount: number; edges: Array<{ node: GroupLink }> } | null;
        parentGroups: { totalCount: number; edges: Array<{ node: GroupLink }> } | null;
      }
    | null;
  realm?: { id: string; lastEventCursor: string | null } | null;
};
type MembersData = {
  node: { id: string; members: { totalCount: number; edges: Array<{ cursor: string; addedAt: string; direct: boolean; node: IdentityRow }>; pageInfo: PageInfo } | null } | null;
};

const pageSize = 25;

export function GroupView(props: { id: string }) {
  const session = useSession();
  const [result, refetch] = useQuery<GroupData>({ query: groupQuery, variables: { id: props.id, realmId: session.realm.id, live: session.can('events:read') } });
  useFreshOnReconnect(refetch);
  useWatched({
    subscription: objectEventsSubscription,
    types: ['GROUP_UPDATED', 'GROUP_DELETED', 'GROUP_NESTED', 'GROUP_UNNESTED'],
    about: (event) => event.groupId === props.id,
    after: result.data?.realm?.lastEventCursor,
    reread: refetch,
  });
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [, removeGroup] = useMutation(deleteGroupMutation);
  const group = result.data?.node;
  const back = { realm: session.realm.name, view: 'groups' as const };
  const backLink = (
    <p>
      <a href={hrefOf(back)} onClick={follow(back)}>
        ← Groups
      </a>
    </p>
  );

  if (!group || !isHere(group, 'Group', session.realm.id)) {
    return <NotHere kind="group" typename="Group" id={props.id} node={group} realmId={session.realm.id} result={result} back={backLink} />;
  }
  const writable = session.can('groups:write');
  return (
    <section aria-labelledby="group-title">
      {backLink}
      {renaming ? (
        <Rename group={group} onClose={() => setRenaming(false)} />
      ) : (
        <div class="title">
          <h2 id="group-title">{group.name}</h2>
          {writable && (
            <>
              <button type="button" onClick={() => setRenaming(true)}>
                Rename
              </button>
              <button type="button" class="danger" onClick={() => setDeleting(true)}>
                Delete group
              </button>
            </>
          )}
        </div>
      )}
      {group.description && <p class="description">{group.description}</p>}
      <p>
        <span data-testid="member-count">
          {group.memberCount} direct member{group.memberCount === 1 ? '' : 's'}
        </span>
        {group.transitiveMemberCount !== null && group.transitiveMemberCount !== group.memberCount && `, ${group.transitiveMemberCount} with nested groups`}
      </p>

      {/* A reconnection subscribes again from a fresh cursor (the data is read again with it). */}
      {result.data?.realm?.lastEventCursor && <LiveMembers key={session.generation} groupId={group.id} after={result.data.realm.lastEventCursor} />}
      <Members group={group} writable={writable} />
      {/* Picking people needs reading them. */}
      {writable && session.can('identities:read') && <AddMembers groupId={group.id} />}
      <NestedGroups title="Groups in this group" groups={group.memberGroups} />
      <NestedGroups title="Member of" groups={group.parentGroups} />

      {deleting && (
        <Confirm
          title={`Delete ${group.name}?`}
          body="The group and all its memberships are deleted for good; its members stay."
          verb="Delete"
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            const deleted = await removeGroup({ id: group.id });
            const failed = problemOf(deleted.error);
            if (!failed) navigate(back);
            return failed;
          }}
        />
      )}
    </section>
  );
}

/**
 * The group's membership changes as they commit, from the cursor read with the group: each
 * drops the cached member pages (web/console/cache.ts), and the page shown is read again.
 */
function LiveMembers(props: { groupId: string; after: string }) {
  const session = useSession();
  useSubscription({ query: membershipSubscription, variables: { realmId: session.realm.id, groupId: props.groupId, membership: 'TRANSITIVE', after: props.after } });
  return null;
}

function Rename(props: { group: { id: string; name: string; version: number }; onClose(): void }) {
  const [name, setName] = useState(props.group.name);
  const [problem, setProblem] = useState<Problem>();
  const [state, update] = useMutation(updateGroupMutation);
  return (
    <form
      class="rename"
      noValidate
      onKeyDown={(event) => {
        if (event.key === 'Escape') props.onClose();
      }}
      onSubmit={async (event) => {
        event.preventDefault();
        const result = await update({ input: { id: props.group.id, name } });
        const failed = problemOf(result.error, ['name']);
        if (failed) return setProblem(failed);
        props.onClose();
      }}
    >
      <TextField label="Group name" value={name} onValue={setName} error={problem?.fields.name} required autoFocus />
      <Alert problem={problem} />
      <FormActions submit="Save" busy={state.fetching} onCancel={props.onClose} />
    </form>
  );
}

function Members(props: { group: { id: string; name: string }; writable: boolean }) {
  const session = useSession();
  const [search, setSearch] = useState('');
  const [nested, setNested] = useState(false);
  const { page, setPage, firstPage } = usePaging();
  const [removing, setRemoving] = useState<IdentityRow>();
  const [, remove] = useMutation(removeMembersMutation);
  const settled = useDebounced(search.trim(), 200);
  const [result, refetch] = useQuery<MembersData>({
    query: membersQuery,
    variables: { id: props.group.id, membership: nested ? 'TRANSITIVE' : 'DIRECT', ...pageArgs(page.at, pageSize), filter: settled ? { search: settled } : null },
  });
  useFreshOnReconnect(refetch);
  const members = result.data?.node?.members;

  return (
    <section aria-labelledby="members-title">
      <h3 id="members-title">Members</h3>
      <div class="filters">
        <SearchField label="Search members" placeholder="Any part of a name, email or username" value={search} onValue={(value) => (setSearch(value), firstPage())} />
        <div class="field checkbox">
          <input
            id="nested-members"
            type="checkbox"
            checked={nested}
            onChange={(event) => {
              setNested(event.currentTarget.checked);
              firstPage();
            }}
          />
          <label for="nested-members">Include members of nested groups</label>
        </div>
      </div>
      <Alert problem={problemOf(result.error)} />
      <table aria-label="Members" aria-busy={result.fetching ? 'true' : 'false'}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Added</th>
            {props.writable && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {members?.edges.map(({ node, addedAt, direct }) => {
            const to = { realm: session.realm.name, view: 'identity' as const, id: node.id };
            return (
              <tr key={node.id} data-identity-id={node.id}>
                <td>
                  <a href={hrefOf(to)} onClick={follow(to)}>
                    {node.displayName}
                  </a>
                </td>
                <td>{node.primaryEmail}</td>
                <td>{statusLabels[node.status] ?? node.status}</td>
                <td>{direct ? <DateTime value={addedAt} /> : 'through a nested group'}</td>
                {props.writable && (
                  <td>
                    {direct && (
                      <button type="button" aria-label={`Remove ${node.displayName}`} onClick={() => setRemoving(node)}>
                        Remove
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {members && members.edges.length === 0 && <p class="empty">{settled ? 'No member matches.' : 'No members yet.'}</p>}
      <Pager info={members?.pageInfo} count={members?.edges.length ?? 0} total={members?.totalCount} offset={page.offset} size={pageSize} onPage={(at, offset) => setPage({ at, offset })} />
      {removing && (
        <Confirm
          title={`Remove ${removing.displayName} from ${props.group.name}?`}
          body="They stay in the realm and in their other groups."
          verb="Remove"
          danger
          onClose={() => setRemoving(undefined)}
          onConfirm={async () => problemOf((await remove({ input: { groupId: props.group.id, identityIds: [removing.id] } })).error)}
        />
      )}
    </section>
  );
}

function AddMembers(props: { groupId: string }) {
  const session = useSession();
  const [chosen, setChosen] = useState<Choice[]>([]);
  const [problem, setProblem] = useState<Problem>();
  const [state, add] = useMutation(addMembersMutation);
  return (
    <form
      class="add-members"
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        if (chosen.length === 0) return;
        const result = await add({ input: { groupId: props.groupId, identityIds: chosen.map((choice) => choice.id) } });
        const failed = problemOf(result.error, ['identityIds']);
        setProblem(failed);
        if (!failed) setChosen([]);
      }}
    >
      <PeoplePicker label="Add members" realmId={session.realm.id} chosen={chosen} onChoose={(choice) => setChosen((current) => [...current, choice])} error={problem?.fields.identityIds} />
      <Chosen label="People to add" chosen={chosen} onRemove={(choice) => setChosen((current) => current.filter((other) => other.id !== choice.id))} />
      <Alert problem={problem} />
      <button type="submit" class="primary" disabled={state.fetching || chosen.length === 0}>
        Add
      </button>
    </form>
  );
}

function NestedGroups(props: { title: string; groups: { totalCount: number; edges: Array<{ node: GroupLink }> } | null }) {
  const session = useSession();
  if (!props.groups || props.groups.totalCount === 0) return null;
  return (
    <section aria-label={props.title}>
      <h3>{props.title}</h3>
      <ul>
        {props.groups.edges.map(({ node }) => {
          const to = { realm: session.realm.name, view: 'group' as const, id: node.id };
          return (
            <li key={node.id}>
              <a href={hrefOf(to)} onClick={follow(to)}>
                {node.name}
              </a>{' '}
              ({node.memberCount} member{node.memberCount === 1 ? '' : 's'})
            </li>
          );
        })}
      </ul>
    </section>
  );
}
