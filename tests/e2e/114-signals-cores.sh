#!/bin/sh
# 114-signals-cores.sh: nothing secret is left behind by an interrupted
# command or a crash.  Ctrl-C (SIGINT) or SIGTERM while `link create`
# holds a copy of the workspace's secret key in its throwaway GnuPG home:
# the home is removed, its agent stopped, then the command dies of the
# signal, and no link is left pending.  Every command runs with core
# dumps off (RLIMIT_CORE 0 and not dumpable): a crash writes no core.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Prod; D=$(cat "$T/out")
# The throwaway home goes under TMPDIR: ours alone, so nothing else's
# temporary files are counted.
TD=$T/tmp
mkdir -p "$TD"

# interrupt SIG: start link create, send SIG as soon as the throwaway home
# holds the secret key copy; sets st (its exit status) and hit (1 when
# the copy was seen before the signal).
interrupt() {
	# A background job of sh ignores SIGINT: start it as a terminal's
	# foreground command would be, with SIGINT at its default.
	TMPDIR=$TD $PY -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$SETUPLINK" link create "$D" \
	    --to bob@client.example >"$T/lc.out" 2>"$T/lc.err" &
	_p=$!
	hit=0 _i=0
	while [ "$_i" -lt 3000 ] && kill -0 "$_p" 2>/dev/null; do
		if ls "$TD"/slk.*/private-keys-v1.d/*.key >/dev/null 2>&1; then
			hit=1
			kill "-$1" "$_p"
			break
		fi
		_i=$((_i + 1))
	done
	wait "$_p"
	st=$?
}
agents() { pgrep -f "gpg-agent.*$TD/slk" | wc -l; }

got=0
for try in 1 2 3 4 5; do
	interrupt INT
	[ "$hit" -eq 1 ] && { got=1; break; }
done
check "(the signal came while the secret key copy existed)" [ "$got" -eq 1 ]
check "SIGINT during link create: it dies of SIGINT (status 130)" [ "$st" -eq 130 ]
check "... no throwaway home is left in TMPDIR" [ -z "$(ls -A "$TD")" ]
check "... no copy of the secret key anywhere under it" \
    [ "$(find "$TD" -name '*.key' | wc -l)" -eq 0 ]
sleep 0.2
check "... no gpg-agent of it still runs" [ "$(agents)" -eq 0 ]
sl link list --json
check "... no link is left pending" \
    [ "$(json "len([l for l in d if l['state'] == 'pending'])")" -eq 0 ]
check "... the id and URL were never printed" [ ! -s "$T/lc.out" ]

got=0
for try in 1 2 3 4 5; do
	interrupt TERM
	[ "$hit" -eq 1 ] && { got=1; break; }
done
check "(SIGTERM came while the copy existed)" [ "$got" -eq 1 ]
check "SIGTERM during link create: dies of SIGTERM, the home removed" \
    [ "$st" -eq 143 ] && [ -z "$(ls -A "$TD")" ]

# Undisturbed, link create still works and leaves nothing in TMPDIR.
TMPDIR=$TD "$SETUPLINK" link create "$D" --to bob@client.example >"$T/out" 2>"$T/err"
check "an undisturbed link create works" [ "$?" -eq 0 ] && [ -s "$T/out" ]
check "... and leaves nothing in TMPDIR" [ -z "$(ls -A "$TD")" ]

# ---- core dumps off
M=$T/Maildir; mkdir -p "$M/new" "$M/cur" "$M/tmp" "$T/cwd"
(cd "$T/cwd" && ulimit -c unlimited && exec "$SETUPLINK" intake --maildir "$M" --watch) \
    >/dev/null 2>&1 &
WPID=$!
cleanup_add "kill $WPID"
sleep 0.5
check "the intake's core file size limit is 0" \
    grep -qE '^Max core file size +0 +0 ' "/proc/$WPID/limits"
kill -SEGV "$WPID"
wait "$WPID" 2>/dev/null
sleep 0.2
check "a crash (SIGSEGV) leaves no core file" [ -z "$(ls -A "$T/cwd")" ]
strace -f -qq -e trace=prctl,setrlimit,prlimit64 -o "$T/reveal.trace" \
    "$SETUPLINK" draft show "$D" --reveal >/dev/null 2>&1
check "draft show --reveal turns core dumps off first" \
    grep -qE 'RLIMIT_CORE, \{rlim_cur=0, rlim_max=0\}' "$T/reveal.trace"
check "... and marks itself not dumpable" \
    grep -q 'prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE' "$T/reveal.trace"

done_testing
