-- Nested groups (#14): transitive membership, measured (docs/decisions.md 105). Not the schema:
-- a scratch benchmark comparing three ways of reading transitive membership.
--
-- How to run (PostgreSQL 15, about 2–3 minutes, ~1 GB of disk):
--   psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE nesting_measure'
--   psql -h 127.0.0.1 -U postgres -d nesting_measure -v ON_ERROR_STOP=1 -f bench/scratch/transitive-membership.sql
--   psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE nesting_measure'
--
-- Data: a root, 10 children, 100 leaves (111 groups); 1 000 000 identities, 10 000 per leaf, the first
-- 1 000 of each leaf also in the next leaf (100 000 identities reached by two paths); leaf 0 also nested
-- in a second parent (a group diamond). Plus "big": a 100 000-member group, not nested, for write (ii).
-- Candidates: (a) recursive CTE over group_nestings at read time; (b) closure table group_closure;
-- (c) materialized transitive_memberships. The two tables below mirror migrations CreateGraph and
-- GroupNestings (columns, keys, indexes; the count triggers are left out).
\timing on
\set ON_ERROR_STOP 1
DROP SCHEMA IF EXISTS tm CASCADE;
CREATE SCHEMA tm;
SET search_path = tm;
SET max_parallel_workers_per_gather = 0;  -- the API's short statements; keeps timings comparable

CREATE TABLE groups (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), realm_id uuid NOT NULL, name text NOT NULL,
  CONSTRAINT groups_realm_id_id_key UNIQUE (realm_id, id));
CREATE TABLE identities (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), realm_id uuid NOT NULL, n int NOT NULL,
  CONSTRAINT identities_realm_id_id_key UNIQUE (realm_id, id));
CREATE TABLE group_memberships (
  group_id uuid NOT NULL, identity_id uuid NOT NULL, realm_id uuid NOT NULL, added_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT group_memberships_pkey PRIMARY KEY (group_id, identity_id),
  CONSTRAINT group_memberships_group_fkey FOREIGN KEY (realm_id, group_id) REFERENCES groups (realm_id, id) ON DELETE CASCADE,
  CONSTRAINT group_memberships_identity_fkey FOREIGN KEY (realm_id, identity_id) REFERENCES identities (realm_id, id) ON DELETE CASCADE);
CREATE TABLE group_nestings (
  realm_id uuid NOT NULL, parent_id uuid NOT NULL, child_id uuid NOT NULL, added_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT group_nestings_pkey PRIMARY KEY (parent_id, child_id),
  CONSTRAINT group_nestings_parent_fkey FOREIGN KEY (realm_id, parent_id) REFERENCES groups (realm_id, id) ON DELETE CASCADE,
  CONSTRAINT group_nestings_child_fkey FOREIGN KEY (realm_id, child_id) REFERENCES groups (realm_id, id) ON DELETE CASCADE,
  CONSTRAINT group_nestings_not_itself CHECK (parent_id <> child_id));
CREATE INDEX group_nestings_parent_added_idx ON group_nestings (parent_id, added_at, child_id);
CREATE INDEX group_nestings_child_added_idx ON group_nestings (child_id, added_at, parent_id);

-- Named groups: root; c0..c9; l0..l99 (leaf l<k> under c<k/10>); big.
CREATE TABLE g (name text PRIMARY KEY, id uuid NOT NULL);
INSERT INTO g VALUES ('realm', gen_random_uuid());
INSERT INTO groups (realm_id, name)
  SELECT (SELECT id FROM g WHERE name = 'realm'), x
    FROM (VALUES ('root'), ('big')) v(x)
   UNION ALL SELECT (SELECT id FROM g WHERE name = 'realm'), 'c' || i FROM generate_series(0, 9) i
   UNION ALL SELECT (SELECT id FROM g WHERE name = 'realm'), 'l' || i FROM generate_series(0, 99) i;
INSERT INTO g SELECT name, id FROM groups;
SELECT id AS realm FROM g WHERE name = 'realm' \gset

