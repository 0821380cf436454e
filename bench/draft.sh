#!/bin/sh
# draft.sh: draft list --json with 10,000 drafts, and draft set latency.
. "$(dirname "$0")/lib.sh"
machine
bench_home
# 10,000 drafts with four values each, written straight into the schema
# (the CLI would take minutes and this measures reading, not writing).
sqlite3 "$SETUPLINK_HOME/setuplink.db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO drafts (name, connector, created, updated)
    SELECT 'draft ' || i, 'postgres', 1764000000 + i, 1764000000 + i FROM n;
INSERT INTO field_values (draft, key, value, kind, sender, at)
    SELECT id, k.key, 'value', 'admin', 'b@bench.example', 1764000000
    FROM drafts, (SELECT 'host' AS key UNION SELECT 'port' UNION
                  SELECT 'dbname' UNION SELECT 'user') k;
COMMIT;
SQL
for i in 1 2 3 4 5 6 7; do
	t0=$(ms)
	"$SETUPLINK" draft list --json >"$B/list.json"
	echo $(( $(ms) - t0 ))
done | median | awk '{printf "draft list --json, 10000 drafts: %s ms (median of 7)\n", $1}'
printf 'draft list --json output: %s bytes\n' "$(wc -c <"$B/list.json")"
id=$("$SETUPLINK" draft new postgres --name latency)
for i in $(seq 1 50); do
	t0=$(ms)
	"$SETUPLINK" draft set "$id" host=h$i
	echo $(( $(ms) - t0 ))
done | median | awk '{printf "draft set latency: %s ms (median of 50, whole process)\n", $1}'
