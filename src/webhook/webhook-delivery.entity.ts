import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

/** One event's delivery to one endpoint, as the migrations make it: a row per event attempted. */
@Entity({ name: 'webhook_deliveries' })
@Index('webhook_deliveries_endpoint_created_at_idx', ['endpointId', 'createdAt', 'id'])
@Index('webhook_deliveries_pending_key', ['endpointId', 'eventSeq'], { unique: true, where: `status = 'PENDING'` })
@Check('webhook_deliveries_status_check', `status IN ('PENDING', 'SUCCEEDED', 'FAILED')`)
@Check('webhook_deliveries_attempts_check', 'attempts >= 0')
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'webhook_deliveries_pkey' })
  id: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  /** The endpoint's realm, for realm scoping without a join; the foreign key includes it, so a delivery cannot leave its endpoint's realm. */
  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => WebhookEndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'webhook_deliveries_endpoint_fkey' },
    { name: 'endpoint_id', referencedColumnName: 'id' },
  ])
  endpoint?: WebhookEndpointEntity;

  @Column({ name: 'event_seq', type: 'bigint' })
  eventSeq: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType: string;

  @Column({ type: 'text', default: 'PENDING' })
  status: string;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'last_response_code', type: 'integer', nullable: true })
  lastResponseCode: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
