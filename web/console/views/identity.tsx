/** @jsxImportSource preact */
import { useClient, useMutation, useQuery } from '@urql/preact';
import type { DocumentNode } from 'graphql';
import { useState } from 'preact/hooks';
import { deleteIdentityMutation, deprovisionMutation, identityQuery, objectEventsSubscription, reactivateMutation, suspendMutation } from '../documents';
import { problemOf } from '../errors';
import { follow, hrefOf, navigate } from '../route';
import { useFreshOnReconnect, useSession, useWatched, type RealmRef } from '../session';
import { Confirm, DateTime, roleLabels, sourceLabels, statusLabels } from '../ui';
import { EventItem, namesReadable, type EventNode } from './events';
import type { IdentityRow } from './identities';
import { isHere, NotHere } from './not-here';

type IdentityData = {
  node:
    | (IdentityRow & {
        __typename: string;
        realm: RealmRef;
        fullName: string | null;
        phoneNumber: string | null;
        title: string | null;
        department: string | null;
        externalId: string | null;
        createdAt: string;
        groups: { totalCount: number; edges: Array<{ addedAt: string; node: { id: string; name: string; memberCount: number } }> } | null;
        possibleDuplicates: { edges: Array<{ reasons: string[]; node: IdentityRow }> } | null;
      })
    | null;
  realm?: { id: string; lastEventCursor: string | null; events: { edges: Array<{ node: EventNode }> } | null } | null;
};

/** The status changes an identity in each status can take (src/identity/identity.resolver.ts). */
const actions: ReadonlyArray<{ verb: string; from: readonly string[]; mutation: DocumentNode; explain: string; danger?: boolean }> = [
  { verb: 'Suspend', from: ['ACTIVE'], mutation: suspendMutation, explain: 'It keeps its groups and can be reactivated.' },
  { verb: 'Reactivate', from: ['SUSPENDED', 'DEPROVISIONED'], mutation: reactivateMutation, explain: 'It becomes active again.' },
  { verb: 'Deprovision', from: ['ACTIVE', 'SUSPENDED'], mutation: deprovisionMutation, explain: 'It keeps its record and groups until deleted.', danger: true },
];

const duplicateReasons: Record<string, string> = {
  SAME_DISPLAY_NAME: 'same display name',
  SAME_EMAIL_LOCAL_PART: 'same email before the @',
  SAME_EMPLOYEE_NUMBER: 'same employee number',
  SAME_FULL_NAME: 'same full name',
  SAME_PHONE_NUMBER: 'same phone number',
};