INSERT INTO group_nestings (realm_id, parent_id, child_id, added_at)
  SELECT :'realm'::uuid, (SELECT id FROM g WHERE name = 'root'), (SELECT id FROM g WHERE name = 'c' || i), now() - interval '1 day'
    FROM generate_series(0, 9) i
  UNION ALL
  SELECT :'realm'::uuid, (SELECT id FROM g WHERE name = 'c' || (i / 10)), (SELECT id FROM g WHERE name = 'l' || i), now() - interval '1 day'
    FROM generate_series(0, 99) i
  UNION ALL  -- the group diamond: l0 in c0 and in c1
  SELECT :'realm'::uuid, (SELECT id FROM g WHERE name = 'c1'), (SELECT id FROM g WHERE name = 'l0'), now() - interval '1 day';

-- Identities 0..999 999 in the tree, 1 000 000..1 099 999 for "big".
INSERT INTO identities (realm_id, n) SELECT :'realm'::uuid, n FROM generate_series(0, 1099999) n;
CREATE INDEX identities_n ON identities (n);
ANALYZE identities;
-- Memberships are loaded without their indexes, which are built after (as a restore would).
ALTER TABLE group_memberships DROP CONSTRAINT group_memberships_pkey;
INSERT INTO group_memberships (group_id, identity_id, realm_id, added_at)
  SELECT lg.id, i.id, :'realm'::uuid, timestamptz '2026-01-01' + (random() * 300) * interval '1 day'
    FROM identities i JOIN g lg ON lg.name = 'l' || (i.n / 10000) WHERE i.n < 1000000
  UNION ALL  -- identities reached by two paths: the first 1 000 of each leaf also in the next leaf
  SELECT lg.id, i.id, :'realm'::uuid, timestamptz '2026-01-01' + (random() * 300) * interval '1 day'
    FROM identities i JOIN g lg ON lg.name = 'l' || ((i.n / 10000 + 1) % 100) WHERE i.n < 1000000 AND i.n % 10000 < 1000
  UNION ALL
  SELECT (SELECT id FROM g WHERE name = 'big'), i.id, :'realm'::uuid, timestamptz '2026-01-01' + (random() * 300) * interval '1 day'
    FROM identities i WHERE i.n >= 1000000;
ALTER TABLE group_memberships ADD CONSTRAINT group_memberships_pkey PRIMARY KEY (group_id, identity_id);
CREATE INDEX group_memberships_group_added_idx ON group_memberships (group_id, added_at, identity_id);
CREATE INDEX group_memberships_identity_added_idx ON group_memberships (identity_id, added_at, group_id);

-- (b) closure table: every (ancestor, descendant) pair including (g, g) at depth 0; paths = number of
-- distinct paths; depth = the shortest.
CREATE TABLE group_closure (
  ancestor_id uuid NOT NULL, descendant_id uuid NOT NULL, depth int NOT NULL, paths bigint NOT NULL,
  PRIMARY KEY (ancestor_id, descendant_id));
CREATE INDEX group_closure_descendant_idx ON group_closure (descendant_id, ancestor_id);
INSERT INTO group_closure
  WITH RECURSIVE walk(ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM groups
    UNION ALL
    SELECT w.ancestor_id, n.child_id, w.depth + 1 FROM walk w JOIN group_nestings n ON n.parent_id = w.descendant_id)
  SELECT ancestor_id, descendant_id, min(depth), count(*) FROM walk GROUP BY 1, 2;

-- (c) materialized transitive membership: (group, identity, paths), every group including itself.
CREATE TABLE transitive_memberships (
  group_id uuid NOT NULL, identity_id uuid NOT NULL, paths bigint NOT NULL,
  PRIMARY KEY (group_id, identity_id));
CREATE INDEX transitive_memberships_identity_idx ON transitive_memberships (identity_id, group_id);
INSERT INTO transitive_memberships
  SELECT c.ancestor_id, m.identity_id, sum(c.paths)
    FROM group_closure c JOIN group_memberships m ON m.group_id = c.descendant_id
   GROUP BY 1, 2;
VACUUM ANALYZE;
SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid)) AS size
  FROM pg_stat_user_tables WHERE schemaname = 'tm' ORDER BY relname;

-- ============================================================ reads
SELECT id AS root FROM g WHERE name = 'root' \gset
SELECT id AS c3 FROM g WHERE name = 'c3' \gset
SELECT id AS l5 FROM g WHERE name = 'l5' \gset
SELECT id AS big FROM g WHERE name = 'big' \gset
-- identity 500: in l0 (under c0 and c1) and in l1: three paths to root
SELECT id AS ident FROM identities WHERE n = 500 \gset
-- cursors: the identity ID of row 900 000 (90 % deep) and of row 999 980 (the last page), in identity ID order
SELECT identity_id AS c90 FROM transitive_memberships WHERE group_id = :'root' ORDER BY identity_id OFFSET 899999 LIMIT 1 \gset
SELECT identity_id AS clast FROM transitive_memberships WHERE group_id = :'root' ORDER BY identity_id OFFSET 999979 LIMIT 1 \gset

