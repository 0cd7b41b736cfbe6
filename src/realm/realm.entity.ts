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
export class RealmEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'realms_pkey' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn({ default: 1 })
  version: number;
}
