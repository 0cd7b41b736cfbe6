import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { GroupEntity } from '../group/group.entity';

/**
 * The transitive closure of group_nestings (issue #14, docs/decisions.md 106): `descendant` is
 * `ancestor` or below it, by `paths` distinct paths; every group has its self row (paths 1). Derived
 * data, written only by the triggers of migration GroupClosure, never by the application.
 */
@Entity({ name: 'group_closure' })
@Index('group_closure_descendant_idx', ['descendantId', 'ancestorId'])
@Check('group_closure_paths_positive', 'paths > 0')
export class ClosureEntity {
  @PrimaryColumn({ name: 'ancestor_id', type: 'uuid', primaryKeyConstraintName: 'group_closure_pkey' })
  ancestorId: string;

  @PrimaryColumn({ name: 'descendant_id', type: 'uuid', primaryKeyConstraintName: 'group_closure_pkey' })
  descendantId: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'group_closure_ancestor_fkey' },
    { name: 'ancestor_id', referencedColumnName: 'id' },
  ])
  ancestor?: GroupEntity;

  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'realm_id', referencedColumnName: 'realmId', foreignKeyConstraintName: 'group_closure_descendant_fkey' },
    { name: 'descendant_id', referencedColumnName: 'id' },
  ])
  descendant?: GroupEntity;

  @Column({ name: 'paths', type: 'bigint' })
  paths: string;
}
