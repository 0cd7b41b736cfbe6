import type { Queryable } from '../db/queryable';
import type { Job } from '../jobs/jobs';
import { pruneDeliveries } from './webhook.repository';

const day = 24 * 60 * 60 * 1000;

/**
 * Keeps the delivery history as long as the log keeps events (EVENT_RETENTION_DAYS): a delivery
 * outliving its event could show neither it nor be retried.
 */
export function webhookDeliveryRetentionJob(db: Queryable, retentionDays: number): Job {
  return {
    name: 'webhook-delivery-retention',
    run: async () => {
      await pruneDeliveries(db, new Date(Date.now() - retentionDays * day));
    },
  };
}
