/** @jsxImportSource preact */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Problem } from './errors';

/**
 * The API's error for a field, beside it: the field names it with `errorAttributes(id, error)`
 * (aria-invalid, aria-describedby), so that a screen reader reads it with the field.
 */
export function FieldError(props: { id: string; error?: string }) {
  if (!props.error) return null;
  return (
    <p id={`${props.id}-error`} class="field-error">
      {props.error}
    </p>
  );
}

export const errorAttributes = (id: string, error: string | undefined) => ({
  'aria-invalid': error ? ('true' as const) : undefined,
  'aria-describedby': error ? `${id}-error` : undefined,
});

/** A labelled text input with the API's error for it beside it (aria-invalid, aria-describedby). */
export function TextField(props: {
  label: string;
  value: string;
  onValue(value: string): void;
  error?: string;
  type?: 'text' | 'email' | 'tel' | 'search';
  required?: boolean;
  autoComplete?: string;
  hint?: string;
  autoFocus?: boolean;
}) {
  const id = useId();
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete ?? 'off'}
        autoFocus={props.autoFocus}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described || undefined}
        onInput={(event) => props.onValue(event.currentTarget.value)}
      />
      {props.hint && (
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
      <FieldError id={id} error={props.error} />
    </div>
  );
}

export function SelectField<T extends string>(props: { label: string; value: T; onValue(value: T): void; options: ReadonlyArray<readonly [T, string]>; error?: string }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        {...errorAttributes(id, props.error)}
        onChange={(event) => props.onValue(event.currentTarget.value as T)}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <FieldError id={id} error={props.error} />
    </div>
  );
}

/** A list's search box: it asks the API when typing pauses (the view debounces), from the first page. */
export function SearchField(props: { label: string; placeholder: string; value: string; onValue(value: string): void }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input id={id} type="search" placeholder={props.placeholder} value={props.value} onInput={(event) => props.onValue(event.currentTarget.value)} />
    </div>
  );
}

/** A form's submit button (disabled while its request is out) and Cancel. */
export function FormActions(props: { submit: string; busy: boolean; onCancel(): void }) {
  return (
    <div class="actions">
      <button type="submit" class="primary" disabled={props.busy}>
        {props.submit}
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A view's heading, with its main action when the token may take it. */
export function ViewTitle(props: { id: string; title: string; action?: string; onAction?(): void }) {
  return (
    <div class="title">
      <h2 id={props.id}>{props.title}</h2>
      {props.action && (
        <button type="button" class="primary" onClick={props.onAction}>
          {props.action}
        </button>
      )}
    </div>
  );
}

/** What an API error says that names no field: in the form, announced. */
export function Alert(props: { problem?: Problem | string }) {
  const text = typeof props.problem === 'string' ? props.problem : props.problem?.general;
  if (!text) return null;
  return (
    <p class="alert" role="alert">
      {text}
    </p>
  );
}

/**
 * A modal dialog (the browser's own <dialog>: focus is kept inside, Escape closes it, the page
 * behind is inert), named by its title. `alert` for a confirmation (role alertdialog).
 */
export function Dialog(props: { title: string; onClose(): void; children: ComponentChildren; alert?: boolean; describedBy?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    // Focus goes back where it was (the button that opened the dialog) when it closes.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    return () => {
      dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      role={props.alert ? 'alertdialog' : undefined}
      aria-labelledby={titleId}
      aria-describedby={props.describedBy}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/**
 * "Remove Ann from Engineering?": the action runs only when confirmed; its error, if any, is shown
 * in the dialog, which stays open.
 */
export function Confirm(props: { title: string; body?: string; verb: string; onConfirm(): Promise<Problem | undefined>; onClose(): void; danger?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const bodyId = useId();
  return (
    <Dialog title={props.title} onClose={props.onClose} alert describedBy={props.body ? bodyId : undefined}>
      {props.body && <p id={bodyId}>{props.body}</p>}
      <Alert problem={problem} />
      <div class="actions">
        <button
          type="button"
          class={props.danger ? 'danger' : 'primary'}
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            const failed = await props.onConfirm();
            setBusy(false);
            if (failed) setProblem(failed);
            else props.onClose();
          }}
        >
          {props.verb}
        </button>
        <button type="button" onClick={props.onClose} autoFocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** Where a paged list is: the first page, or after / before a cursor. */
export type PageAt = { after?: string; before?: string };

/** Where a paged list is, and the way back to its first page (a new search or filter starts there). */
export function usePaging() {
  const [page, setPage] = useState<{ at: PageAt; offset: number }>({ at: {}, offset: 0 });
  return { page, setPage, firstPage: () => setPage({ at: {}, offset: 0 }) };
}

/** Relay arguments for the page at `at`, of `size` items. */
export const pageArgs = (at: PageAt, size: number) => (at.before ? { last: size, before: at.before } : { first: size, after: at.after });

/** "21–40 of 75", Previous page, Next page. `offset` is the index of the page's first item. */
export function Pager(props: { info?: PageInfo; count: number; total?: number; offset: number; onPage(at: PageAt, offset: number): void; size: number }) {
  const { info } = props;
  // An empty list has no pages to go through.
  if (!info || (props.count === 0 && !info.hasNextPage && !info.hasPreviousPage)) return null;
  const from = props.count === 0 ? 0 : props.offset + 1;
  return (
    <div class="pager">
      <span>
        {from}–{props.offset + props.count}
        {props.total !== undefined && ` of ${props.total}`}
      </span>
      <button type="button" disabled={!info.hasPreviousPage || !info.startCursor} onClick={() => props.onPage({ before: info.startCursor! }, Math.max(0, props.offset - props.size))}>
        Previous page
      </button>
      <button type="button" disabled={!info.hasNextPage || !info.endCursor} onClick={() => props.onPage({ after: info.endCursor! }, props.offset + props.count)}>
        Next page
      </button>
    </div>
  );
}

/** `value`, once it has not changed for `ms`: a search box asks the API when typing pauses, not at every key. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export const statusLabels: Record<string, string> = { ACTIVE: 'Active', INVITED: 'Invited', SUSPENDED: 'Suspended', DEPROVISIONED: 'Deprovisioned' };
export const roleLabels: Record<string, string> = { ADMIN: 'Admin', GRANTEE: 'Grantee' };
export const sourceLabels: Record<string, string> = { IDP: 'Identity provider', MANUAL: 'Manual' };

export function DateTime(props: { value: string | null | undefined }): JSX.Element | null {
  if (!props.value) return null;
  const date = new Date(props.value);
  return <time dateTime={props.value}>{date.toLocaleString()}</time>;
}
