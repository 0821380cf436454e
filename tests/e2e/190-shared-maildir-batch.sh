#!/bin/sh
# 190-shared-maildir-batch.sh: `intake --maildir` on a shared store (a real
# PostgreSQL): a batch's notes of what it decided are rows too, so a kill
# -9 amid the batch's moves to cur/ (strace injects SIGKILL at the 5th
# rename, after the commit) is finished by the next run without judging
# or logging a message twice; the kept copies are rows, once each.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Once per make check, as 181: on the plain build.
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }

. "$TOP/tests/lib/twohosts.sh"
two_hosts slmb || exit 1
M=$T/Maildir
mkdir -p "$M/new" "$M/cur" "$M/tmp"
i=0
while [ "$i" -lt 10 ]; do
	i=$((i + 1))
	{
		printf 'From: Mallory <mallory@evil.example>\n'
		printf 'To: setup+aaaaaaaaaaaaaaaaaaaaaaaaaaaa%04d@acme.example\n' "$i"
		printf 'Subject: forged\n'
		printf 'Message-ID: <forged.%s.%s@evil.example>\n\n' "$i" "$$"
		printf 'password: x\n'
	} >"$M/new/$i.forged"
done
SETUPLINK_HOME=$HA strace -f -o /dev/null -e trace=rename \
    -e inject=rename:signal=KILL:when=5 \
    "$SETUPLINK" intake --maildir "$M" >"$T/out" 2>"$T/err" </dev/null
rc=$?
check "the intake was killed (exit $rc)" [ "$rc" -eq 137 ]
check "the batch was committed: 10 log rows" \
    [ "$(psql_q 'SELECT count(*) FROM messages')" = 10 ]
check "... some still in new/, noted as decided" \
    [ "$(ls "$M/new" | wc -l)" -gt 0 ] &&
    [ "$(psql_q "SELECT count(*) FROM settings WHERE key LIKE 'maildir-decided %'")" -gt 0 ]
SETUPLINK_HOME=$HA sl intake --maildir "$M"
expect_rc 0 "the run after the kill: exit 0"
check "new/ is empty, the 10 in cur/" \
    [ "$(ls "$M/new" | wc -l)/$(ls "$M/cur" | wc -l)" = 0/10 ]
check "still 10 log rows, 10 kept rows, no note left" \
    [ "$(psql_q 'SELECT count(*) FROM messages')/$(psql_q 'SELECT count(*) FROM kept_mail')/$(psql_q "SELECT count(*) FROM settings WHERE key LIKE 'maildir-decided %'")" = 10/10/0 ]
done_testing
