import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { RealmEntity } from '../realm/realm.entity';

/** The table's shape; the case-insensitive unique name per realm is in the migrations. */
@Entity({ name: 'groups' })
export class GroupEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id' })
  realm?: RealmEntity;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Kept by a trigger on group_memberships, so that no code path can forget it. */
  @Column({ name: 'member_count', type: 'integer', default: 0 })
  memberCount: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
