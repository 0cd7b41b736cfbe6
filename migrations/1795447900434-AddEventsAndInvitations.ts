import type { MigrationInterface, QueryRunner } from 'typeorm';

const eventTypes = [
  'identity.created', 'identity.updated', 'identity.status_changed', 'identity.deleted',
  'group.created', 'group.updated', 'group.deleted',
  'membership.added', 'membership.removed',
  'invitation.created', 'invitation.sent', 'invitation.resent', 'invitation.accepted',
  'invitation.revoked', 'invitation.expired', 'invitation.delivery_failed',
];

/**
 * The event log, invitations and the email outbox.
 *
 * Events are numbered per realm by a counter on the realm's row (`last_event_seq`): the statement
 * that takes a number also locks the row until commit, so numbers are handed out in commit order and
 * a reader that resumes after number N can never miss a later commit with a smaller number (as it
 * could with a sequence, whose values commit out of order).
 */
export class AddEventsAndInvitations1795447900434 implements MigrationInterface {
  name = 'AddEventsAndInvitations1795447900434';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE realms
        ADD COLUMN last_event_seq bigint NOT NULL DEFAULT 0,
        ADD COLUMN pruned_through_seq bigint NOT NULL DEFAULT 0,
        ADD CONSTRAINT realms_event_seq_check CHECK (pruned_through_seq <= last_event_seq)`);

    await q.query(`ALTER TABLE identities DROP CONSTRAINT identities_status_check`);
    await q.query(`
      ALTER TABLE identities ADD CONSTRAINT identities_status_check
        CHECK (status IN ('INVITED', 'ACTIVE', 'SUSPENDED', 'DEPROVISIONED'))`);

    // No foreign keys to identities, groups or invitations: an event outlives what it is about.
    await q.query(`
      CREATE TABLE events (
        realm_id uuid NOT NULL,
        seq bigint NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        type text NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor jsonb,
        identity_id uuid,
        group_id uuid,
        invitation_id uuid,
        data jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT events_pkey PRIMARY KEY (realm_id, seq),
        CONSTRAINT events_id_key UNIQUE (id),
        CONSTRAINT events_realm_id_fkey FOREIGN KEY (realm_id) REFERENCES realms (id) ON DELETE CASCADE,
        CONSTRAINT events_type_check CHECK (type IN (${eventTypes.map((t) => `'${t}'`).join(', ')})),
        CONSTRAINT events_seq_check CHECK (seq > 0)
      )`);
    // Retention deletes by age.
    await q.query(`CREATE INDEX events_occurred_at_idx ON events (occurred_at)`);

    await q.query(`
      CREATE TABLE invitations (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        realm_id uuid NOT NULL,
        identity_id uuid,
        email text NOT NULL,
        role text NOT NULL,
        full_name text,
        phone_number text,
        group_ids uuid[] NOT NULL DEFAULT '{}',
        status text NOT NULL,
        token_hash bytea NOT NULL,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT invitations_pkey PRIMARY KEY (id),
        CONSTRAINT invitations_realm_id_id_key UNIQUE (realm_id, id),
        CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
        CONSTRAINT invitations_realm_id_fkey FOREIGN KEY (realm_id) REFERENCES realms (id) ON DELETE CASCADE,
        -- The invited identity is of the same realm; deleting it keeps the invitation's record.
        CONSTRAINT invitations_identity_fkey FOREIGN KEY (realm_id, identity_id)
          REFERENCES identities (realm_id, id) ON DELETE SET NULL (identity_id),
        CONSTRAINT invitations_status_check CHECK (status IN ('PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED')),
        CONSTRAINT invitations_accepted_check CHECK ((status = 'ACCEPTED') = (accepted_at IS NOT NULL)),
        CONSTRAINT invitations_revoked_check CHECK ((status = 'REVOKED') = (revoked_at IS NOT NULL)),
        CONSTRAINT invitations_pending_identity_check CHECK (status <> 'PENDING' OR identity_id IS NOT NULL),
        CONSTRAINT invitations_role_check CHECK (role IN ('ADMIN', 'GRANTEE')),
        CONSTRAINT invitations_email_format CHECK (char_length(email) <= 254 AND email LIKE '_%@_%'),
        CONSTRAINT invitations_full_name_length CHECK (char_length(full_name) <= 256),
        CONSTRAINT invitations_phone_number_format CHECK (phone_number ~ '^\\+[1-9][0-9]{1,14}$'),
        CONSTRAINT invitations_token_hash_length CHECK (octet_length(token_hash) = 32)
      )`);
    // One pending invitation per address and realm.
    await q.query(`CREATE UNIQUE INDEX invitations_pending_email_key ON invitations (realm_id, (lower(email) COLLATE "C")) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX invitations_realm_created_at_idx ON invitations (realm_id, created_at, id)`);
    await q.query(`CREATE INDEX invitations_identity_idx ON invitations (identity_id)`);
    // The expiry sweep looks only at pending invitations that are due.
    await q.query(`CREATE INDEX invitations_pending_expiry_idx ON invitations (expires_at) WHERE status = 'PENDING'`);

    // The outbox: written in the transaction that decides to send, delivered after commit. The
    // message (with its single-use link) is erased once sent or given up.
    await q.query(`
      CREATE TABLE email_outbox (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        realm_id uuid NOT NULL,
        invitation_id uuid,
        recipient text NOT NULL,
        subject text NOT NULL,
        text_body text,
        html_body text,
        status text NOT NULL DEFAULT 'QUEUED',
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT email_outbox_pkey PRIMARY KEY (id),
        CONSTRAINT email_outbox_realm_id_fkey FOREIGN KEY (realm_id) REFERENCES realms (id) ON DELETE CASCADE,
        CONSTRAINT email_outbox_invitation_fkey FOREIGN KEY (realm_id, invitation_id)
          REFERENCES invitations (realm_id, id) ON DELETE CASCADE,
        CONSTRAINT email_outbox_status_check CHECK (status IN ('QUEUED', 'SENT', 'FAILED', 'CANCELLED')),
        CONSTRAINT email_outbox_sent_check CHECK ((status = 'SENT') = (sent_at IS NOT NULL)),
        CONSTRAINT email_outbox_body_check CHECK (status <> 'QUEUED' OR text_body IS NOT NULL),
        CONSTRAINT email_outbox_attempts_check CHECK (attempts >= 0)
      )`);
    await q.query(`CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'QUEUED'`);
    await q.query(`CREATE INDEX email_outbox_invitation_idx ON email_outbox (invitation_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE email_outbox`);
    await q.query(`DROP TABLE invitations`);
    await q.query(`DROP TABLE events`);
    await q.query(`DELETE FROM identities WHERE status = 'INVITED'`);
    await q.query(`ALTER TABLE identities DROP CONSTRAINT identities_status_check`);
    await q.query(`ALTER TABLE identities ADD CONSTRAINT identities_status_check CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DEPROVISIONED'))`);
    await q.query(`ALTER TABLE realms DROP CONSTRAINT realms_event_seq_check, DROP COLUMN pruned_through_seq, DROP COLUMN last_event_seq`);
  }
}
