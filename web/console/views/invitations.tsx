/** @jsxImportSource preact */
import { useMutation, useQuery, useSubscription } from '@urql/preact';
import { useId, useState } from 'preact/hooks';
import { invitationsQuery, invitationSubscription, inviteMutation, resendInvitationMutation, revokeInvitationMutation } from '../documents';
import { problemOf, type Problem } from '../errors';
import { Chosen, GroupPicker, type Choice } from '../picker';
import { useFreshOnReconnect, useSession } from '../session';
import { Alert, Confirm, DateTime, Dialog, errorAttributes, FieldError, FormActions, Pager, SelectField, TextField, ViewTitle, pageArgs, roleLabels, usePaging, type PageInfo } from '../ui';

type InvitationRow = {
  id: string;
  email: string;
  fullName: string | null;
  phoneNumber: string | null;
  role: string;
  status: string;
  expiresAt: string;
  deliveryStatus: { state: string; attempts: number; sentAt: string | null; lastError: string | null; nextAttemptAt: string | null };
};
type InvitationsData = {
  realm: { id: string; lastEventCursor?: string | null; invitations: { totalCount: number; edges: Array<{ cursor: string; node: InvitationRow }>; pageInfo: PageInfo } | null } | null;
};

const pageSize = 20;
const statusOptions = [
  ['', 'All'],
  ['PENDING', 'Pending'],
  ['ACCEPTED', 'Accepted'],
  ['EXPIRED', 'Expired'],
  ['REVOKED', 'Revoked'],
] as const;
const statusText: Record<string, string> = { PENDING: 'Pending', ACCEPTED: 'Accepted', EXPIRED: 'Expired', REVOKED: 'Revoked' };

function deliveryText(delivery: InvitationRow['deliveryStatus']): string {
  switch (delivery.state) {
    case 'SENT':
      return 'Sent';
    case 'QUEUED':
      return delivery.attempts > 0 ? `Retrying (${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'})` : 'Queued';
    case 'FAILED':
      return `Failed${delivery.lastError ? `: ${delivery.lastError}` : ''}`;
    case 'CANCELLED':
      return 'Cancelled';
    default:
      return delivery.state;
  }
}

