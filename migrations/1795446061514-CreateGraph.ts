import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Realms, identities, groups and memberships. The database is the last line of defence: every
 * invariant the services check is also a constraint here, named so that a violation maps to an
 * error code (src/common/constraint-errors.ts).
 *
 * Case-insensitive keys use `lower(x) COLLATE "C"`: one index then serves uniqueness, keyset order
 * and prefix search (LIKE 'abc%'), and the order does not depend on the server's locale.
 */
export class CreateGraph1795446061514 implements MigrationInterface {
  name = 'CreateGraph1795446061514';

  async up(q: QueryRunner): Promise<void> {
    // The Relay global ID of a row, as src/common/global-id.ts makes it (base64url of "Type:uuid"),
    // so that queries return it without a per-row step in JavaScript.
    await q.query(`
      CREATE FUNCTION global_id(type text, id uuid) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT translate(encode(convert_to(type || ':' || id::text, 'UTF8'), 'base64'), E'+/=\\n', '-_') $$`);
    await q.query(`
      CREATE TABLE realms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        display_name text NOT NULL,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT realms_name_key UNIQUE (name),
        CONSTRAINT realms_name_format CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        CONSTRAINT realms_display_name_length CHECK (char_length(display_name) BETWEEN 1 AND 128),
        CONSTRAINT realms_description_length CHECK (char_length(description) <= 1000)
      )`);

    await q.query(`
      CREATE TABLE identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
        display_name text NOT NULL,
        username text NOT NULL,
        primary_email text NOT NULL,
        full_name text,
        phone_number text,
        role text NOT NULL,
        status text NOT NULL,
        source text NOT NULL,
        external_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT identities_realm_id_id_key UNIQUE (realm_id, id),
        CONSTRAINT identities_role_check CHECK (role IN ('ADMIN', 'GRANTEE')),
        CONSTRAINT identities_status_check CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DEPROVISIONED')),
        CONSTRAINT identities_source_check CHECK (source IN ('MANUAL', 'IDP')),
        CONSTRAINT identities_external_id_check CHECK ((source = 'IDP') = (external_id IS NOT NULL)),
        CONSTRAINT identities_display_name_length CHECK (char_length(display_name) BETWEEN 1 AND 64),
        CONSTRAINT identities_username_length CHECK (char_length(username) BETWEEN 1 AND 128),
        CONSTRAINT identities_email_format CHECK (char_length(primary_email) <= 254 AND primary_email LIKE '_%@_%'),
        CONSTRAINT identities_full_name_length CHECK (char_length(full_name) <= 256),
        CONSTRAINT identities_phone_number_format CHECK (phone_number ~ '^\\+[1-9][0-9]{1,14}$')
      )`);
    await q.query(`CREATE UNIQUE INDEX identities_realm_username_key ON identities (realm_id, (lower(username) COLLATE "C"))`);
    await q.query(`CREATE UNIQUE INDEX identities_realm_email_key ON identities (realm_id, (lower(primary_email) COLLATE "C"))`);
    await q.query(`CREATE UNIQUE INDEX identities_realm_external_id_key ON identities (realm_id, external_id) WHERE source = 'IDP'`);
    await q.query(`CREATE INDEX identities_realm_display_name_idx ON identities (realm_id, (lower(display_name) COLLATE "C"), id)`);
    await q.query(`CREATE INDEX identities_realm_created_at_idx ON identities (realm_id, created_at, id)`);

    await q.query(`
      CREATE TABLE groups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text,
        member_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT groups_realm_id_id_key UNIQUE (realm_id, id),
        CONSTRAINT groups_name_length CHECK (char_length(name) BETWEEN 1 AND 64),
        CONSTRAINT groups_description_length CHECK (char_length(description) <= 300),
        CONSTRAINT groups_member_count_check CHECK (member_count >= 0)
      )`);
    await q.query(`CREATE UNIQUE INDEX groups_realm_name_key ON groups (realm_id, (lower(name) COLLATE "C"))`);
    await q.query(`CREATE INDEX groups_realm_created_at_idx ON groups (realm_id, created_at, id)`);

    // realm_id is part of both foreign keys: a membership can only join a group and an identity
    // of the same realm. The primary key refuses duplicates.
    await q.query(`
      CREATE TABLE group_memberships (
        group_id uuid NOT NULL,
        identity_id uuid NOT NULL,
        realm_id uuid NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT group_memberships_pkey PRIMARY KEY (group_id, identity_id),
        CONSTRAINT group_memberships_group_fkey FOREIGN KEY (realm_id, group_id)
          REFERENCES groups (realm_id, id) ON DELETE CASCADE,
        CONSTRAINT group_memberships_identity_fkey FOREIGN KEY (realm_id, identity_id)
          REFERENCES identities (realm_id, id) ON DELETE CASCADE
      )`);
    // Keyset order of Group.members and Identity.groups; they also cover the foreign keys
    // (group_id and identity_id are each unique on their own).
    await q.query(`CREATE INDEX group_memberships_group_added_idx ON group_memberships (group_id, added_at, identity_id)`);
    await q.query(`CREATE INDEX group_memberships_identity_added_idx ON group_memberships (identity_id, added_at, group_id)`);

    // member_count is kept by statement-level triggers, so bulk writes and cascades update it once
    // per group per statement, and no code path can forget it.
    await q.query(`
      CREATE FUNCTION group_memberships_count_added() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE groups g SET member_count = g.member_count + d.n
          FROM (SELECT group_id, count(*)::integer AS n FROM added GROUP BY group_id) d
         WHERE g.id = d.group_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION group_memberships_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE groups g SET member_count = g.member_count - d.n
          FROM (SELECT group_id, count(*)::integer AS n FROM removed GROUP BY group_id) d
         WHERE g.id = d.group_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER group_memberships_count_added AFTER INSERT ON group_memberships
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION group_memberships_count_added()`);
    await q.query(`
      CREATE TRIGGER group_memberships_count_removed AFTER DELETE ON group_memberships
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION group_memberships_count_removed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE group_memberships`);
    await q.query(`DROP FUNCTION group_memberships_count_added`);
    await q.query(`DROP FUNCTION group_memberships_count_removed`);
    await q.query(`DROP TABLE groups`);
    await q.query(`DROP TABLE identities`);
    await q.query(`DROP TABLE realms`);
    await q.query(`DROP FUNCTION global_id`);
  }
}