\echo '### (a) naive: recursive CTE, DISTINCT over all memberships, first page'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT DISTINCT m.identity_id FROM d JOIN group_memberships m ON m.group_id = d.id ORDER BY 1 LIMIT 20;


\echo '### (a) naive, page at 90 % (root: every identity is a member, so walking the identity index in order finds one at each step)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT DISTINCT m.identity_id FROM d JOIN group_memberships m ON m.group_id = d.id WHERE m.identity_id > :'c90' ORDER BY 1 LIMIT 20;
SELECT identity_id AS c3c90 FROM transitive_memberships WHERE group_id = :'c3' ORDER BY identity_id OFFSET 89999 LIMIT 1 \gset
\echo '### (a) naive, subtree c3 (10 % of the identities), page at 90 %: the plan that was cheap for root'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'c3'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT DISTINCT m.identity_id FROM d JOIN group_memberships m ON m.group_id = d.id WHERE m.identity_id > :'c3c90' ORDER BY 1 LIMIT 20;
\echo '### (a) top-k, subtree c3, page at 90 %'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'c3'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT DISTINCT p.identity_id FROM d CROSS JOIN LATERAL (
  SELECT m.identity_id FROM group_memberships m WHERE m.group_id = d.id AND m.identity_id > :'c3c90' ORDER BY m.identity_id LIMIT 20) p
 ORDER BY 1 LIMIT 20;

\echo '### (a) by (min added_at, identity id): the first page needs every member aggregated'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT m.identity_id, min(m.added_at) AS added_at FROM d JOIN group_memberships m ON m.group_id = d.id
 GROUP BY m.identity_id ORDER BY 2, 1 LIMIT 20;

\echo '### (a) top-k per group: recursive CTE, then per group the next 20 by the primary key (group_id, identity_id), merged, DISTINCT — first page'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT DISTINCT p.identity_id FROM d CROSS JOIN LATERAL (
  SELECT m.identity_id FROM group_memberships m WHERE m.group_id = d.id ORDER BY m.identity_id LIMIT 20) p
 ORDER BY 1 LIMIT 20;
\echo '### (a) top-k, page at 90 %'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT DISTINCT p.identity_id FROM d CROSS JOIN LATERAL (
  SELECT m.identity_id FROM group_memberships m WHERE m.group_id = d.id AND m.identity_id > :'c90' ORDER BY m.identity_id LIMIT 20) p
 ORDER BY 1 LIMIT 20;
\echo '### (a) totalCount'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT count(DISTINCT m.identity_id) FROM d JOIN group_memberships m ON m.group_id = d.id;
\echo '### (a) one identity s transitive groups (recursive CTE upwards)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE u(id) AS (SELECT group_id FROM group_memberships WHERE identity_id = :'ident'
                         UNION SELECT n.parent_id FROM group_nestings n JOIN u ON n.child_id = u.id)
SELECT id FROM u ORDER BY id LIMIT 20;

\echo '### (b) closure, first page (top-k per descendant group)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT DISTINCT p.identity_id FROM group_closure c CROSS JOIN LATERAL (
  SELECT m.identity_id FROM group_memberships m WHERE m.group_id = c.descendant_id ORDER BY m.identity_id LIMIT 20) p
 WHERE c.ancestor_id = :'root' ORDER BY 1 LIMIT 20;
\echo '### (b) closure, page at 90 %'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT DISTINCT p.identity_id FROM group_closure c CROSS JOIN LATERAL (
  SELECT m.identity_id FROM group_memberships m WHERE m.group_id = c.descendant_id AND m.identity_id > :'c90' ORDER BY m.identity_id LIMIT 20) p
 WHERE c.ancestor_id = :'root' ORDER BY 1 LIMIT 20;
