import 'reflect-metadata';
import { createDataSource } from './src/db/data-source';

/**
 * The data source for the TypeORM CLI (`npm run migration:generate -- migrations/<Name>`).
 * It needs a running server: DATABASE_DIRECT_URL when set (migrations go direct, as the server's
 * do), else DATABASE_URL, else the embedded one that `npm start` runs.
 */
export default createDataSource(
  process.env.DATABASE_DIRECT_URL || process.env.DATABASE_URL || `postgres://postgres:realmgraph@127.0.0.1:${process.env.EMBEDDED_PG_PORT ?? 54329}/realmgraph`,
);
