import type { DataSource } from 'typeorm';

/*
 * The closure table of nested groups (group_closure, docs/decisions.md 106) checked against the
 * table it is derived from: every path of group_nestings walked by a recursive CTE (UNION ALL, so
 * each path is counted), plus a self row per group. Test graphs are small; the walk is exponential
 * in stacked diamonds, which is why the product keeps counts rather than walking.
 */

/** A pair whose stored path count differs from the recomputed one (0: no row). */
export interface ClosureDifference {
  ancestor: string;
  descendant: string;
  stored: number;
  recomputed: number;
}

/** The realm's closure rows that differ from those its nestings give; [] when the closure is right. */
export async function closureDifferences(dataSource: DataSource, realmUuid: string): Promise<ClosureDifference[]> {
  return dataSource.query(
    `WITH RECURSIVE walk(ancestor, descendant) AS (
       SELECT id, id FROM groups WHERE realm_id = $1
       UNION ALL
       SELECT w.ancestor, n.child_id FROM walk w JOIN group_nestings n ON n.parent_id = w.descendant
     ), recomputed AS (
       SELECT ancestor, descendant, count(*) AS paths FROM walk GROUP BY 1, 2
     ), stored AS (
       SELECT ancestor_id AS ancestor, descendant_id AS descendant, paths FROM group_closure WHERE realm_id = $1
     )
     SELECT coalesce(s.ancestor, r.ancestor) AS ancestor, coalesce(s.descendant, r.descendant) AS descendant,
            coalesce(s.paths, 0)::int AS stored, coalesce(r.paths, 0)::int AS recomputed
       FROM stored s FULL JOIN recomputed r ON r.ancestor = s.ancestor AND r.descendant = s.descendant
      WHERE s.paths IS DISTINCT FROM r.paths
      ORDER BY 1, 2`,
    [realmUuid],
  );
}

/** How many closure rows the realm has (its groups' self rows included). */
export async function closureSize(dataSource: DataSource, realmUuid: string): Promise<number> {
  const [row] = await dataSource.query(`SELECT count(*)::int AS n FROM group_closure WHERE realm_id = $1`, [realmUuid]);
  return row.n;
}