\echo '### (b) closure, totalCount'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(DISTINCT m.identity_id) FROM group_closure c JOIN group_memberships m ON m.group_id = c.descendant_id WHERE c.ancestor_id = :'root';
\echo '### (b) closure, one identity s transitive groups'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT DISTINCT c.ancestor_id FROM group_memberships m JOIN group_closure c ON c.descendant_id = m.group_id
 WHERE m.identity_id = :'ident' ORDER BY 1 LIMIT 20;

\echo '### (c) transitive_memberships, first page'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT identity_id FROM transitive_memberships WHERE group_id = :'root' ORDER BY identity_id LIMIT 20;
\echo '### (c) page at 90 %'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT identity_id FROM transitive_memberships WHERE group_id = :'root' AND identity_id > :'c90' ORDER BY identity_id LIMIT 20;
\echo '### (c) totalCount'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(*) FROM transitive_memberships WHERE group_id = :'root';
\echo '### (c) one identity s transitive groups'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT group_id FROM transitive_memberships WHERE identity_id = :'ident' ORDER BY group_id LIMIT 20;

\echo '### check: the three give the same pages and counts (first, 90 %, last) and identity 500 is counted once'
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id),
a AS (SELECT string_agg(x::text, ',' ORDER BY x) s FROM (SELECT DISTINCT p.identity_id x FROM d CROSS JOIN LATERAL (
  SELECT m.identity_id FROM group_memberships m WHERE m.group_id = d.id AND m.identity_id > :'clast' ORDER BY m.identity_id LIMIT 20) p ORDER BY 1 LIMIT 20) q),
b AS (SELECT string_agg(x::text, ',' ORDER BY x) s FROM (SELECT DISTINCT p.identity_id x FROM group_closure c CROSS JOIN LATERAL (
  SELECT m.identity_id FROM group_memberships m WHERE m.group_id = c.descendant_id AND m.identity_id > :'clast' ORDER BY m.identity_id LIMIT 20) p
  WHERE c.ancestor_id = :'root' ORDER BY 1 LIMIT 20) q),
c AS (SELECT string_agg(x::text, ',' ORDER BY x) s FROM (SELECT identity_id x FROM transitive_memberships WHERE group_id = :'root' AND identity_id > :'clast' ORDER BY identity_id LIMIT 20) q)
SELECT a.s = b.s AND b.s = c.s AS last_pages_equal, length(a.s) > 0 AS nonempty FROM a, b, c;
SELECT paths AS identity_500_paths_to_root FROM transitive_memberships WHERE group_id = :'root' AND identity_id = :'ident';
SELECT (SELECT count(*) FROM transitive_memberships WHERE group_id = :'root') AS c_count,
       (SELECT count(DISTINCT m.identity_id) FROM group_closure c JOIN group_memberships m ON m.group_id = c.descendant_id WHERE c.ancestor_id = :'root') AS b_count;

-- ============================================================ writes
-- WAL written by each write (pg_current_wal_lsn before and after) shows its size beside the rows.
INSERT INTO identities (realm_id, n) VALUES (:'realm', 2000000) RETURNING id AS newid \gset

\echo '### (i) add one identity to leaf l5 — (a) and (b): the membership row only'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO group_memberships (group_id, identity_id, realm_id) VALUES (:'l5', :'newid', :'realm');
\echo '### (i) (c): plus a row per ancestor (itself included), paths added'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO transitive_memberships (group_id, identity_id, paths)
  SELECT c.ancestor_id, :'newid', c.paths FROM group_closure c WHERE c.descendant_id = :'l5'
  ON CONFLICT (group_id, identity_id) DO UPDATE SET paths = transitive_memberships.paths + excluded.paths;
COMMIT;

\echo '### (ii) for (b): the exact transitiveMemberCount delta of every ancestor of c3 if big is nested (computed before the nesting, no rows written)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT a.ancestor_id, count(*) AS newly_reached
  FROM group_closure a
  CROSS JOIN (SELECT DISTINCT m.identity_id FROM group_closure b JOIN group_memberships m ON m.group_id = b.descendant_id
               WHERE b.ancestor_id = :'big') s
 WHERE a.descendant_id = :'c3'
   AND NOT EXISTS (SELECT 1 FROM group_memberships o JOIN group_closure x ON x.descendant_id = o.group_id
                    WHERE o.identity_id = s.identity_id AND x.ancestor_id = a.ancestor_id)
 GROUP BY a.ancestor_id;
