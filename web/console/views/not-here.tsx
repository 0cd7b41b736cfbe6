/** @jsxImportSource preact */
import type { CombinedError } from '@urql/core';
import type { ComponentChildren } from 'preact';
import { codeOf, problemOf } from '../errors';
import { follow, hrefOf } from '../route';
import type { RealmRef } from '../session';
import { Alert } from '../ui';

type Shown = { __typename: string; realm?: RealmRef } | null | undefined;

/** Whether `node` is a `typename` of `realmId`: the one thing an object's page may show. */
export const isHere = (node: Shown, typename: string, realmId: string): boolean => node?.__typename === typename && node.realm?.id === realmId;

/**
 * What an identity's or group's page says instead of the object: that there is no such object here
 * (deleted, or an ID of another kind), or — for a token of every realm — that it is in another
 * realm, with a link to it there.
 */
export function NotHere(props: {
  kind: 'identity' | 'group';
  typename: string;
  id: string;
  node: Shown;
  realmId: string;
  result: { data?: unknown; fetching: boolean; error?: CombinedError };
  back: ComponentChildren;
}) {
  const { node } = props;
  const elsewhere = node?.__typename === props.typename && node.realm && node.realm.id !== props.realmId ? node.realm : undefined;
  const gone = !elsewhere && props.result.data !== undefined && !props.result.fetching && (node?.__typename !== props.typename || codeOf(props.result.error) === 'NOT_FOUND');
  const there = elsewhere && { realm: elsewhere.name, view: props.kind, id: props.id };
  return (
    <section>
      {props.back}
      <Alert problem={problemOf(props.result.error)} />
      {gone && <p class="empty">There is no such {props.kind} in this realm (it may have been deleted).</p>}
      {there && (
        <p class="empty">
          This {props.kind} is not in this realm: it is in {elsewhere.displayName}.{' '}
          <a href={hrefOf(there)} onClick={follow(there)}>
            Open it there
          </a>
        </p>
      )}
    </section>
  );
}
