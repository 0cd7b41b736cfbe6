import { Check, Column, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { RealmEntity } from '../realm/realm.entity';
import { eventTypes } from './event-types';

/** The event log as the migrations make it (test/integration/entities.test.ts checks that they agree). */
@Entity({ name: 'events' })
@Unique('events_id_key', ['id'])
@Index('events_occurred_at_idx', ['occurredAt'])
// Partial, one on an expression: made by migration UnnestingIndex (decision 107), named here so that they are kept.
@Index('events_unnested_parent_idx', { synchronize: false })
@Index('events_unnested_child_idx', { synchronize: false })
@Check('events_type_check', `type IN (${eventTypes.map((t) => `'${t}'`).join(', ')})`)
@Check('events_seq_check', 'seq > 0')
export class EventEntity {
  @PrimaryColumn({ name: 'realm_id', type: 'uuid', primaryKeyConstraintName: 'events_pkey' })
  realmId: string;

  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'events_pkey' })
  seq: string;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id', foreignKeyConstraintName: 'events_realm_id_fkey' })
  realm?: RealmEntity;

  /** For clients to drop an event they have seen (the cursor gives the order). */
  @Column({ type: 'uuid' })
  @Generated('uuid')
  id: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ type: 'jsonb', nullable: true })
  actor: unknown;

  @Column({ name: 'identity_id', type: 'uuid', nullable: true })
  identityId: string | null;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId: string | null;

  @Column({ name: 'invitation_id', type: 'uuid', nullable: true })
  invitationId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  data: unknown;
}
