import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Nested groups, transitive reads (issue #14, docs/decisions.md 106): `group_closure` holds, for
 * every pair of groups (ancestor, descendant) with a path down from one to the other, how many
 * paths there are — and a self row (g, g, 1) for every group, so that "the group and every group
 * below it" is one index range, `ancestor_id = g`.
 *
 * The table is derived from group_nestings and kept by triggers in the same statement as every
 * write of it: inserts and deletes of nestings (the service's, and the cascades of a group's or a
 * realm's deletion alike) and the creation of a group (its self row). The path count is what lets a
 * deletion keep a pair that another path still joins (a diamond). The triggers read the closure of
 * other groups, so the writes of a realm's nestings must be serial: they take the realm's nesting
 * lock, as the services already do, earlier, in the order of decision 63 (the trigger's is then a
 * re-entry, and a backstop for a write that forgot it). Under that lock the insert trigger also
 * refuses a nesting that would close a cycle (`group_nestings_acyclic`): the database's own refusal,
 * behind the service's check that names the path.
 *
 * Both foreign keys are onto groups (realm_id, id), with the row's realm_id, as group_nestings' are;
 * the primary key serves "below a group", the (descendant_id, ancestor_id) index "above a group" and
 * the second foreign key. The backfill adds every existing nesting through the same function the
 * triggers use, a parent at a time.
 */
export class GroupClosure1795520000000 implements MigrationInterface {
  name = 'GroupClosure1795520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE group_closure (
        realm_id uuid NOT NULL,
        ancestor_id uuid NOT NULL,
        descendant_id uuid NOT NULL,
        paths bigint NOT NULL,
        CONSTRAINT group_closure_pkey PRIMARY KEY (ancestor_id, descendant_id),
        CONSTRAINT group_closure_ancestor_fkey FOREIGN KEY (realm_id, ancestor_id)
          REFERENCES groups (realm_id, id) ON DELETE CASCADE,
        CONSTRAINT group_closure_descendant_fkey FOREIGN KEY (realm_id, descendant_id)
          REFERENCES groups (realm_id, id) ON DELETE CASCADE,
        CONSTRAINT group_closure_paths_positive CHECK (paths > 0)
      )`);
    await q.query(`CREATE INDEX group_closure_descendant_idx ON group_closure (descendant_id, ancestor_id)`);

    // Nesting the children under one parent adds, for every ancestor a of the parent (itself
    // included) and every descendant d of a child (itself included), paths(a, parent) × paths(child, d)
    // paths a → d. Children of one parent are independent: no path goes through two of them (it
    // would go from one child back up to the parent, a cycle), so one statement over the closure as
    // it was is exact. Removing them subtracts the same products; a pair left with no path goes.
    await q.query(`
      CREATE FUNCTION group_closure_link(realm uuid, parent uuid, children uuid[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO group_closure (realm_id, ancestor_id, descendant_id, paths)
        SELECT realm, up.ancestor_id, down.descendant_id, sum(up.paths * down.paths)
          FROM group_closure up
          JOIN group_closure down ON down.ancestor_id = ANY(children)
         WHERE up.descendant_id = parent
         GROUP BY up.ancestor_id, down.descendant_id
        ON CONFLICT (ancestor_id, descendant_id) DO UPDATE SET paths = group_closure.paths + excluded.paths
      $$`);
    await q.query(`
      CREATE FUNCTION group_closure_unlink(parent uuid, children uuid[]) RETURNS void LANGUAGE sql AS $$
        WITH lost AS (
          SELECT up.ancestor_id, down.descendant_id, sum(up.paths * down.paths) AS paths
            FROM group_closure up
            JOIN group_closure down ON down.ancestor_id = ANY(children)
           WHERE up.descendant_id = parent
           GROUP BY up.ancestor_id, down.descendant_id
        ), gone AS (
          DELETE FROM group_closure c USING lost
           WHERE c.ancestor_id = lost.ancestor_id AND c.descendant_id = lost.descendant_id AND c.paths <= lost.paths
        )
        UPDATE group_closure c SET paths = c.paths - lost.paths FROM lost
         WHERE c.ancestor_id = lost.ancestor_id AND c.descendant_id = lost.descendant_id AND c.paths > lost.paths
      $$`);

    // One statement may write nestings of several parents (a group's deletion ends those it is the
    // parent of and those it is the child of): they are applied a parent at a time, each against the
    // closure the previous one left, which is exact for any set of links.
    await q.query(`
      CREATE FUNCTION group_nestings_close_added() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        batch record;
      BEGIN
        FOR batch IN SELECT realm_id, parent_id, array_agg(child_id) AS children FROM added GROUP BY realm_id, parent_id LOOP
          PERFORM pg_advisory_xact_lock(hashtextextended('nesting:' || batch.realm_id::text, 0));
          -- The database's own refusal of a cycle (the service refuses it first, naming the path).
          IF EXISTS (SELECT 1 FROM group_closure WHERE ancestor_id = ANY(batch.children) AND descendant_id = batch.parent_id) THEN
            RAISE EXCEPTION 'nesting a group in % would make a cycle', batch.parent_id
              USING ERRCODE = 'check_violation', CONSTRAINT = 'group_nestings_acyclic', TABLE = 'group_nestings';
          END IF;
          PERFORM group_closure_link(batch.realm_id, batch.parent_id, batch.children);
        END LOOP;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION group_nestings_close_removed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        batch record;
      BEGIN
        FOR batch IN SELECT realm_id, parent_id, array_agg(child_id) AS children FROM removed GROUP BY realm_id, parent_id LOOP
          PERFORM pg_advisory_xact_lock(hashtextextended('nesting:' || batch.realm_id::text, 0));
          PERFORM group_closure_unlink(batch.parent_id, batch.children);
        END LOOP;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION groups_close_created() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO group_closure (realm_id, ancestor_id, descendant_id, paths) SELECT realm_id, id, id, 1 FROM created;
        RETURN NULL;
      END $$`);
    // A group's row deleted with nestings left (deleting a realm; SQL by hand) would lose them by
    // the foreign keys' cascade, whose AFTER triggers fire once the statement is done — after the
    // closure's own cascade has taken the group's rows, which the un-linking reads. So a group's
    // nestings go first, before its row, while the closure still holds its paths. The service
    // deletes them itself, with their events (GroupService.delete): then this finds none.
    await q.query(`
      CREATE FUNCTION groups_unnest_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM group_nestings WHERE parent_id = OLD.id OR child_id = OLD.id;
        RETURN OLD;
      END $$`);
    await q.query(`
      CREATE TRIGGER group_nestings_close_added AFTER INSERT ON group_nestings
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION group_nestings_close_added()`);
    await q.query(`
      CREATE TRIGGER group_nestings_close_removed AFTER DELETE ON group_nestings
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION group_nestings_close_removed()`);
    await q.query(`
      CREATE TRIGGER groups_close_created AFTER INSERT ON groups
        REFERENCING NEW TABLE AS created FOR EACH STATEMENT EXECUTE FUNCTION groups_close_created()`);
    await q.query(`CREATE TRIGGER groups_unnest_deleted BEFORE DELETE ON groups FOR EACH ROW EXECUTE FUNCTION groups_unnest_deleted()`);

    // The backfill, in this migration's transaction: the self rows, then every parent's children.
    await q.query(`INSERT INTO group_closure (realm_id, ancestor_id, descendant_id, paths) SELECT realm_id, id, id, 1 FROM groups`);
    await q.query(`
      DO $$
      DECLARE
        batch record;
      BEGIN
        FOR batch IN SELECT realm_id, parent_id, array_agg(child_id) AS children FROM group_nestings GROUP BY realm_id, parent_id LOOP
          PERFORM group_closure_link(batch.realm_id, batch.parent_id, batch.children);
        END LOOP;
      END $$`);
    await q.query(`ANALYZE group_closure`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS groups_unnest_deleted ON groups`);
    await q.query(`DROP TRIGGER IF EXISTS groups_close_created ON groups`);
    await q.query(`DROP TRIGGER IF EXISTS group_nestings_close_removed ON group_nestings`);
    await q.query(`DROP TRIGGER IF EXISTS group_nestings_close_added ON group_nestings`);
    await q.query(`DROP FUNCTION IF EXISTS groups_unnest_deleted()`);
    await q.query(`DROP FUNCTION IF EXISTS groups_close_created()`);
    await q.query(`DROP FUNCTION IF EXISTS group_nestings_close_removed()`);
    await q.query(`DROP FUNCTION IF EXISTS group_nestings_close_added()`);
    await q.query(`DROP FUNCTION IF EXISTS group_closure_unlink(uuid, uuid[])`);
    await q.query(`DROP FUNCTION IF EXISTS group_closure_link(uuid, uuid, uuid[])`);
    await q.query(`DROP TABLE IF EXISTS group_closure`);
  }
}
