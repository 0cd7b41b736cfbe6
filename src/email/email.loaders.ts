import type DataLoader from 'dataloader';
import { rowLoader, type LoaderSet } from '../common/loaders';
import { latestDeliveryByInvitation, type DeliveryRow } from './email-outbox.repository';

export interface EmailLoaders {
  /** The latest outbox message of each invitation: one statement for a whole list of invitations. */
  latestByInvitation: DataLoader<string, DeliveryRow | null>;
}

/** The email loaders of one request (src/common/loaders.ts, RequestLoaders). */
export const emailLoaders: LoaderSet<EmailLoaders> = (db, options) => ({
  latestByInvitation: rowLoader(options, (uuids) => latestDeliveryByInvitation(db, uuids), (row) => row.invitationUuid, (row) => row.realmUuid),
});
