#!/bin/sh
# 192-retry-race.sh: two `quarantine retry` of one kept reply at once,
# many times over.  The reply was rejected (its connector then allowed 5
# at most) and is retried once the connector allows 10: exactly one retry
# merges it; the other finds it merged (exit 66) or ignores it as a
# duplicate, and never judges it afresh against a link the first one
# used.  Then one reply delivered twice at once, many times over: merged
# once, the twin a duplicate.  Afterwards the sender has one receipt and
# no second rejection per reply, the quarantine lists nothing of them,
# and nothing of them stays kept.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sed -i 's/^replies_per_sender = .*/replies_per_sender = 1000/' "$H/setuplink.conf"
# what the answers queued for the sender say, one word a line: "receipt"
# for each receipt and "rejection" for each rejection.
answers() {
	mkdir -p "$T/ans"; rm -f "$T/ans"/*
	H=$H outbox_files "$T/ans"
	for _f in "$T/ans"/*; do
		[ -e "$_f" ] || continue
		grep -q '^To: .*bob@client.example' "$_f" || continue
		if grep -q '^Subject: .*[Rr]eceived' "$_f"; then echo receipt
		elif grep -q '^Subject: .*Not accepted' "$_f"; then echo rejection
		fi
	done | sort | uniq -c | tr -s ' ' | sed 's/^ //'
}

# ---- the race made certain: retry B reads the copy, then waits (strace
# holds its next call, the memfd it reads the copy into, for 4 s) while
# retry A merges it; B then judges a reply whose link A used.  (The copy
# is sealed, so B opens it into a memfd, on either store.)
tally_connector "$H" 5
sl draft new tally --name "Tally 0"; D=$(cat "$T/out")
new_link "$D" || exit 1
reply "$T/r0.eml" <<REPLY
count: 7
REPLY
intake "$T/r0.eml"
check "a reply over the maximum is rejected and kept" [ "$(log0 "e['reason']")" = invalid ]
sl quarantine list --json
QID=$(json "[e['id'] for e in d if e['draft'] == $D][0]")
tally_connector "$H" 10
strace -qq -o "$T/b.trace" -e trace=memfd_create \
    -e inject=memfd_create:delay_enter=4000000 \
    "$SETUPLINK" quarantine retry "$QID" >"$T/b.out" 2>"$T/b.err" &
bpid=$!
n=0
until grep -q 'memfd_create' "$T/b.trace" 2>/dev/null ||
    [ "$n" -ge 200 ]; do sleep 0.05; n=$((n + 1)); done
check "retry B has read the copy and waits" grep -q 'memfd_create' "$T/b.trace"
sl quarantine retry "$QID"
expect_rc 0 "retry A, meanwhile, merges it"
check "... and says accepted" grep -q '^accepted' "$T/out"
wait "$bpid"; brc=$?
check "retry B then exits 66 (status $brc)" [ "$brc" = 66 ]
check "... and says another retry decided it" grep -q 'decided while it was read again' "$T/b.err"
check "... and says nothing on standard output" [ ! -s "$T/b.out" ]
sl log --json
check "... and logs nothing of it (no rejection as used)" \
    [ "$(json "[e['outcome'] for e in d if e['draft'] == $D]")" = "['accepted', 'rejected']" ]
check "the value is merged" [ "$(field "$D" count)" = 7 ]
sl quarantine list --json
check "the quarantine no longer lists it" \
    [ "$(json "len([e for e in d if e['draft'] == $D])")" = 0 ]

# ---- and left to chance, many times over
ROUNDS=${ROUNDS:-8}
bad=0 merged=0 ghosts=0 rcbad=0
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	i=$((i + 1))
	tally_connector "$H" 5
	sl draft new tally --name "Tally $i"; D=$(cat "$T/out")
	new_link "$D" || exit 1
	reply "$T/r$i.eml" <<REPLY
count: 7
REPLY
	intake "$T/r$i.eml"
	[ "$(log0 "e['reason']")" = invalid ] || { bad=$((bad + 1)); continue; }
	sl quarantine list --json
	QID=$(json "[e['id'] for e in d if e['draft'] == $D][0]")
	tally_connector "$H" 10
	( "$SETUPLINK" quarantine retry "$QID" >"$T/a.out" 2>"$T/a.err"
	  echo $? >"$T/a.rc" ) &
	( "$SETUPLINK" quarantine retry "$QID" >"$T/b.out" 2>"$T/b.err"
	  echo $? >"$T/b.rc" ) &
	wait
	for r in a b; do
		grep -qx '0\|66' "$T/$r.rc" || {
			rcbad=$((rcbad + 1))
			echo "# round $i: retry $r exited $(cat "$T/$r.rc"): $(cat "$T/$r.out" "$T/$r.err")" >&2
		}
	done
	[ "$(field "$D" count)" = 7 ] && merged=$((merged + 1))
	sl quarantine list --json
	[ "$(json "len([e for e in d if e['draft'] == $D])")" = 0 ] || {
		ghosts=$((ghosts + 1))
		echo "# round $i: still listed: $(cat "$T/out")" >&2
	}
done
check "every reply was rejected at first ($bad not)" [ "$bad" = 0 ]
check "each retried twice at once: merged ($merged of $ROUNDS)" [ "$merged" = "$ROUNDS" ]
check "... each retry exits 0 or 66 ($rcbad did not)" [ "$rcbad" = 0 ]
check "... and none is still listed in quarantine ($ghosts are)" [ "$ghosts" = 0 ]
# ---- one reply delivered twice at once (two MX hosts, one store): the
# intake judges a statement at a time, so the later may find no
# acceptance yet, then the link its twin just used; under the lock it is
# a duplicate, never rejected as "used" with an answer saying so.
tally_connector "$H" 10
twins=0
j=0
while [ "$j" -lt "$ROUNDS" ]; do
	j=$((j + 1))
	sl draft new tally --name "Twin $j"; D=$(cat "$T/out")
	new_link "$D" || exit 1
	reply "$T/t$j.eml" <<REPLY
count: 3
REPLY
	( "$SETUPLINK" intake <"$T/t$j.eml" >/dev/null 2>"$T/ta.err"; echo $? >"$T/ta.rc" ) &
	( "$SETUPLINK" intake <"$T/t$j.eml" >/dev/null 2>"$T/tb.err"; echo $? >"$T/tb.rc" ) &
	wait
	[ "$(cat "$T/ta.rc" "$T/tb.rc")" = "0
0" ] && [ "$(field "$D" count)" = 3 ] && twins=$((twins + 1))
done
check "twin deliveries: each exits 0 and the value merges ($twins of $ROUNDS)" \
    [ "$twins" = "$ROUNDS" ]

sl log --json
check "every reply accepted exactly once" \
    [ "$(json "sum(1 for e in d if e['outcome'] == 'accepted')")" = "$((2 * ROUNDS + 1))" ]
check "... and none judged afresh as rejected (used)" \
    [ "$(json "sum(1 for e in d if e['reason'] == 'used')")" = 0 ]
a=$(answers)
check "the sender has a receipt for each and no second rejection ($a)" \
    [ "$a" = "$((2 * ROUNDS + 1)) receipt
$((ROUNDS + 1)) rejection" ]
check "nothing stays in quarantine" [ "$(quarantine_n)" = 0 ]
if pg_home; then
	check "... nor in the shared store" [ "$(store_sql 'SELECT count(*) FROM kept_mail')" = 0 ]
fi
done_testing
