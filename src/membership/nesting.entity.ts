import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { GroupEntity } from '../group/group.entity';

/**
 * A group inside another (issue #14): `child` is a member of `parent`. Both foreign keys include
 * realm_id, onto groups(realm_id, id), so the database itself refuses a nesting across realms, and
 * the CHECK a group in itself; longer cycles are refused under one lock per realm
 * (NestingService, docs/decisions.md 104).
 */
@Entity({ name: 'group_nestings' })
@Index('group_nestings_parent_added_idx', ['parentId', 'addedAt', 'childId'])
@Index('group_nestings_child_added_idx', ['childId', 'addedAt', 'parentId'])
@Check('group_nestings_not_itself', 'parent_id <> child_id')
export class NestingEntity {
  @PrimaryColumn({ name: 'parent_id', type: 'uuid', primaryKeyConstraintName: 'group_nestings_pkey' })
  parentId: string;

  @PrimaryColumn({ name: 'child_id', type: 'uuid', primaryKeyConstraintName: 'group_nestings_pkey' })
  childId: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'group_nestings_parent_fkey' },
    { name: 'parent_id', referencedColumnName: 'id' },
  ])
  parent?: GroupEntity;

  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'group_nestings_child_fkey' },
    { name: 'child_id', referencedColumnName: 'id' },
  ])
  child?: GroupEntity;

  @Column({ name: 'added_at', type: 'timestamptz', default: () => 'now()' })
  addedAt: Date;
}
