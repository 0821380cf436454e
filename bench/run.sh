#!/bin/sh
# run.sh: every benchmark under bench/, each printing its own figures.
# Figures are measurements, never pass/fail.
top=$(cd "$(dirname "$0")/.." && pwd)
export TOP=$top SETUPLINK="$top/${BUILD:-build}/setuplink"
for b in "$top"/bench/*.sh; do
	case $b in */lib.sh|*/run.sh) continue ;; esac
	echo "== $(basename "$b" .sh)"
	sh "$b" || echo "(benchmark $(basename "$b") failed: exit $?)"
done
