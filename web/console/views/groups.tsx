/** @jsxImportSource preact */
import { useMutation, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { createGroupMutation, groupsQuery } from '../documents';
import { problemOf, type Problem } from '../errors';
import { Chosen, PeoplePicker, type Choice } from '../picker';
import { follow, hrefOf, navigate } from '../route';
import { useFreshOnReconnect, useSession } from '../session';
import { Alert, Dialog, FormActions, Pager, SearchField, TextField, ViewTitle, pageArgs, useDebounced, usePaging, type PageInfo } from '../ui';

type GroupRow = { id: string; name: string; description: string | null; memberCount: number };
type GroupsData = { realm: { id: string; groups: { totalCount: number; edges: Array<{ cursor: string; node: GroupRow }>; pageInfo: PageInfo } | null } | null };

const pageSize = 20;

export function GroupsView() {
  const session = useSession();
  const [search, setSearch] = useState('');
  const { page, setPage, firstPage } = usePaging();
  const [creating, setCreating] = useState(false);
  const settled = useDebounced(search.trim(), 200);
  const [result, refetch] = useQuery<GroupsData>({
    query: groupsQuery,
    variables: { realmId: session.realm.id, ...pageArgs(page.at, pageSize), filter: settled ? { search: settled } : null },
  });
  useFreshOnReconnect(refetch);
  const connection = result.data?.realm?.groups;

  return (
    <section aria-labelledby="groups-title">
      <ViewTitle id="groups-title" title="Groups" action={session.can('groups:write') ? 'Create group' : undefined} onAction={() => setCreating(true)} />
      <div class="filters">
        <SearchField label="Search groups" placeholder="Any part of a group’s name" value={search} onValue={(value) => (setSearch(value), firstPage())} />
      </div>
      <Alert problem={problemOf(result.error)} />
      <table aria-label="Groups" aria-busy={result.fetching ? 'true' : 'false'}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" class="count">
              Members
            </th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {connection?.edges.map(({ node }) => {
            const to = { realm: session.realm.name, view: 'group' as const, id: node.id };
            return (
              <tr key={node.id} data-group-id={node.id}>
                <td>
                  <a href={hrefOf(to)} onClick={follow(to)}>
                    {node.name}
                  </a>
                </td>
                <td class="count">{node.memberCount}</td>
                <td>{node.description}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {connection && connection.edges.length === 0 && <p class="empty">{settled ? 'No group matches.' : 'No groups yet.'}</p>}
      <Pager info={connection?.pageInfo} count={connection?.edges.length ?? 0} total={connection?.totalCount} offset={page.offset} size={pageSize} onPage={(at, offset) => setPage({ at, offset })} />
      {creating && <CreateGroup onClose={() => setCreating(false)} />}
    </section>
  );
}

/** Apono's "Create group": a name, and users picked from a search-as-you-type list. */
function CreateGroup(props: { onClose(): void }) {
  const session = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [members, setMembers] = useState<Choice[]>([]);
  const [problem, setProblem] = useState<Problem>();
  const [state, create] = useMutation(createGroupMutation);
  return (
    <Dialog title="Create group" onClose={props.onClose}>
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          const result = await create({
            input: { realmId: session.realm.id, name, description: description.trim() || null, memberIds: members.map((member) => member.id) },
          });
          const failed = problemOf(result.error, ['name', 'description', 'memberIds']);
          if (failed) return setProblem(failed);
          props.onClose();
          const id = result.data?.createGroup?.group.id;
          if (id) navigate({ realm: session.realm.name, view: 'group', id });
        }}
      >
        <TextField label="Group name" value={name} onValue={setName} error={problem?.fields.name} required autoFocus />
        <TextField label="Description" value={description} onValue={setDescription} error={problem?.fields.description} />
        {session.can('identities:read') && (
          <>
            <PeoplePicker label="Members" realmId={session.realm.id} chosen={members} onChoose={(choice) => setMembers((current) => [...current, choice])} error={problem?.fields.memberIds} />
            <Chosen label="Chosen members" chosen={members} onRemove={(choice) => setMembers((current) => current.filter((member) => member.id !== choice.id))} />
          </>
        )}
        <Alert problem={problem} />
        <FormActions submit="Create group" busy={state.fetching} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
