import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks, second part (issue #15, docs/decisions.md 109):
 * - `webhook_endpoints.status_reason`: why an endpoint is not ACTIVE — its retry schedule ran out
 *   (RETRIES_EXHAUSTED), the receiver answered 410 (GONE), events after its cursor were pruned by
 *   retention before it got them (EVENTS_PRUNED), or updateWebhookEndpoint set it (REQUESTED); null
 *   exactly while ACTIVE. Rows from before are given the reason their state implies.
 * - A delivery stays in its endpoint's realm: its foreign key is (realm_id, endpoint_id) onto the
 *   endpoint's (realm_id, id), as memberships' are onto groups and identities.
 */
export class WebhookEndpointReasons1795550000000 implements MigrationInterface {
  name = 'WebhookEndpointReasons1795550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_endpoints ADD COLUMN status_reason text`);
    await q.query(
      `UPDATE webhook_endpoints SET status_reason = CASE WHEN failing_since IS NULL THEN 'REQUESTED' WHEN status = 'PAUSED' THEN 'RETRIES_EXHAUSTED' ELSE 'GONE' END
        WHERE status <> 'ACTIVE'`,
    );
    await q.query(
      `ALTER TABLE webhook_endpoints
         ADD CONSTRAINT webhook_endpoints_status_reason_check CHECK (status_reason IN ('RETRIES_EXHAUSTED', 'GONE', 'EVENTS_PRUNED', 'REQUESTED')),
         ADD CONSTRAINT webhook_endpoints_status_reason_active_check CHECK ((status = 'ACTIVE') = (status_reason IS NULL)),
         ADD CONSTRAINT webhook_endpoints_realm_id_id_key UNIQUE (realm_id, id)`,
    );
    await q.query(
      `ALTER TABLE webhook_deliveries
         DROP CONSTRAINT webhook_deliveries_endpoint_id_fkey,
         ADD CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (realm_id, endpoint_id) REFERENCES webhook_endpoints (realm_id, id) ON DELETE CASCADE`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_deliveries
         DROP CONSTRAINT webhook_deliveries_endpoint_fkey,
         ADD CONSTRAINT webhook_deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE`,
    );
    await q.query(
      `ALTER TABLE webhook_endpoints
         DROP CONSTRAINT webhook_endpoints_realm_id_id_key,
         DROP CONSTRAINT webhook_endpoints_status_reason_active_check,
         DROP CONSTRAINT webhook_endpoints_status_reason_check,
         DROP COLUMN status_reason`,
    );
  }
}
