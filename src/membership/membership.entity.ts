import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An identity in a group. Both foreign keys include realm_id (composite keys onto
 * identities(realm_id, id) and groups(realm_id, id), declared in the migrations), so the database
 * itself refuses a membership that crosses realms.
 */
@Entity({ name: 'group_memberships' })
export class MembershipEntity {
  @PrimaryColumn({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @PrimaryColumn({ name: 'identity_id', type: 'uuid' })
  identityId: string;

  @Column({ name: 'realm_id', type: 'uuid' })
  realmId: string;

  @Column({ name: 'added_at', type: 'timestamptz', default: () => 'now()' })
  addedAt: Date;
}
