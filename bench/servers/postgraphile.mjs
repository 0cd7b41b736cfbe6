/**
 * PostGraphile v4 as a library over the same database and schema, with its documented production
 * options (https://www.graphile.org/postgraphile/usage-library/): no GraphiQL, no query log,
 * no schema watching, dynamic JSON. It reads the same tables the product does.
 */
import http from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const middleware = postgraphile(pool, 'public', {
  graphiql: false,
  watchPg: false,
  disableQueryLog: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  legacyRelations: 'omit',
  retryOnInitFail: false,
  extendedErrors: ['errcode'],
  bodySizeLimit: '1MB',
});

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  middleware(req, res);
});
server.keepAliveTimeout = 65_000;
// The schema is introspected lazily: build it before saying ready, so that no timed request pays it.
middleware.getGraphQLSchema().then(() => {
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
});
const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
