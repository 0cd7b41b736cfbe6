import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { IdentityRole, IdentitySource, IdentityStatus } from '../common/enums';
import { RealmEntity } from '../realm/realm.entity';

/**
 * The table's shape. The case-insensitive unique indexes, the CHECKs on role, status and source,
 * and the (realm_id, id) key that memberships reference are in the migrations.
 */
@Entity({ name: 'identities' })
export class IdentityEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id' })
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
