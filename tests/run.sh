#!/bin/sh
# run.sh: run every unit test binary and every end-to-end script, count
# the "ok" and "not ok" lines they print, and end with "N passed, N failed".
# TESTS=pattern runs only the scripts whose name matches.  JOBS=N runs N
# at a time (default: the number of cores); the few that look at the
# whole machine run alone, after the others.
# The store's engine: with STORE unset (and SANITIZE not 1), after the
# SQLite pass a PostgreSQL pass runs unit/test_store and the scripts
# marked "# store: both" again, named pg/e2e/..., on one throwaway
# PostgreSQL (tests/lib/pgsuite.sh).  STORE=sqlite runs the SQLite pass
# alone; STORE=postgresql runs every test on PostgreSQL (the scripts that
# cannot skip themselves).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
[ "${SANITIZE:-}" = 1 ] && build=${build%-san}-san
export SETUPLINK="$top/$build/setuplink" TOP="$top" BUILD="$top/$build"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:malloc_limit_mb=4096}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=TAP
export RUN_LOG
RUN_LOG=$(mktemp -d /tmp/slrun.XXXXXX)
. "$top/tests/lib/pgsuite.sh"
trap 'pgsuite_stop; rm -rf "$RUN_LOG"' EXIT
pat=${TESTS:-}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 1)}
store=${STORE:-}
case $store in
"" | sqlite | postgresql) ;;
*) echo "STORE=$store: sqlite or postgresql" >&2; exit 2 ;;
esac
[ -n "$store" ] && export STORE

# Alone: test_crypto counts every gpg-agent on the machine, 058 binds
# /dev/log, 125 installs the package with dpkg.
alone=" unit/test_crypto e2e/058-intake-syslog e2e/125-debian "

: >"$RUN_LOG/all"
for t in "$top/$build"/tests/test_*; do
	[ -x "$t" ] || continue
	n=unit/$(basename "$t")
	case $n in *"$pat"*) echo "$n $t" >>"$RUN_LOG/all" ;; esac
done
for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=e2e/$(basename "$t" .sh)
	case $n in *"$pat"*) echo "$n $t" >>"$RUN_LOG/all" ;; esac
done
# The PostgreSQL pass: the same tests, named pg/..., which run1.sh runs
# with STORE=postgresql.
if [ -z "$store" ] && [ "${SANITIZE:-}" != 1 ]; then
	t=$top/$build/tests/test_store
	case pg/unit/test_store in
	*"$pat"*) [ -x "$t" ] && echo "pg/unit/test_store $t" >>"$RUN_LOG/all" ;;
	esac
	for t in $(grep -l '^# store: both$' "$top"/tests/e2e/*.sh); do
		n=pg/e2e/$(basename "$t" .sh)
		case $n in *"$pat"*) echo "$n $t" >>"$RUN_LOG/all" ;; esac
	done
fi
if [ "$store" = postgresql ] || grep -q '^pg/' "$RUN_LOG/all"; then
	pgsuite_start "$(mktemp -d /tmp/slpg.XXXXXX)" ||
	    { echo "run.sh: PostgreSQL did not start" >&2; exit 1; }
	# test_store's own database, which it empties at each test.
	SETUPLINK_TEST_DATABASE=$(pgsuite_db unit_store) || exit 1
	export SETUPLINK_TEST_DATABASE
fi
: >"$RUN_LOG/pool"
: >"$RUN_LOG/alone"
while read -r n t; do
	case $alone in
	*" $n "*) echo "$n $t" >>"$RUN_LOG/alone" ;;
	*) echo "$n $t" >>"$RUN_LOG/pool" ;;
	esac
done <"$RUN_LOG/all"

# Each test prints its line as it ends: name, counts, seconds.
xargs -r -P "$jobs" -L 1 sh "$top/tests/run1.sh" <"$RUN_LOG/pool"
xargs -r -P 1 -L 1 sh "$top/tests/run1.sh" <"$RUN_LOG/alone"

# What failed, in the order the tests are listed, then the sum.
pass=0 fail=0
while read -r n t; do
	f=$RUN_LOG/$(echo "$n" | tr / _)
	if [ ! -f "$f.count" ]; then
		echo "--- $n: did not run"
		fail=$((fail + 1))
		continue
	fi
	read -r p c <"$f.count"
	pass=$((pass + p)) fail=$((fail + c))
	if [ "$c" -ne 0 ]; then
		echo "--- $n: $c failed"
		sed 's/^/    | /' "$f.out" | grep -v '^    | ok ' | tail -40
	fi
done <"$RUN_LOG/all"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
