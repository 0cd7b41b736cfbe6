import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * A document's fragments by name, and a way to walk a selection set through them. The limit rules
 * run beside graphql-js' own (NoFragmentCycles among them), so they must survive a cyclic or
 * unknown fragment: a cycle counts nothing the second time round, and is refused by that rule.
 */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * The fields a selection set selects directly, fragments spread and inlined. Each fragment is
 * expanded once: a fragment spread twice selects the same fields (and a document whose fragments
 * each spread the next one twice would otherwise cost 2ⁿ).
 */
export function fieldsOf(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  expanded: Set<string> = new Set(),
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...fieldsOf(selection.selectionSet, fragments, expanded));
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || expanded.has(name)) continue;
      expanded.add(name);
      fields.push(...fieldsOf(fragment.selectionSet, fragments, expanded));
    }
  }
  return fields;
}
