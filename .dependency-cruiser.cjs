/**
 * The rules of src/'s dependency graph (docs/decisions.md 68), checked in CI by `npm run deps`:
 * no cycle, type imports included; the domains do not import the edges (server/) or the
 * composition root (app/); a repository is imported only by its own domain (a row type may be
 * imported for its type); identity and group depend on membership only through the module of the
 * writes their transactions make (membership.writes.ts), never on the membership service.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle, type imports included: the order of construction and of reading would be unclear.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domains-do-not-import-the-edges',
      severity: 'error',
      comment: 'server/ (HTTP, WebSocket, GraphQL plumbing), scim/ (SCIM 2.0 over HTTP) and app/ (the composition root) use the domains, never the reverse.',
      from: { path: '^src/(?!server/|app/|schema/|scim/|main\\.ts)' },
      to: { path: '^src/(server|app|scim)/' },
    },
    {
      name: 'repositories-are-their-domains-own',
      severity: 'error',
      comment: 'SQL stays in its domain: another domain goes through its service (or takes a row type, as a type).',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/[^/]+\\.repository\\.ts$', pathNot: '^src/$1/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'membership-depends-on-group-and-identity-not-the-reverse',
      severity: 'error',
      comment: 'Identity and group reach memberships only through the writes their transactions make.',
      from: { path: '^src/(identity|group)/' },
      to: { path: '^src/membership/', pathNot: '^src/membership/membership\\.writes\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    includeOnly: '^src/',
  },
};
