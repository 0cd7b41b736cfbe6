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
import type { IdentityRole, IdentitySource, IdentityStatus } from '../common/enums';
import { profileAttributes, profileFields, profileMaxLength, type Profile } from './identity-profile';
import { RealmEntity } from '../realm/realm.entity';

/**
 * The table as the migrations make it (test/integration/entities.test.ts checks that they agree).
 * Indexes on expressions (lower(...) COLLATE "C") and trigram indexes are beyond TypeORM:
 * `synchronize: false` names them here and leaves them to the migrations.
 */
@Entity({ name: 'identities' })
@Unique('identities_realm_id_id_key', ['realmId', 'id'])
@Index('identities_realm_username_key', { synchronize: false })
@Index('identities_realm_email_key', { synchronize: false })
@Index('identities_realm_display_name_idx', { synchronize: false })
@Index('identities_search_idx', { synchronize: false })
@Index('identities_realm_external_id_key', ['realmId', 'externalId'], { unique: true })
// (realm_id, created_at, id) INCLUDE (status), which the decorator cannot say: migration IdentityCounts.
@Index('identities_realm_created_at_idx', { synchronize: false })
@Index('identities_realm_source_created_at_idx', ['realmId', 'source', 'createdAt', 'id'])
// The keys of the duplicate rules (migration IdentityDuplicates, src/identity/duplicate-rules.ts).
@Index('identities_duplicate_full_name_idx', { synchronize: false })
@Index('identities_duplicate_display_name_idx', { synchronize: false })
@Index('identities_duplicate_email_idx', { synchronize: false })
@Index('identities_duplicate_phone_number_idx', { synchronize: false })
@Index('identities_duplicate_employee_number_idx', { synchronize: false })
@Check('identities_role_check', `role IN ('ADMIN', 'GRANTEE')`)
@Check('identities_status_check', `status IN ('INVITED', 'ACTIVE', 'SUSPENDED', 'DEPROVISIONED')`)
@Check('identities_source_check', `source IN ('MANUAL', 'IDP')`)
@Check('identities_external_id_check', `source = 'IDP' OR external_id IS NULL`)
@Check('identities_external_id_length', 'char_length(external_id) <= 256')
@Check('identities_display_name_length', 'char_length(display_name) BETWEEN 1 AND 64')
@Check('identities_username_length', 'char_length(username) BETWEEN 1 AND 128')
@Check('identities_email_format', `char_length(primary_email) <= 254 AND primary_email LIKE '_%@_%'`)
@Check('identities_full_name_length', 'char_length(full_name) <= 256')
@Check('identities_phone_number_format', `phone_number ~ '^\\+[1-9][0-9]{1,14}$'`)
export class IdentityEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'identities_pkey' })
  id: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id', foreignKeyConstraintName: 'identities_realm_id_fkey' })
  realm?: RealmEntity;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  @Column({ type: 'text' })
  username: string;

  @Column({ name: 'primary_email', type: 'text' })
  primaryEmail: string;

  @Column({ name: 'full_name', type: 'text', nullable: true })
  fullName: string | null;

  @Column({ name: 'phone_number', type: 'text', nullable: true })
  phoneNumber: string | null;

  @Column({ type: 'text' })
  role: IdentityRole;

  @Column({ type: 'text' })
  status: IdentityStatus;

  @Column({ type: 'text' })
  source: IdentitySource;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  /** The searched fields folded into one text, kept by a trigger (migration StoreSearchText, docs/decisions.md 101). */
  @Column({ name: 'search_text', type: 'text', nullable: true, select: false, insert: false, update: false })
  searchText?: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn({ default: 1 })
  version: number;
}

/** The profile's columns, as the table of identity-profile.ts names them (migration ProvisioningAttributes). */
export interface IdentityEntity extends Profile {}
for (const field of profileFields) {
  const { column } = profileAttributes[field];
  Column({ name: column, type: 'text', nullable: true })(IdentityEntity.prototype, field);
  Check(`identities_${column}_length`, `char_length(${column}) <= ${profileMaxLength}`)(IdentityEntity);
}
