#!/usr/bin/env bash
# seed-releases.sh DATABASE NAMESPACES RELEASES: writes RELEASES old releases (of 20 keys each)
# into each of NAMESPACES namespaces of app `seeded` in a migrated SQLite database, straight
# into the table, for the retention benchmark.
set -euo pipefail
db=$1 namespaces=$2 releases=$3
config=$(python3 -c 'import json; print(json.dumps({f"key.{i:05}": f"value-{i}-abcdefghij" for i in range(20)}))')
sqlite3 "$db" <<SQL
PRAGMA journal_mode = WAL;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $namespaces * $releases - 1)
INSERT INTO releases (env, release_key, name, comment, app_id, cluster_name, namespace_name,
  configurations, is_abandoned, created_by, created_at, updated_by, updated_at, deleted_at)
SELECT 'DEV', 'seeded-' || i, 'seeded', '', 'seeded', 'default', 'ns-' || (i % $namespaces),
  '$config', 0, 'bench', 0, 'bench', 0, 0 FROM n;
SQL
