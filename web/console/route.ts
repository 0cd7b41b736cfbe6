import { useEffect, useState } from 'preact/hooks';

/**
 * Where the console is — the realm, the view, the object — in the address
 * (`/console?realm=acme&view=group&id=…`): a view can be bookmarked, shared and reloaded, and Back
 * goes where a person expects. A list's search, sort and page are the view's own (not kept).
 */
export type View = 'identities' | 'identity' | 'groups' | 'group' | 'invitations' | 'events';
const views: readonly View[] = ['identities', 'identity', 'groups', 'group', 'invitations', 'events'];

export interface Route {
  /** The realm's name (`?realm=`). */
  realm?: string;
  view: View;
  /** The identity's or group's global ID, for their pages. */
  id?: string;
}

export function currentRoute(): Route {
  const params = new URL(location.href).searchParams;
  const view = params.get('view') as View | null;
  return { realm: params.get('realm') ?? undefined, view: view && views.includes(view) ? view : 'identities', id: params.get('id') ?? undefined };
}

export function hrefOf(route: Route): string {
  const params = new URLSearchParams();
  if (route.realm) params.set('realm', route.realm);
  if (route.view !== 'identities') params.set('view', route.view);
  if (route.id) params.set('id', route.id);
  const query = params.toString();
  return `/console${query ? `?${query}` : ''}`;
}

const changed = 'realmgraph:route';

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefOf(route);
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  dispatchEvent(new Event(changed));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    addEventListener('popstate', update);
    addEventListener(changed, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(changed, update);
    };
  }, []);
  return route;
}

/** A plain link (it opens in a new tab with a middle click) that moves within the page otherwise. */
export function follow(route: Route) {
  return (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(route);
  };
}
