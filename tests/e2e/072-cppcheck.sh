#!/bin/sh
# 072-cppcheck.sh: cppcheck over the whole tree (util, catalog, store,
# mailer, tui, the commands and main), one run and one "ok" line a part, with no finding
# left.  The checks: cppcheck's errors, warnings, performance and
# portability (its style class is mostly taste and false alarms).  A
# finding that is wrong is suppressed where it is, with a comment above
# saying why:
#
#	/* cppcheck-suppress uninitvar ; bsearch's comparator reads key.id only */
#
# On a failure the findings are printed, file:line: severity/id: message.
. "$(dirname "$0")/../lib.sh"

if ! command -v cppcheck >/dev/null 2>&1; then
	not_ok "cppcheck is not installed (tools/deps.sh check installs it)"
	done_testing
fi
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# part NAME PATHS...: one cppcheck run.
part() {
	_name=$1; shift
	(cd "$TOP" && cppcheck --quiet --std=c11 -D_GNU_SOURCE -I. \
	    --enable=warning,performance,portability --inline-suppr \
	    --suppress=missingIncludeSystem --error-exitcode=3 -j "$jobs" \
	    --template='{file}:{line}: {severity}/{id}: {message}' \
	    "$@") >"$T/cppcheck.out" 2>&1
	_rc=$?
	_n=$(grep -c ': [a-z]*/[A-Za-z]*: ' "$T/cppcheck.out")
	if [ "$_rc" -eq 0 ] && [ "$_n" -eq 0 ]; then
		ok "cppcheck $_name: no findings"
	else
		not_ok "cppcheck $_name: $_n findings (exit $_rc)"
		sed 's/^/#   /' "$T/cppcheck.out" | head -50
	fi
}

part util util
part catalog catalog
part store store
part mailer mailer
part tui tui
part "commands" cmd setuplink.c
done_testing
