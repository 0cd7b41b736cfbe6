// First: tracing, when configured, instruments what is loaded after it (src/observability/tracing.ts).
import { stopTracing, tracingOn } from './observability/tracing';
import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/database';
import { createLogger } from './logger';
import { bootstrapTokens } from './auth/bootstrap';
import { createApp } from './app/app';

/** Start-up: config → database (embedded unless DATABASE_URL) → the app (services, schema, HTTP + WebSocket). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger);
  const { created } = await bootstrapTokens(database.dataSource, config.adminToken);
  const app = await createApp({ dataSource: database.dataSource, config, logger, listenUrl: database.directUrl });
  const port = await app.listen(config.port, config.host);
  // Before "serving": whoever waits for that line has the token by then.
  if (created) printFirstToken(created, port);
  const shownHost = (host: string) => (host === '0.0.0.0' || host === '::' ? 'localhost' : host);
  const shown = shownHost(config.host);
  logger.info('realmgraph is serving', {
    graphql: `http://${shown}:${port}/graphql`,
    websocket: `ws://${shown}:${port}/graphql`,
    playground: `http://${shown}:${port}/graphiql`,
    dashboard: `http://${shown}:${port}/dashboard`,
    database: config.databaseDirectUrl ? 'DATABASE_URL, through a pooler (LISTEN on DATABASE_DIRECT_URL)' : config.databaseUrl ? 'DATABASE_URL' : `embedded (${config.dataDir})`,
    ...(config.readReplica ? { queriesRead: 'DATABASE_READ_URL (the primary when it lags)' } : {}),
    ...(app.metricsPort !== undefined ? { metrics: `http://${shownHost(config.metrics!.host)}:${app.metricsPort}/metrics` } : {}),
    tracing: tracingOn ? 'on' : 'off',
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // A request stuck past this point must not keep the process (and the database) alive forever.
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    deadline.unref();
    try {
      await app.stop();
      await database.close();
      await stopTracing();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error('shutdown failed', { error: String(error) });
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Printed once, on the first start without ADMIN_TOKEN: the token is not stored anywhere else. */
function printFirstToken(token: string, port: number): void {
  process.stdout.write(
    [
      '',
      '  First start: an admin API token was created. It is shown this once; keep it somewhere safe.',
      '',
      `    ${token}`,
      '',
      '  Send it with every request:   Authorization: Bearer <token>',
      `  In the playground (http://localhost:${port}/graphiql) or the dashboard (/dashboard), paste it in the token field.`,
      '  Over WebSocket, put it in connection_init: { "authorization": "Bearer <token>" }.',
      '  Manage tokens with `npm run token -- --help`, or set ADMIN_TOKEN for automation.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `Configuration: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`realmgraph did not start. ${message}\n`);
  process.exit(1);
});
