#!/bin/sh
# run.sh: run every unit test binary and every end-to-end script, count
# the "ok" and "not ok" lines they print, and end with "N passed, N failed".
# TESTS=pattern runs only the scripts whose name matches.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
[ "${SANITIZE:-}" = 1 ] && build=${build%-san}-san
export SETUPLINK="$top/$build/setuplink" TOP="$top" BUILD="$top/$build"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:malloc_limit_mb=4096}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=TAP
log=$(mktemp -d /tmp/slrun.XXXXXX)
pass=0 fail=0
pat=${TESTS:-}

count() {	# name file status
	p=$(grep -c '^ok ' "$2")
	f=$(grep -c '^not ok ' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $1 exited $3 (see output above)" >>"$2"
		f=$((f + 1))
	fi
	pass=$((pass + p)) fail=$((fail + f))
	printf '%-40s %4d passed, %d failed\n' "$1" "$p" "$f"
	[ "$f" -ne 0 ] && sed 's/^/    | /' "$2" | grep -v '^    | ok ' | tail -40
}

for t in "$top/$build"/tests/test_*; do
	[ -x "$t" ] || continue
	n=unit/$(basename "$t")
	case $n in *"$pat"*) ;; *) continue ;; esac
	(cd "$top" && "$t") >"$log/out" 2>&1
	count "$n" "$log/out" $?
done
for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=e2e/$(basename "$t" .sh)
	case $n in *"$pat"*) ;; *) continue ;; esac
	(cd "$top" && timeout 600 sh "$t") >"$log/out" 2>&1 </dev/null
	count "$n" "$log/out" $?
done
rm -rf "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