export function InvitationsView() {
  const session = useSession();
  const [status, setStatus] = useState<(typeof statusOptions)[number][0]>('');
  const { page, setPage, firstPage } = usePaging();
  const [inviting, setInviting] = useState(false);
  const [revoking, setRevoking] = useState<InvitationRow>();
  const [resendProblem, setResendProblem] = useState<Problem>();
  const [resending, resend] = useMutation(resendInvitationMutation);
  const [, revoke] = useMutation(revokeInvitationMutation);
  const live = session.can('events:read');
  const [result, refetch] = useQuery<InvitationsData>({
    query: invitationsQuery,
    variables: { realmId: session.realm.id, ...pageArgs(page.at, pageSize), status: status || null, live },
  });
  useFreshOnReconnect(refetch);
  const realm = result.data?.realm;
  const connection = realm?.invitations;
  const writable = session.can('invitations:write');

  return (
    <section aria-labelledby="invitations-title">
      {realm?.lastEventCursor && <LiveInvitations key={session.generation} after={realm.lastEventCursor} />}
      <ViewTitle id="invitations-title" title="Invitations" action={writable ? 'Invite user' : undefined} onAction={() => setInviting(true)} />
      <div class="filters">
        <SelectField label="Status" value={status} options={statusOptions} onValue={(value) => (setStatus(value), firstPage())} />
      </div>
      <Alert problem={problemOf(result.error) ?? resendProblem} />
      <table aria-label="Invitations" aria-busy={result.fetching ? 'true' : 'false'}>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Full name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Delivery</th>
            <th scope="col">Expires</th>
            {writable && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {connection?.edges.map(({ node }) => (
            <tr key={node.id} data-invitation-id={node.id}>
              <td>{node.email}</td>
              <td>{node.fullName}</td>
              <td>{roleLabels[node.role] ?? node.role}</td>
              <td>{statusText[node.status] ?? node.status}</td>
              <td>{deliveryText(node.deliveryStatus)}</td>
              <td>
                <DateTime value={node.expiresAt} />
              </td>
              {writable && (
                <td>
                  {(node.status === 'PENDING' || node.status === 'EXPIRED') && (
                    <button
                      type="button"
                      aria-label={`Resend invitation to ${node.email}`}
                      // One resend at a time: each one mails a new link and ends the one before.
                      disabled={resending.fetching}
                      onClick={async () => setResendProblem(problemOf((await resend({ id: node.id })).error))}
                    >
                      Resend
                    </button>
                  )}
                  {node.status === 'PENDING' && (
                    <button type="button" class="danger" aria-label={`Revoke invitation to ${node.email}`} onClick={() => setRevoking(node)}>
                      Revoke
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {connection && connection.edges.length === 0 && <p class="empty">{status ? 'No invitation has this status.' : 'No invitations yet.'}</p>}
      <Pager info={connection?.pageInfo} count={connection?.edges.length ?? 0} total={connection?.totalCount} offset={page.offset} size={pageSize} onPage={(at, offset) => setPage({ at, offset })} />
      {inviting && <InviteUser onClose={() => setInviting(false)} />}
      {revoking && (
        <Confirm
          title={`Revoke the invitation to ${revoking.email}?`}
          body="Its link stops working; the invited identity is removed."
          verb="Revoke"
          danger
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => problemOf((await revoke({ id: revoking.id })).error)}
        />
      )}
    </section>
  );
}

/** Invitations sent, accepted, failing…, as they commit: each drops the cached lists (web/console/cache.ts). */
function LiveInvitations(props: { after: string }) {
  const session = useSession();
  useSubscription({ query: invitationSubscription, variables: { realmId: session.realm.id, after: props.after } });
  return null;
}

/** Calling codes offered first; any other is typed with its + in the Phone field. */
const countryCodes = [
  ['1', '+1 United States / Canada'],
  ['44', '+44 United Kingdom'],
  ['49', '+49 Germany'],
  ['33', '+33 France'],
  ['34', '+34 Spain'],
  ['39', '+39 Italy'],
  ['31', '+31 Netherlands'],
  ['46', '+46 Sweden'],
  ['41', '+41 Switzerland'],
  ['353', '+353 Ireland'],
  ['972', '+972 Israel'],
  ['91', '+91 India'],
  ['81', '+81 Japan'],
  ['82', '+82 South Korea'],
  ['86', '+86 China'],
  ['61', '+61 Australia'],
  ['55', '+55 Brazil'],
  ['52', '+52 Mexico'],
  ['27', '+27 South Africa'],
  ['65', '+65 Singapore'],
] as const;

/**
 * The number as the API takes it (E.164), from what a person types: "+44" and "(020) 7946 0958" →
 * "+442079460958". Spaces, dots, dashes and brackets go; a number typed with its own "+" or "00"
 * carries its country code; otherwise the chosen code goes in front, instead of the one trunk "0"
 * national numbers start with. Anything else (letters) is sent as it is, for the API to refuse.
 */
function phoneOf(code: string, typed: string): string | null {
  const compact = typed.replace(/[\s().\-]/g, '');
  if (!compact) return null;
  if (compact.startsWith('+')) return compact;
  if (compact.startsWith('00')) return `+${compact.slice(2)}`;
  return `+${code}${compact.replace(/^0/, '')}`;
}

const roleChoices = [
  { value: 'ADMIN', label: 'Admin', description: 'Has access to resources by default and grants access.' },
  { value: 'GRANTEE', label: 'Grantee', description: 'Requests and receives access.' },
] as const;

/** Apono's "Invite User": email, role, full name, an optional phone with its country code; and groups to join. */
function InviteUser(props: { onClose(): void }) {
  const session = useSession();
  const id = useId();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'ADMIN' | 'GRANTEE'>('GRANTEE');
  const [fullName, setFullName] = useState('');
  const [code, setCode] = useState<string>('1');
  const [phone, setPhone] = useState('');
  const [groups, setGroups] = useState<Choice[]>([]);
  const [problem, setProblem] = useState<Problem>();
  const [state, invite] = useMutation(inviteMutation);
  return (
    <Dialog title="Invite user" onClose={props.onClose}>
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          const result = await invite({
            input: { realmId: session.realm.id, email, role, fullName: fullName.trim() || null, phoneNumber: phoneOf(code, phone), groupIds: groups.map((group) => group.id) },
          });
          const failed = problemOf(result.error, ['email', 'role', 'fullName', 'phoneNumber', 'groupIds']);
          if (failed) return setProblem(failed);
          props.onClose();
        }}
      >
        <TextField label="Email" type="email" value={email} onValue={setEmail} error={problem?.fields.email} required autoFocus />
        <fieldset class="roles" aria-describedby={errorAttributes(`${id}-role`, problem?.fields.role)['aria-describedby']}>
          <legend>Role</legend>
          {roleChoices.map((choice) => (
            <div class="radio" key={choice.value}>
              <input
                type="radio"
                id={`${id}-role-${choice.value}`}
                name={`${id}-role`}
                value={choice.value}
                checked={role === choice.value}
                aria-describedby={`${id}-role-${choice.value}-description`}
                onChange={() => setRole(choice.value)}
              />
              <label for={`${id}-role-${choice.value}`}>{choice.label}</label>
              <p id={`${id}-role-${choice.value}-description`} class="hint">
                {choice.description}
              </p>
            </div>
          ))}
          <FieldError id={`${id}-role`} error={problem?.fields.role} />
        </fieldset>
        <TextField label="Full name" value={fullName} onValue={setFullName} error={problem?.fields.fullName} autoComplete="off" />
        <div class="phone">
          <SelectField label="Country code" value={code} options={countryCodes} onValue={setCode} />
          <TextField label="Phone" type="tel" value={phone} onValue={setPhone} error={problem?.fields.phoneNumber} hint="Optional. Without a leading +, the country code is put in front." />
        </div>
        {session.can('groups:read') && (
          <>
            <GroupPicker label="Groups" realmId={session.realm.id} chosen={groups} onChoose={(choice) => setGroups((current) => [...current, choice])} error={problem?.fields.groupIds} />
            <Chosen label="Groups to join" chosen={groups} onRemove={(choice) => setGroups((current) => current.filter((group) => group.id !== choice.id))} />
          </>
        )}
        <Alert problem={problem} />
        <FormActions submit="Send invitation" busy={state.fetching} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
