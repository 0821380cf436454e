#!/bin/sh
# run1.sh NAME PATH: run one test for run.sh: its output in
# $RUN_LOG/NAME.out, its counts in $RUN_LOG/NAME.count, one line on
# standard output when it ends.
set -u
n=$1 t=$2
f=$RUN_LOG/$(echo "$n" | tr / _)
s=$(date +%s)
# pg/...: run.sh's PostgreSQL pass.
case $n in pg/*) export STORE=postgresql ;; esac
case ${n#pg/} in
unit/*) (cd "$TOP" && "$t") >"$f.out" 2>&1 </dev/null ;;
*) (cd "$TOP" && timeout 600 sh "$t") >"$f.out" 2>&1 </dev/null ;;
esac
rc=$?
p=$(grep -c '^ok ' "$f.out")
c=$(grep -c '^not ok ' "$f.out")
if [ "$rc" -ne 0 ] && [ "$c" -eq 0 ]; then
	echo "not ok - $n exited $rc (see its output)" >>"$f.out"
	c=1
fi
echo "$p $c" >"$f.count"
printf '%-40s %4d passed, %d failed  (%ds)\n' "$n" "$p" "$c" \
    "$(( $(date +%s) - s ))"
