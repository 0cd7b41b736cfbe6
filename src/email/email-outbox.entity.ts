import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { EmailStatus } from '../common/enums';
import { InvitationEntity } from '../invitation/invitation.entity';
import { RealmEntity } from '../realm/realm.entity';

/** The email outbox as the migrations make it (test/integration/entities.test.ts checks that they agree). */
@Entity({ name: 'email_outbox' })
@Index('email_outbox_due_idx', ['nextAttemptAt'], { where: `status = 'QUEUED'` })
@Index('email_outbox_invitation_idx', ['invitationId', 'createdAt'])
@Check('email_outbox_status_check', `status IN ('QUEUED', 'SENT', 'FAILED', 'CANCELLED')`)
@Check('email_outbox_sent_check', `(status = 'SENT') = (sent_at IS NOT NULL)`)
@Check('email_outbox_body_check', `status <> 'QUEUED' OR text_body IS NOT NULL`)
@Check('email_outbox_attempts_check', 'attempts >= 0')
@Check('email_outbox_attempted_check', '(attempts = 0) = (last_attempt_at IS NULL)')
export class EmailOutboxEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'email_outbox_pkey' })
  id: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id', foreignKeyConstraintName: 'email_outbox_realm_id_fkey' })
  realm?: RealmEntity;

  @Column({ name: 'invitation_id', type: 'uuid', nullable: true })
  invitationId: string | null;

  @ManyToOne(() => InvitationEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'email_outbox_invitation_fkey' },
    { name: 'invitation_id', referencedColumnName: 'id' },
  ])
  invitation?: InvitationEntity;

  @Column({ type: 'text' })
  recipient: string;

  @Column({ type: 'text' })
  subject: string;

  @Column({ name: 'text_body', type: 'text', nullable: true })
  textBody: string | null;

  @Column({ name: 'html_body', type: 'text', nullable: true })
  htmlBody: string | null;

  @Column({ type: 'text', default: 'QUEUED' })
  status: EmailStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** When the latest attempt was claimed, before the message went to the mail server. */
  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
