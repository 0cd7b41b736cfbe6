import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { RealmEntity } from '../realm/realm.entity';

/**
 * The table as the migrations make it (test/integration/entities.test.ts checks that they agree).
 * The case-insensitive unique name is an expression index, left to the migrations.
 */
@Entity({ name: 'groups' })
@Unique('groups_realm_id_id_key', ['realmId', 'id'])
@Index('groups_realm_name_key', { synchronize: false })
@Index('groups_realm_created_at_idx', ['realmId', 'createdAt', 'id'])
@Index('groups_realm_external_id_key', ['realmId', 'externalId'], { unique: true, where: 'external_id IS NOT NULL' })
@Check('groups_external_id_length', 'char_length(external_id) BETWEEN 1 AND 256')
@Check('groups_name_length', 'char_length(name) BETWEEN 1 AND 64')
@Check('groups_description_length', 'char_length(description) <= 300')
@Check('groups_member_count_check', 'member_count >= 0')
export class GroupEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'groups_pkey' })
  id: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id', foreignKeyConstraintName: 'groups_realm_id_fkey' })
  realm?: RealmEntity;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** The identity provider's ID of a group it provisions (SCIM `externalId`); unique in the realm. */
  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  /** Goes up with each statement that adds or removes members; kept by the same triggers (migration ScimResourceDetails). */
  @Column({ name: 'membership_version', type: 'bigint', default: 0 })
  membershipVersion: string;

  /** Kept by statement-level triggers on group_memberships (see the migration). */
  @Column({ name: 'member_count', type: 'integer', default: 0 })
  memberCount: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn({ default: 1 })
  version: number;
}