SELECT pg_current_wal_lsn() AS w0 \gset
\echo '### (ii) nest big (100 000 members) under c3 — every candidate: the cycle check and the nesting row'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'big'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT EXISTS (SELECT 1 FROM d WHERE id = :'c3') AS cycle;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO group_nestings (realm_id, parent_id, child_id) VALUES (:'realm', :'c3', :'big');
\echo '### (ii) (c): transitive_memberships of every ancestor of c3 (itself included) gain big s members'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO transitive_memberships (group_id, identity_id, paths)
  SELECT a.ancestor_id, t.identity_id, a.paths * t.paths
    FROM group_closure a JOIN transitive_memberships t ON t.group_id = :'big'
   WHERE a.descendant_id = :'c3'
  ON CONFLICT (group_id, identity_id) DO UPDATE SET paths = transitive_memberships.paths + excluded.paths;
\echo '### (ii) (b) and (c): closure pairs (ancestors of c3) x (descendants of big)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO group_closure (ancestor_id, descendant_id, depth, paths)
  SELECT a.ancestor_id, d.descendant_id, a.depth + d.depth + 1, a.paths * d.paths
    FROM group_closure a, group_closure d WHERE a.descendant_id = :'c3' AND d.ancestor_id = :'big'
  ON CONFLICT (ancestor_id, descendant_id) DO UPDATE
    SET paths = group_closure.paths + excluded.paths, depth = least(group_closure.depth, excluded.depth);
COMMIT;
SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), :'w0')) AS wal_of_nesting_all_candidates;

\echo '### reads after the nesting: (a) totalCount and (c) first page'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id)
SELECT count(DISTINCT m.identity_id) FROM d JOIN group_memberships m ON m.group_id = d.id;
SELECT count(*) AS c_count_after_nesting FROM transitive_memberships WHERE group_id = :'root';

\echo '### (ii) what a transitive watcher of root is told (the log holds one GROUP_NESTED): identities of big not already members of root by another path — first 1 000, keyset'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH RECURSIVE d(id) AS (SELECT :'root'::uuid UNION SELECT n.child_id FROM group_nestings n JOIN d ON n.parent_id = d.id AND n.child_id <> :'big')
SELECT m.identity_id FROM group_memberships m
 WHERE m.group_id = :'big' AND NOT EXISTS (SELECT 1 FROM d JOIN group_memberships o ON o.group_id = d.id AND o.identity_id = m.identity_id)
 ORDER BY m.identity_id LIMIT 1000;

\echo '### (iii) remove the nesting — (c) first: rows whose every path went through it are deleted, the others lose paths'
BEGIN;
SELECT pg_current_wal_lsn() AS w1 \gset
WITH gone AS (
  DELETE FROM transitive_memberships t USING group_closure a, transitive_memberships s
   WHERE a.descendant_id = :'c3' AND s.group_id = :'big' AND t.group_id = a.ancestor_id AND t.identity_id = s.identity_id
     AND t.paths = a.paths * s.paths RETURNING 1)
SELECT count(*) AS tm_rows_deleted FROM gone;
WITH fewer AS (
  UPDATE transitive_memberships t SET paths = t.paths - a.paths * s.paths FROM group_closure a, transitive_memberships s
   WHERE a.descendant_id = :'c3' AND s.group_id = :'big' AND t.group_id = a.ancestor_id AND t.identity_id = s.identity_id
     AND t.group_id <> :'big' RETURNING 1)
SELECT count(*) AS tm_rows_updated FROM fewer;
SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), :'w1')) AS wal_of_unnesting_c;
\echo '### (iii) (b) and (c): closure pairs lose paths (depth recomputed for what remains — omitted here)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
DELETE FROM group_closure t USING group_closure a, group_closure d
 WHERE a.descendant_id = :'c3' AND d.ancestor_id = :'big' AND t.ancestor_id = a.ancestor_id AND t.descendant_id = d.descendant_id
   AND t.paths = a.paths * d.paths;
\echo '### (iii) every candidate: the nesting row'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
DELETE FROM group_nestings WHERE parent_id = :'c3' AND child_id = :'big';
COMMIT;
SELECT count(*) AS c_count_after_unnesting FROM transitive_memberships WHERE group_id = :'root';
SELECT pg_size_pretty(pg_total_relation_size('transitive_memberships')) AS tm_size,
       pg_size_pretty(pg_total_relation_size('group_memberships')) AS gm_size;

-- The database is scratch: drop it when done (see the header).
