import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { GroupEntity } from '../group/group.entity';
import { IdentityEntity } from '../identity/identity.entity';

/**
 * An identity in a group. Both foreign keys include realm_id, onto groups(realm_id, id) and
 * identities(realm_id, id), so the database itself refuses a membership that crosses realms.
 */
@Entity({ name: 'group_memberships' })
@Index('group_memberships_group_added_idx', ['groupId', 'addedAt', 'identityId'])
@Index('group_memberships_identity_added_idx', ['identityId', 'addedAt', 'groupId'])
export class MembershipEntity {
  @PrimaryColumn({ name: 'group_id', type: 'uuid', primaryKeyConstraintName: 'group_memberships_pkey' })
  groupId: string;

  @PrimaryColumn({ name: 'identity_id', type: 'uuid', primaryKeyConstraintName: 'group_memberships_pkey' })
  identityId: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'group_memberships_group_fkey' },
    { name: 'group_id', referencedColumnName: 'id' },
  ])
  group?: GroupEntity;

  @ManyToOne(() => IdentityEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'group_memberships_identity_fkey' },
    { name: 'identity_id', referencedColumnName: 'id' },
  ])
  identity?: IdentityEntity;

  @Column({ name: 'added_at', type: 'timestamptz', default: () => 'now()' })
  addedAt: Date;
}
