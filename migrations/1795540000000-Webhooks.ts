import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks (issue #15, docs/decisions.md 108): a realm's endpoints, each with a cursor over the
 * realm's event log (`delivered_through_seq`) and a lease that one instance at a time holds to
 * deliver to it; a row per event attempted (webhook_deliveries), for the API's delivery history;
 * the event WEBHOOK_ENDPOINT_PAUSED; the scopes webhooks:read and webhooks:write.
 *
 * The lease is two columns of the endpoint (`lease_token`, `lease_until`): a claim takes the row
 * FOR UPDATE SKIP LOCKED in a statement of its own, so no transaction stays open across an HTTP
 * request. `next_attempt_at` is when the endpoint is due again (a retry's time); the partial index
 * serves the claim. One PENDING delivery per endpoint and event (the partial unique index) is the
 * row a retry updates. Both tables go with their realm (the endpoint's foreign key, then the
 * delivery's).
 */
export class Webhooks1795540000000 implements MigrationInterface {
  name = 'Webhooks1795540000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        realm_id uuid NOT NULL,
        url text NOT NULL,
        description text,
        event_types text[],
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        status text NOT NULL DEFAULT 'ACTIVE',
        delivered_through_seq bigint NOT NULL,
        lease_token uuid,
        lease_until timestamptz,
        failing_since timestamptz,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT webhook_endpoints_realm_id_fkey FOREIGN KEY (realm_id) REFERENCES realms (id) ON DELETE CASCADE,
        CONSTRAINT webhook_endpoints_status_check CHECK (status IN ('ACTIVE', 'PAUSED', 'DISABLED')),
        CONSTRAINT webhook_endpoints_url_length CHECK (char_length(url) BETWEEN 1 AND 2048),
        CONSTRAINT webhook_endpoints_description_length CHECK (char_length(description) <= 1000),
        CONSTRAINT webhook_endpoints_seq_check CHECK (delivered_through_seq >= 0),
        CONSTRAINT webhook_endpoints_previous_secret_check CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS webhook_endpoints_realm_created_at_idx ON webhook_endpoints (realm_id, created_at, id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS webhook_endpoints_due_idx ON webhook_endpoints (next_attempt_at) WHERE status = 'ACTIVE'`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL,
        realm_id uuid NOT NULL,
        event_seq bigint NOT NULL,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING',
        attempts integer NOT NULL DEFAULT 0,
        last_response_code integer,
        last_error text,
        last_attempt_at timestamptz,
        next_attempt_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
        CONSTRAINT webhook_deliveries_attempts_check CHECK (attempts >= 0)
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint_created_at_idx ON webhook_deliveries (endpoint_id, created_at, id)`);
    await q.query(`CREATE UNIQUE INDEX IF NOT EXISTS webhook_deliveries_pending_key ON webhook_deliveries (endpoint_id, event_seq) WHERE status = 'PENDING'`);
    await replaceEventCheck(q, [...eventsBefore, 'webhook.endpoint_paused']);
    await q.query(`ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check`);
    await q.query(
      `ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[${quoted([...scopesBefore, ...newScopes])}]::text[])`,
    );
    // As migration ScimScope did: a token that held every scope holds the new ones too.
    await q.query(
      `UPDATE api_tokens SET scopes = scopes || ARRAY[${quoted(newScopes)}]::text[] WHERE scopes @> ARRAY[${quoted(scopesBefore)}]::text[] AND NOT scopes && ARRAY[${quoted(newScopes)}]::text[]`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE api_tokens SET scopes = array(SELECT s FROM unnest(scopes) s WHERE s <> ALL (ARRAY[${quoted(newScopes)}]::text[]))`);
    await q.query(`DELETE FROM api_tokens WHERE cardinality(scopes) = 0`);
    await q.query(`ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check`);
    await q.query(`ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[${quoted(scopesBefore)}]::text[])`);
    await q.query(`DELETE FROM events WHERE type = 'webhook.endpoint_paused'`);
    await replaceEventCheck(q, eventsBefore);
    await q.query(`DROP TABLE IF EXISTS webhook_deliveries`);
    await q.query(`DROP TABLE IF EXISTS webhook_endpoints`);
  }
}

/** As in migration GroupNestings: NOT VALID in the statement that drops the old check, then validated apart. */
async function replaceEventCheck(q: QueryRunner, types: readonly string[]): Promise<void> {
  await q.query(
    `ALTER TABLE events DROP CONSTRAINT IF EXISTS events_type_check,
       ADD CONSTRAINT events_type_check CHECK (type IN (${quoted(types)})) NOT VALID`,
  );
  await q.query(`ALTER TABLE events VALIDATE CONSTRAINT events_type_check`);
}

const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** The event types before this migration; a migration keeps its own copy, since the list grows after it. */
const eventsBefore = [
  'identity.created', 'identity.updated', 'identity.status_changed', 'identity.deleted', 'identities.linked',
  'group.created', 'group.updated', 'group.deleted',
  'membership.added', 'membership.removed', 'group.nested', 'group.unnested',
  'invitation.created', 'invitation.sent', 'invitation.resent', 'invitation.accepted',
  'invitation.revoked', 'invitation.expired', 'invitation.delivery_failed',
];

/** The scopes before this migration (its own copy, as above). */
const scopesBefore = [
  'realms:read', 'realms:write', 'identities:read', 'identities:write', 'groups:read', 'groups:write',
  'invitations:read', 'invitations:write', 'events:read', 'tokens:write', 'scim',
];

const newScopes = ['webhooks:read', 'webhooks:write'];
