import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { IdentityRole, InvitationStatus } from '../common/enums';
import { IdentityEntity } from '../identity/identity.entity';
import { RealmEntity } from '../realm/realm.entity';

/** Invitations as the migrations make them (test/integration/entities.test.ts checks that they agree). */
@Entity({ name: 'invitations' })
@Unique('invitations_realm_id_id_key', ['realmId', 'id'])
@Unique('invitations_token_hash_key', ['tokenHash'])
@Index('invitations_pending_email_key', { synchronize: false })
@Index('invitations_realm_created_at_idx', ['realmId', 'createdAt', 'id'])
@Index('invitations_identity_idx', ['identityId'])
@Index('invitations_pending_expiry_idx', ['expiresAt'], { where: `status = 'PENDING'` })
@Check('invitations_status_check', `status IN ('PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED')`)
@Check('invitations_accepted_check', `(status = 'ACCEPTED') = (accepted_at IS NOT NULL)`)
@Check('invitations_revoked_check', `(status = 'REVOKED') = (revoked_at IS NOT NULL)`)
@Check('invitations_pending_identity_check', `status <> 'PENDING' OR identity_id IS NOT NULL`)
@Check('invitations_role_check', `role IN ('ADMIN', 'GRANTEE')`)
@Check('invitations_email_format', `char_length(email) <= 254 AND email LIKE '_%@_%'`)
@Check('invitations_full_name_length', 'char_length(full_name) <= 256')
@Check('invitations_phone_number_format', `phone_number ~ '^\\+[1-9][0-9]{1,14}$'`)
@Check('invitations_token_hash_length', 'octet_length(token_hash) = 32')
export class InvitationEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'invitations_pkey' })
  id: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id', foreignKeyConstraintName: 'invitations_realm_id_fkey' })
  realm?: RealmEntity;

  @Column({ name: 'identity_id', type: 'uuid', nullable: true })
  identityId: string | null;

  // The migration says ON DELETE SET NULL (identity_id), PostgreSQL 15 syntax: only the identity
  // is forgotten, the realm stays. TypeORM reads it back as SET NULL.
  @ManyToOne(() => IdentityEntity, { onDelete: 'SET NULL' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'invitations_identity_fkey' },
    { name: 'identity_id', referencedColumnName: 'id' },
  ])
  identity?: IdentityEntity;

  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text' })
  role: IdentityRole;

  @Column({ name: 'full_name', type: 'text', nullable: true })
  fullName: string | null;

  @Column({ name: 'phone_number', type: 'text', nullable: true })
  phoneNumber: string | null;

  @Column({ name: 'group_ids', type: 'uuid', array: true, default: () => "'{}'" })
  groupIds: string[];

  @Column({ type: 'text' })
  status: InvitationStatus;

  /** SHA-256 of the single-use token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash: Buffer;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn({ default: 1 })
  version: number;
}
