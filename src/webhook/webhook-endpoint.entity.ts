import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn, VersionColumn } from 'typeorm';
import { RealmEntity } from '../realm/realm.entity';

/** A realm's webhook endpoints as the migrations make them (test/integration/entities.test.ts checks that they agree). */
@Entity({ name: 'webhook_endpoints' })
@Index('webhook_endpoints_realm_created_at_idx', ['realmId', 'createdAt', 'id'])
@Index('webhook_endpoints_due_idx', ['nextAttemptAt'], { where: `status = 'ACTIVE'` })
@Check('webhook_endpoints_status_check', `status IN ('ACTIVE', 'PAUSED', 'DISABLED')`)
@Check('webhook_endpoints_url_length', 'char_length(url) BETWEEN 1 AND 2048')
@Check('webhook_endpoints_description_length', 'char_length(description) <= 1000')
@Check('webhook_endpoints_seq_check', 'delivered_through_seq >= 0')
@Check('webhook_endpoints_status_reason_check', `status_reason IN ('RETRIES_EXHAUSTED', 'GONE', 'EVENTS_PRUNED', 'REQUESTED')`)
@Check('webhook_endpoints_status_reason_active_check', `(status = 'ACTIVE') = (status_reason IS NULL)`)
@Unique('webhook_endpoints_realm_id_id_key', ['realmId', 'id'])
@Check('webhook_endpoints_previous_secret_check', '(previous_secret IS NULL) = (previous_secret_expires_at IS NULL)')
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'webhook_endpoints_pkey' })
  id: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id', foreignKeyConstraintName: 'webhook_endpoints_realm_id_fkey' })
  realm?: RealmEntity;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** The event types delivered (dotted, as the log stores them); null: every type. */
  @Column({ name: 'event_types', type: 'text', array: true, nullable: true })
  eventTypes: string[] | null;

  /** `whsec_…`: kept, not hashed, since it signs. */
  @Column({ type: 'text' })
  secret: string;

  /** The secret before the last rotation, which still signs until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret', type: 'text', nullable: true })
  previousSecret: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ type: 'text', default: 'ACTIVE' })
  status: string;

  /** The cursor: every (matching) event of the realm's log up to this number has been delivered. */
  /** Why it is not ACTIVE (RETRIES_EXHAUSTED, GONE, EVENTS_PRUNED, REQUESTED); null while ACTIVE. */
  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  @Column({ name: 'delivered_through_seq', type: 'bigint' })
  deliveredThroughSeq: string;

  /** Who holds the delivery lease (a random token per claim) and until when. */
  @Column({ name: 'lease_token', type: 'uuid', nullable: true })
  leaseToken: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  /** When the endpoint is due again (a retry waits for it). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn({ default: 1 })
  version: number;
}
