import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Nested groups, the TRANSITIVE subscription (issue #14, docs/decisions.md 107): deleting a group
 * logs its memberships one by one when it sits in a tree, or left one at an event the log still
 * keeps — a watcher resumed from before that event must be able to tell who was in it. "The log
 * still keeps a GROUP_UNNESTED naming this group" (as the parent, `group_id`, or as the child,
 * `data.memberGroupId`) is two probes of these partial indexes: a realm's un-nestings are few
 * among its events, so the indexes are small. Built CONCURRENTLY, outside a transaction: the
 * events table is the largest, and every write appends to it.
 */
export class UnnestingIndex1795530000000 implements MigrationInterface {
  name = 'UnnestingIndex1795530000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS events_unnested_parent_idx ON events (realm_id, group_id) WHERE type = 'group.unnested'`);
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS events_unnested_child_idx ON events (realm_id, (data->>'memberGroupId')) WHERE type = 'group.unnested'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS events_unnested_child_idx`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS events_unnested_parent_idx`);
  }
}
