/** @jsxImportSource preact */
import { useMutation, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { createIdentityMutation, identitiesQuery } from '../documents';
import { problemOf, type Problem } from '../errors';
import { follow, hrefOf, navigate } from '../route';
import { useFreshOnReconnect, useSession } from '../session';
import { Alert, Dialog, FormActions, Pager, SearchField, SelectField, TextField, ViewTitle, pageArgs, roleLabels, sourceLabels, statusLabels, useDebounced, usePaging, type PageInfo } from '../ui';

export type IdentityRow = { id: string; displayName: string; username: string; primaryEmail: string; role: string; status: string; source: string };
type IdentitiesData = {
  realm: { id: string; identities: { totalCount: number; edges: Array<{ cursor: string; node: IdentityRow }>; pageInfo: PageInfo } | null } | null;
};

const pageSize = 20;
const sorts = [
  ['name', 'Name'],
  ['username', 'Username'],
  ['email', 'Email'],
  ['newest', 'Newest'],
  ['oldest', 'Oldest'],
] as const;
type Sort = (typeof sorts)[number][0];
const orderOf: Record<Sort, { field: string; direction: 'ASC' | 'DESC' }> = {
  name: { field: 'DISPLAY_NAME', direction: 'ASC' },
  username: { field: 'USERNAME', direction: 'ASC' },
  email: { field: 'PRIMARY_EMAIL', direction: 'ASC' },
  newest: { field: 'CREATED_AT', direction: 'DESC' },
  oldest: { field: 'CREATED_AT', direction: 'ASC' },
};
const statuses = [['', 'All'], ...Object.entries(statusLabels)] as ReadonlyArray<readonly [string, string]>;

export function IdentitiesView() {
  const session = useSession();
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<Sort>('name');
  const [status, setStatus] = useState('');
  const { page, setPage, firstPage } = usePaging();
  const [adding, setAdding] = useState(false);
  const settled = useDebounced(search.trim(), 200);
  const filter = { ...(settled ? { search: settled } : {}), ...(status ? { status } : {}) };
  const [result, refetch] = useQuery<IdentitiesData>({
    query: identitiesQuery,
    variables: { realmId: session.realm.id, ...pageArgs(page.at, pageSize), filter, orderBy: orderOf[sort] },
  });
  useFreshOnReconnect(refetch);
  const connection = result.data?.realm?.identities;

  return (
    <section aria-labelledby="identities-title">
      <ViewTitle id="identities-title" title="Identities" action={session.can('identities:write') ? 'Add identity' : undefined} onAction={() => setAdding(true)} />
      <div class="filters">
        <SearchField label="Search identities" placeholder="Any part of a name, email or username" value={search} onValue={(value) => (setSearch(value), firstPage())} />
        <SelectField label="Sort by" value={sort} options={sorts} onValue={(value) => (setSort(value), firstPage())} />
        <SelectField label="Status" value={status} options={statuses} onValue={(value) => (setStatus(value), firstPage())} />
      </div>
      <Alert problem={problemOf(result.error)} />
      <table aria-label="Identities" aria-busy={result.fetching ? 'true' : 'false'}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Username</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {connection?.edges.map(({ node }) => (
            <IdentityTableRow key={node.id} identity={node} realm={session.realm.name} />
          ))}
        </tbody>
      </table>
      {connection && connection.edges.length === 0 && <p class="empty">{settled || status ? 'No identity matches.' : 'No identities yet.'}</p>}
      <Pager info={connection?.pageInfo} count={connection?.edges.length ?? 0} total={connection?.totalCount} offset={page.offset} size={pageSize} onPage={(at, offset) => setPage({ at, offset })} />
      {adding && <AddIdentity onClose={() => setAdding(false)} />}
    </section>
  );
}

function IdentityTableRow(props: { identity: IdentityRow; realm: string }) {
  const { identity } = props;
  const to = { realm: props.realm, view: 'identity' as const, id: identity.id };
  return (
    <tr data-identity-id={identity.id}>
      <td>
        <a href={hrefOf(to)} onClick={follow(to)}>
          {identity.displayName}
        </a>
      </td>
      <td>{identity.username}</td>
      <td>{identity.primaryEmail}</td>
      <td>{roleLabels[identity.role] ?? identity.role}</td>
      <td>
        <span class={`badge ${identity.status.toLowerCase()}`}>{statusLabels[identity.status] ?? identity.status}</span>
      </td>
      <td>{sourceLabels[identity.source] ?? identity.source}</td>
    </tr>
  );
}

const roles = [
  ['GRANTEE', 'Grantee'],
  ['ADMIN', 'Admin'],
] as const;

/** Beyond Identity's "Add identity": a name, a username and an email (and a role). */
function AddIdentity(props: { onClose(): void }) {
  const session = useSession();
  const [displayName, setDisplayName] = useState('');
  const [username, setUsername] = useState('');
  const [primaryEmail, setPrimaryEmail] = useState('');
  const [role, setRole] = useState<'GRANTEE' | 'ADMIN'>('GRANTEE');
  const [problem, setProblem] = useState<Problem>();
  const [state, create] = useMutation(createIdentityMutation);
  const fields = ['displayName', 'username', 'primaryEmail', 'role'];
  return (
    <Dialog title="Add identity" onClose={props.onClose}>
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          const result = await create({ input: { realmId: session.realm.id, displayName, username, primaryEmail, role, source: 'MANUAL' } });
          const failed = problemOf(result.error, fields);
          if (failed) return setProblem(failed);
          props.onClose();
          const id = result.data?.createIdentity?.identity.id;
          if (id) navigate({ realm: session.realm.name, view: 'identity', id });
        }}
      >
        <TextField label="Display name" value={displayName} onValue={setDisplayName} error={problem?.fields.displayName} required autoFocus />
        <TextField label="Username" value={username} onValue={setUsername} error={problem?.fields.username} required />
        <TextField label="Email" type="email" value={primaryEmail} onValue={setPrimaryEmail} error={problem?.fields.primaryEmail} required />
        <SelectField label="Role" value={role} options={roles} onValue={(value) => setRole(value)} error={problem?.fields.role} />
        <Alert problem={problem} />
        <FormActions submit="Add identity" busy={state.fetching} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
