import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the latest delivery attempt of a message began, written by the claim, before the message is
 * handed to the mail server (docs/decisions.md 79). A QUEUED message with an attempt and no error
 * is being sent, or its sender died after the mail server took it; `last_attempt_at` says since when.
 * Rows attempted before this column existed get their last change's time, the best there is.
 */
export class RecordEmailAttempts1795460899412 implements MigrationInterface {
  name = 'RecordEmailAttempts1795460899412';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE email_outbox ADD COLUMN last_attempt_at timestamptz`);
    await q.query(`UPDATE email_outbox SET last_attempt_at = updated_at WHERE attempts > 0`);
    await q.query(`ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_attempted_check CHECK ((attempts = 0) = (last_attempt_at IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_attempted_check, DROP COLUMN last_attempt_at`);
  }
}
