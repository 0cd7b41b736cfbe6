import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger } from 'typeorm';
import { migrations } from '../../migrations';
import { EmailOutboxEntity } from '../email/email-outbox.entity';
import { EventEntity } from '../events/event.entity';
import { GroupEntity } from '../group/group.entity';
import { IdentityEntity } from '../identity/identity.entity';
import { InvitationEntity } from '../invitation/invitation.entity';
import { MembershipEntity } from '../membership/membership.entity';
import { NestingEntity } from '../membership/nesting.entity';
import { ClosureEntity } from '../membership/closure.entity';
import { RealmEntity } from '../realm/realm.entity';
import { ApiTokenEntity } from '../auth/api-token.entity';
import { WebhookDeliveryEntity } from '../webhook/webhook-delivery.entity';
import { WebhookEndpointEntity } from '../webhook/webhook-endpoint.entity';
import { clientTimeouts, TimeoutClient } from './timeout-client';

export const entities = [RealmEntity, IdentityEntity, GroupEntity, MembershipEntity, NestingEntity, ClosureEntity, EventEntity, InvitationEntity, EmailOutboxEntity, ApiTokenEntity, WebhookEndpointEntity, WebhookDeliveryEntity];

export interface PoolOptions {
  /**
   * PostgreSQL cancels any statement of this pool's connections that runs longer (STATEMENT_TIMEOUT_MS;
   * unset or 0: never). Sent by pg as the `statement_timeout` startup parameter of each connection —
   * so not through a transaction pooler, which refuses a startup parameter it does not know, or drops
   * it when told to ignore it: behind one, the database's own setting for the role applies instead,
   * checked at start-up (src/db/database.ts).
   */
  readonly statementTimeoutMs?: number;
  /**
   * No statement timeout, whatever the role's or the database's own setting: `-c statement_timeout=0`
   * in the `options` startup parameter. For migrations, on a direct connection (a pooler refuses it).
   */
  readonly withoutStatementTimeout?: boolean;
  /**
   * How long opening a connection, or waiting for a free one, may take (DATABASE_CONNECT_TIMEOUT_MS);
   * unset: forever. pg-pool's `connectionTimeoutMillis` covers both.
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long a statement may go without an answer before its connection is given up and closed
   * (DATABASE_QUERY_TIMEOUT_MS; unset or 0: forever). Longer than the statement timeout: it is for
   * a server that does not answer at all (frozen, cut off), not for a slow statement.
   */
  readonly queryTimeoutMs?: number;
}

/** The one set of data source options, shared by the server, the tests and ormconfig.ts. */
export function dataSourceOptions(url: string, logger?: TypeOrmLogger, pool: PoolOptions = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    // Migrations are the schema's truth: the schema is never derived from the entities at run time.
    synchronize: false,
    migrationsRun: false,
    logger,
    extra: poolConfig(pool),
  };
}

/**
 * pg-pool's options for a pool of the server's: TypeORM's (`extra`) and the read replica's
 * (src/db/read-replica.ts), so that both bound their waits alike.
 */
export function poolConfig(pool: PoolOptions, applicationName = 'realmgraph') {
  return {
    max: 20,
    application_name: applicationName,
    // A connection whose query timed out is closed, never reused (src/db/timeout-client.ts).
    Client: TimeoutClient,
    ...clientTimeouts(pool),
    ...(pool.statementTimeoutMs ? { statement_timeout: pool.statementTimeoutMs } : {}),
    ...(pool.withoutStatementTimeout ? { options: '-c statement_timeout=0' } : {}),
  };
}

export function createDataSource(url: string, logger?: TypeOrmLogger, pool?: PoolOptions): DataSource {
  return new DataSource(dataSourceOptions(url, logger, pool));
}
