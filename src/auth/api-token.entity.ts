import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { RealmEntity } from '../realm/realm.entity';
import { scopes } from './scopes';

/** API tokens as the migrations make them (test/integration/entities.test.ts checks that they agree). */
@Entity({ name: 'api_tokens' })
@Unique('api_tokens_token_hash_key', ['tokenHash'])
@Index('api_tokens_realm_created_at_idx', ['realmId', 'createdAt', 'id'])
@Index('api_tokens_created_by_idx', ['createdBy'])
@Check('api_tokens_name_length', 'char_length(name) BETWEEN 1 AND 100')
@Check('api_tokens_scopes_check', `cardinality(scopes) >= 1 AND scopes <@ ARRAY[${scopes.map((s) => `'${s}'`).join(', ')}]::text[]`)
@Check('api_tokens_token_hash_length', 'octet_length(token_hash) = 32')
export class ApiTokenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'api_tokens_pkey' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** Null: the token spans all realms. */
  @Column({ name: 'realm_id', type: 'uuid', nullable: true })
  realmId: string | null;

  @ManyToOne(() => RealmEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'realm_id', foreignKeyConstraintName: 'api_tokens_realm_id_fkey' })
  realm?: RealmEntity;

  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash: Buffer;

  @Column({ name: 'from_environment', type: 'boolean', default: false })
  fromEnvironment: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @ManyToOne(() => ApiTokenEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'api_tokens_created_by_fkey' })
  creator?: ApiTokenEntity;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
