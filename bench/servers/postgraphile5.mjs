/**
 * PostGraphile v5 as a library over the same database and schema, on Node 22 (bench/lib/peers.mjs
 * starts it with the binary of bench/peers/postgraphile5's "node" package). Its config is v4's
 * (servers/postgraphile.mjs) carried over by v5's own V4 preset, so that the schema has v4's names
 * and the same options: no GraphiQL, no schema watching, no explain, dynamic JSON, RBAC honoured,
 * indexes ignored, a pool of 10 connections. What v5 has no equivalent for: the query log (v5 logs
 * no queries), `legacyRelations` (v5 has no legacy relations) and string body limits (a number here).
 */
import http from 'node:http';
import { grafserv, makePgService, makeV4Preset, pg, postgraphile } from '../peers/postgraphile5/index.mjs';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const preset = {
  // makeV4Preset extends v5's Amber preset with v4's inflection, behaviours and options.
  extends: [
    makeV4Preset({
      graphiql: false,
      watchPg: false,
      allowExplain: false,
      dynamicJson: true,
      setofFunctionsContainNulls: false,
      ignoreRBAC: false,
      retryOnInitFail: false,
      extendedErrors: ['errcode'],
      bodySizeLimit: 1024 * 1024,
    }),
  ],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  grafast: { explain: false },
  grafserv: { graphiql: false, watch: false, websockets: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
// createHandler: no websockets here (addTo would add an upgrade handler), and /healthz stays ours.
const handler = serv.createHandler();
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 65_000;
// The schema is built before saying ready, so that no timed request pays it.
await pgl.getSchema();
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
const stop = () => server.close(async () => {
  await pgl.release();
  await pool.end().catch(() => {});
  process.exit(0);
});
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
