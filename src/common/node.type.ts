import { Field, ID, InterfaceType } from 'type-graphql';

/** The Relay Node interface: anything with a global ID that `node(id)` can fetch again. */
@InterfaceType({
  description: 'An object with a global ID, which `node(id)` and `nodes(ids)` fetch again.',
  resolveType: (value: { __typename?: string }) => value.__typename,
})
export abstract class Node {
  @Field(() => ID, { description: 'An opaque global ID; do not parse it.' })
  id: string;
}
