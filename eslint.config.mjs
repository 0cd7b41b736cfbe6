// graphql-eslint over the committed SDL (schema/schema.graphql): its recommended schema rules and
// its Relay rules (`npm run lint:schema`, run by .ci/run; docs/decisions.md 99). Only the SDL: the
// TypeScript is checked by tsc and dependency-cruiser. Each option below that loosens a rule says why.
import graphql from '@graphql-eslint/eslint-plugin';

export default [
  {
    files: ['schema/schema.graphql'],
    languageOptions: {
      parser: graphql.parser,
      parserOptions: { graphQLConfig: { schema: 'schema/schema.graphql' } },
    },
    plugins: { '@graphql-eslint': graphql },
    rules: {
      ...graphql.configs['flat/schema-recommended'].rules,
      ...graphql.configs['flat/schema-relay'].rules,
      '@graphql-eslint/strict-id-in-types': [
        'error',
        {
          acceptedIdNames: ['id'],
          acceptedIdTypes: ['ID'],
          exceptions: {
            // Relay's connection, edge and payload types are views of a list or of a change, not objects with an identity.
            suffixes: ['Connection', 'Edge', 'Payload'],
            // PageInfo is Relay's; an invitation's delivery is a value of its invitation, read only through it;
            // a duplicate pair is two identities and why they look alike, a value of the realm's list.
            types: ['PageInfo', 'InvitationDelivery', 'DuplicatePair'],
          },
        },
      ],
      '@graphql-eslint/relay-edge-types': [
        'error',
        {
          withEdgeSuffix: true,
          // The event log's events have IDs but are not refetchable by node(id); Relay's connection spec lets an edge's node be any object.
          shouldImplementNode: false,
          // Short, bounded lists are plain lists, as Relay's own nodes(ids) is: a token's scopes, ErrorCode, a batch mutation's changed members.
          listTypeCanWrapOnlyEdgeType: false,
        },
      ],
    },
  },
];
