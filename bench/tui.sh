#!/bin/sh
# tui.sh: the interface's start, from exec to the first full Sources
# screen, with 100,000 drafts and 1,000,000 field rows (history included;
# DRAFTS sets the number of drafts, ten rows each), and its peak memory.
# SETUPLINK_TUI_EXIT=first-screen makes it quit once that screen is drawn;
# script(1) gives it the terminal it needs.  Target: under 100 ms.
. "$(dirname "$0")/lib.sh"
machine
bench_home
# DRAFTS drafts; ten field values each: five fields each written twice,
# the older write kept as history (current = 0).
nd=${DRAFTS:-100000}
t0=$(ms)
sqlite3 "$SETUPLINK_HOME/setuplink.db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $nd)
INSERT INTO drafts (name, connector, created, updated)
    SELECT 'draft ' || i, 'postgres', 1764000000 + i, 1764000000 + i FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $nd * 10 - 1)
INSERT INTO field_values (draft, key, value, kind, sender, at, current)
    SELECT 1 + i / 10, CASE (i % 10) / 2 WHEN 0 THEN 'host' WHEN 1 THEN 'port'
        WHEN 2 THEN 'dbname' WHEN 3 THEN 'user' ELSE 'password' END,
        'value ' || i, 'admin', 'b@bench.example', 1764000000 + i, i % 2
    FROM n;
COMMIT;
SQL
gen=$(( $(ms) - t0 ))
printf 'data: %s drafts, %s field rows (made in %s ms)\n' \
    "$(sqlite3 "$SETUPLINK_HOME/setuplink.db" 'SELECT count(*) FROM drafts')" \
    "$(sqlite3 "$SETUPLINK_HOME/setuplink.db" 'SELECT count(*) FROM field_values')" \
    "$gen"

run() {
	SETUPLINK_TUI_EXIT=first-screen TERM=xterm-256color LC_ALL=C.UTF-8 \
	    script -qec "$SETUPLINK" /dev/null >/dev/null </dev/null
}
run	# warm the page cache
for i in 1 2 3 4 5 6 7 8 9; do
	t0=$(ms)
	run
	echo $(( $(ms) - t0 ))
done | median | awk '{printf "start to first full screen: %s ms (median of 9, through script(1); target < 100 ms)\n", $1}'
SETUPLINK_TUI_EXIT=first-screen TERM=xterm-256color LC_ALL=C.UTF-8 \
    /usr/bin/time -v -o "$B/time" script -qec "$SETUPLINK" /dev/null \
    >/dev/null </dev/null
# time -v sees script(1) and its children: the peak is the largest one.
awk -F': ' '/Maximum resident/ {printf "peak memory: %d KB (largest process)\n", $2}' "$B/time"
for i in 1 2 3 4 5; do
	t0=$(ms)
	script -qec true /dev/null >/dev/null </dev/null
	echo $(( $(ms) - t0 ))
done | median | awk '{printf "script(1) alone: %s ms (included above)\n", $1}'
