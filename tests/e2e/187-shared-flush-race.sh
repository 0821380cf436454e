#!/bin/sh
# 187-shared-flush-race.sh: `outbox flush` on two hosts at once, several
# times over, sends each message waiting in a shared store's outbox
# exactly once, counted at a real SMTP server (aiosmtpd): three rounds of
# setup emails queued on both hosts, each flushed by six flushes at once,
# three on each host.  A real PostgreSQL, as nobody, private socket.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Once per make check, as 181: on the plain build.
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }
. "$TOP/tests/lib/twohosts.sh"
two_hosts slrace || exit 1
for h in "$HA" "$HB"; do
	echo "smtp_require_starttls = no" >>"$h/setuplink.conf"
done
smtpd_start || exit 1
SMTP="smtp://127.0.0.1:$SMTPD_PORT"
SETUPLINK_HOME=$HA sl draft new postgres --name Race
D=$(cat "$T/out")
export SETUPLINK SMTP T HA HB

queued=0
for round in 1 2 3; do
	for i in 1 2 3 4 5 6; do
		h=$HA; [ $((i % 2)) -eq 0 ] && h=$HB
		SETUPLINK_HOME=$h sl link create "$D" --to "r$round.$i@client.example"
		[ "$rc" -eq 0 ] && queued=$((queued + 1))
	done
	rm -f "$T"/flush.*.rc
	for f in 1 2 3 4 5 6; do
		h=$HA; [ $((f % 2)) -eq 0 ] && h=$HB
		echo "$h $round.$f"
	done | xargs -P 6 -L 1 sh -c 'SETUPLINK_HOME=$0 "$SETUPLINK" outbox \
	    flush --transport "$SMTP" >"$T/flush.$1.out" 2>"$T/flush.$1.err"
	    echo $? >"$T/flush.$1.rc"'
	check "round $round: six flushes at once on two hosts all exit 0" \
	    [ "$(cat "$T"/flush.*.rc | grep -cx 0)" -eq 6 ]
	SETUPLINK_HOME=$HB sl outbox list --json
	check "round $round: nothing waits afterwards" [ "$(json "len(d)")" -eq 0 ]
done
check "18 setup emails were queued" [ "$queued" -eq 18 ]
check "the server got 18 messages" [ "$(ls "$SMTPD_SPOOL"/*.eml | wc -l)" -eq 18 ]
check "... each recipient exactly once" \
    [ "$(cat "$SMTPD_SPOOL"/*.env | grep '^rcpt_to' | sort | uniq -d | wc -l)" -eq 0 ]
check "... each Message-ID exactly once" \
    [ "$(grep -hi '^Message-ID:' "$SMTPD_SPOOL"/*.eml | sort | uniq | wc -l)" -eq 18 ]
check "the flushes' own counts add up to 18 sent" \
    [ "$(cat "$T"/flush.*.out | awk '/^[0-9]+ sent/ { n += $1 } END { print n + 0 }')" -eq 18 ]
done_testing
