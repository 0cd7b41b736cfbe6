import type { ProvisionedDeletion } from '../common/enums';
import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn, VersionColumn } from 'typeorm';

/**
 * The table as the migrations make it. test/integration/entities.test.ts fails when the two
 * disagree, so an entity change without its migration cannot land.
 */
@Entity({ name: 'realms' })
@Unique('realms_name_key', ['name'])
@Check('realms_name_format', `name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'`)
@Check('realms_display_name_length', 'char_length(display_name) BETWEEN 1 AND 128')
@Check('realms_description_length', 'char_length(description) <= 1000')
@Check('realms_event_seq_check', 'pruned_through_seq <= last_event_seq')
@Check('realms_provisioned_deletion_check', `provisioned_deletion IN ('DELETE', 'DEPROVISION')`)
export class RealmEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'realms_pkey' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** What an identity provider's DELETE of a user does here (SCIM). */
  @Column({ name: 'provisioned_deletion', type: 'text', default: 'DELETE' })
  provisionedDeletion: ProvisionedDeletion;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn({ default: 1 })
  version: number;

  /** The number of the realm's last event; taking the next ones locks the row until commit. */
  @Column({ name: 'last_event_seq', type: 'bigint', default: 0 })
  lastEventSeq: string;

  /** Events up to this number were deleted by retention: a cursor before it has a gap. */
  @Column({ name: 'pruned_through_seq', type: 'bigint', default: 0 })
  prunedThroughSeq: string;
}
