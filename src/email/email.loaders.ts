import type DataLoader from 'dataloader';
import { rowLoader, type LoaderOptions } from '../common/loaders';
import type { Queryable } from '../db/queryable';
import { latestDeliveryByInvitation, type DeliveryRow } from './email-outbox.repository';

export interface EmailLoaders {
  /** The latest outbox message of each invitation: one statement for a whole list of invitations. */
  latestByInvitation: DataLoader<string, DeliveryRow | null>;
}

export function createEmailLoaders(db: Queryable, options: LoaderOptions): EmailLoaders {
  return {
    latestByInvitation: rowLoader(options, (uuids) => latestDeliveryByInvitation(db, uuids), (row) => row.invitationUuid, (row) => row.realmUuid),
  };
}
