import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger } from 'typeorm';
import { migrations } from '../../migrations';
import { EmailOutboxEntity } from '../email/email-outbox.entity';
import { EventEntity } from '../events/event.entity';
import { GroupEntity } from '../group/group.entity';
import { IdentityEntity } from '../identity/identity.entity';
import { InvitationEntity } from '../invitation/invitation.entity';
import { MembershipEntity } from '../membership/membership.entity';
import { RealmEntity } from '../realm/realm.entity';

export const entities = [RealmEntity, IdentityEntity, GroupEntity, MembershipEntity, EventEntity, InvitationEntity, EmailOutboxEntity];

/** The one set of data source options, shared by the server, the tests and ormconfig.ts. */
export function dataSourceOptions(url: string, logger?: TypeOrmLogger): DataSourceOptions {
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
    extra: { max: 20, application_name: 'realmgraph' },
  };
}

export function createDataSource(url: string, logger?: TypeOrmLogger): DataSource {
  return new DataSource(dataSourceOptions(url, logger));
}