export function IdentityView(props: { id: string }) {
  const session = useSession();
  const [result, refetch] = useQuery<IdentityData>({ query: identityQuery, variables: { id: props.id, realmId: session.realm.id, events: session.can('events:read'), names: namesReadable(session) } });
  useFreshOnReconnect(refetch);
  useWatched({
    subscription: objectEventsSubscription,
    types: ['IDENTITY_UPDATED', 'IDENTITY_STATUS_CHANGED', 'IDENTITY_DELETED', 'IDENTITIES_LINKED', 'MEMBERSHIP_ADDED', 'MEMBERSHIP_REMOVED'],
    about: (event) => event.identityId === props.id,
    after: result.data?.realm?.lastEventCursor,
    reread: refetch,
  });
  const [confirming, setConfirming] = useState<string>();
  const client = useClient();
  const [, remove] = useMutation(deleteIdentityMutation);
  const identity = result.data?.node;
  const back = { realm: session.realm.name, view: 'identities' as const };

  if (!identity || !isHere(identity, 'Identity', session.realm.id)) {
    const backLink = (
      <p>
        <a href={hrefOf(back)} onClick={follow(back)}>
          ← Identities
        </a>
      </p>
    );
    return <NotHere kind="identity" typename="Identity" id={props.id} node={identity} realmId={session.realm.id} result={result} back={backLink} />;
  }
  const writable = session.can('identities:write');
  const action = actions.find((candidate) => candidate.verb === confirming);
  return (
    <section aria-labelledby="identity-title">
      <p>
        <a href={hrefOf(back)} onClick={follow(back)}>
          ← Identities
        </a>
      </p>
      <div class="title">
        <h2 id="identity-title">{identity.displayName}</h2>
        <span class={`badge ${identity.status.toLowerCase()}`}>{statusLabels[identity.status] ?? identity.status}</span>
      </div>
      {writable && (
        <div class="actions">
          {actions
            .filter((candidate) => candidate.from.includes(identity.status))
            .map((candidate) => (
              <button key={candidate.verb} type="button" class={candidate.danger ? 'danger' : undefined} onClick={() => setConfirming(candidate.verb)}>
                {candidate.verb}
              </button>
            ))}
          {identity.status !== 'INVITED' && (
            <button type="button" class="danger" onClick={() => setConfirming('Delete')}>
              Delete
            </button>
          )}
        </div>
      )}
      <dl class="details">
        <dt>Username</dt>
        <dd>{identity.username}</dd>
        <dt>Email</dt>
        <dd>{identity.primaryEmail}</dd>
        {identity.fullName && (
          <>
            <dt>Full name</dt>
            <dd>{identity.fullName}</dd>
          </>
        )}
        {identity.phoneNumber && (
          <>
            <dt>Phone</dt>
            <dd>{identity.phoneNumber}</dd>
          </>
        )}
        <dt>Role</dt>
        <dd>{roleLabels[identity.role] ?? identity.role}</dd>
        <dt>Source</dt>
        <dd>
          {sourceLabels[identity.source] ?? identity.source}
          {identity.externalId && ` (external ID ${identity.externalId})`}
        </dd>
        {identity.title && (
          <>
            <dt>Title</dt>
            <dd>{identity.title}</dd>
          </>
        )}
        {identity.department && (
          <>
            <dt>Department</dt>
            <dd>{identity.department}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <DateTime value={identity.createdAt} />
        </dd>
      </dl>

      <section aria-labelledby="identity-groups">
        <h3 id="identity-groups">Groups</h3>
        {identity.groups === null ? (
          <p class="empty">This token may not read groups.</p>
        ) : identity.groups.edges.length === 0 ? (
          <p class="empty">In no group.</p>
        ) : (
          <table aria-label="Groups">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Members</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {identity.groups.edges.map(({ node, addedAt }) => {
                const to = { realm: session.realm.name, view: 'group' as const, id: node.id };
                return (
                  <tr key={node.id}>
                    <td>
                      <a href={hrefOf(to)} onClick={follow(to)}>
                        {node.name}
                      </a>
                    </td>
                    <td>{node.memberCount}</td>
                    <td>
                      <DateTime value={addedAt} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      {identity.possibleDuplicates && identity.possibleDuplicates.edges.length > 0 && (
        <section aria-labelledby="identity-duplicates">
          <h3 id="identity-duplicates">Possible duplicates</h3>
          <ul>
            {identity.possibleDuplicates.edges.map(({ node, reasons }) => {
              const to = { realm: session.realm.name, view: 'identity' as const, id: node.id };
              return (
                <li key={node.id}>
                  <a href={hrefOf(to)} onClick={follow(to)}>
                    {node.displayName}
                  </a>{' '}
                  ({node.primaryEmail}, {sourceLabels[node.source] ?? node.source}): {reasons.map((reason) => duplicateReasons[reason] ?? reason).join(', ')}
                </li>
              );
            })}
          </ul>
        </section>
      )}

      {result.data?.realm?.events && (
        <section aria-labelledby="identity-events">
          <h3 id="identity-events">Recent events</h3>
          {result.data.realm.events.edges.length === 0 ? (
            <p class="empty">None kept.</p>
          ) : (
            <ol class="events" aria-label="Recent events">
              {[...result.data.realm.events.edges].reverse().map(({ node }) => (
                <EventItem key={node.id} event={node} />
              ))}
            </ol>
          )}
        </section>
      )}

      {action && (
        <Confirm
          title={`${action.verb} ${identity.displayName}?`}
          body={action.explain}
          verb={action.verb}
          danger={action.danger}
          onClose={() => setConfirming(undefined)}
          onConfirm={async () => {
            const failed = problemOf((await client.mutation(action.mutation, { id: identity.id }).toPromise()).error);
            // The payload updates the identity; its history (a list the cache cannot extend) is read again.
            if (!failed) refetch({ requestPolicy: 'network-only' });
            return failed;
          }}
        />
      )}
      {confirming === 'Delete' && (
        <Confirm
          title={`Delete ${identity.displayName}?`}
          body="The identity and its memberships are deleted for good."
          verb="Delete"
          danger
          onClose={() => setConfirming(undefined)}
          onConfirm={async () => {
            const deleted = await remove({ id: identity.id });
            const failed = problemOf(deleted.error);
            if (!failed) navigate(back);
            return failed;
          }}
        />
      )}
    </section>
  );
}
