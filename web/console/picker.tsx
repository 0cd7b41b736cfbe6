/** @jsxImportSource preact */
import type { DocumentNode } from 'graphql';
import { useQuery } from '@urql/preact';
import { useId, useState } from 'preact/hooks';
import { groupSearchQuery, peopleSearchQuery } from './documents';
import { problemOf } from './errors';
import { errorAttributes, FieldError, useDebounced } from './ui';

export interface Choice {
  id: string;
  /** What the option is called (a person's display name, a group's name). */
  label: string;
  /** What tells two of the same name apart (an email, a member count). */
  detail: string;
}

/**
 * A search-as-you-type picker (the ARIA 1.2 combobox pattern): typing asks the API for matches
 * (any part of a name, email or username for people), ArrowDown/ArrowUp move through the options,
 * Enter or a click chooses one, Escape closes the list. What is chosen is the parent's; options
 * already chosen are not offered again.
 */
function Picker(props: {
  label: string;
  chosen: readonly Choice[];
  onChoose(choice: Choice): void;
  search: DocumentNode;
  realmId: string;
  choicesOf(data: unknown): Choice[];
  error?: string;
  placeholder: string;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const search = useDebounced(text.trim(), 150);
  const [result] = useQuery({ query: props.search, variables: { realmId: props.realmId, search: search || null }, pause: !open, requestPolicy: 'cache-and-network' });
  const taken = new Set(props.chosen.map((choice) => choice.id));
  const options = result.data ? props.choicesOf(result.data).filter((choice) => !taken.has(choice.id)) : [];
  // Within the options there are now (an arrow pressed before they came cannot point outside them).
  const current = Math.max(0, Math.min(active, options.length - 1));
  const expanded = open && options.length > 0;

  const choose = (choice: Choice) => {
    props.onChoose(choice);
    setText('');
    setActive(0);
    // Closed until the next key: the list would cover what follows the picker.
    setOpen(false);
  };

  return (
    <div class="field picker">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        role="combobox"
        type="text"
        autoComplete="off"
        placeholder={props.placeholder}
        aria-autocomplete="list"
        aria-expanded={expanded ? 'true' : 'false'}
        aria-controls={`${id}-options`}
        aria-activedescendant={expanded ? `${id}-option-${current}` : undefined}
        {...errorAttributes(id, props.error)}
        value={text}
        onInput={(event) => {
          setText(event.currentTarget.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onClick={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            setOpen(true);
            setActive(Math.max(0, Math.min(current + 1, options.length - 1)));
          } else if (event.key === 'ArrowUp') {
            event.preventDefault();
            setActive(Math.max(current - 1, 0));
          } else if (event.key === 'Enter' && expanded && options[current]) {
            event.preventDefault();
            choose(options[current]);
          } else if (event.key === 'Escape' && expanded) {
            // Closes the list, not the dialog around it.
            event.preventDefault();
            event.stopPropagation();
            setOpen(false);
          }
        }}
      />
      <ul id={`${id}-options`} role="listbox" aria-label={props.label} hidden={!expanded}>
        {options.map((choice, index) => (
          <li
            key={choice.id}
            id={`${id}-option-${index}`}
            role="option"
            aria-selected={index === current ? 'true' : 'false'}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => choose(choice)}
          >
            {choice.label} <span class="detail">{choice.detail}</span>
          </li>
        ))}
      </ul>
      {open && result.data && options.length === 0 && search && search === text.trim() && <p class="hint">No match for “{search}”.</p>}
      {open && result.error && (
        <p class="field-error" role="alert">
          {problemOf(result.error)?.general}
        </p>
      )}
      <FieldError id={id} error={props.error} />
    </div>
  );
}

/** What was chosen, each with a button to take it back. */
export function Chosen(props: { label: string; chosen: readonly Choice[]; onRemove(choice: Choice): void }) {
  if (props.chosen.length === 0) return null;
  return (
    <ul class="chosen" aria-label={props.label}>
      {props.chosen.map((choice) => (
        <li key={choice.id}>
          {choice.label} <span class="detail">{choice.detail}</span>
          <button type="button" aria-label={`Remove ${choice.label}`} onClick={() => props.onRemove(choice)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

type Connection<T> = { edges: Array<{ node: T }> };
type Person = { id: string; displayName: string; primaryEmail: string };
type GroupChoice = { id: string; name: string; memberCount: number };

export function PeoplePicker(props: { label: string; realmId: string; chosen: readonly Choice[]; onChoose(choice: Choice): void; error?: string }) {
  return (
    <Picker
      {...props}
      search={peopleSearchQuery}
      placeholder="Type a name, email or username"
      choicesOf={(data) =>
        ((data as { realm: { identities: Connection<Person> | null } | null }).realm?.identities?.edges ?? []).map(({ node }) => ({
          id: node.id,
          label: node.displayName,
          detail: node.primaryEmail,
        }))
      }
    />
  );
}

export function GroupPicker(props: { label: string; realmId: string; chosen: readonly Choice[]; onChoose(choice: Choice): void; error?: string }) {
  return (
    <Picker
      {...props}
      search={groupSearchQuery}
      placeholder="Type a group’s name"
      choicesOf={(data) =>
        ((data as { realm: { groups: Connection<GroupChoice> | null } | null }).realm?.groups?.edges ?? []).map(({ node }) => ({
          id: node.id,
          label: node.name,
          detail: `${node.memberCount} member${node.memberCount === 1 ? '' : 's'}`,
        }))
      }
    />
  );
}
