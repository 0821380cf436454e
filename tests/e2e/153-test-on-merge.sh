#!/bin/sh
# 153-test-on-merge.sh: test_on_merge end to end against a real
# PostgreSQL: a reply that completes a draft is tested after the commit
# by a detached worker; the result is stored on the draft; a wrong
# password gets the recipient one follow-up in the setup email's thread
# naming the field (never a value, never the server's words) and, with
# renew_on_failed_test, a fresh link for just that field; the admin's
# note says how it went; a reply that points the host at loopback under
# the default test_networks connects nothing.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# The worker's mail is followed as files in outbox/new.
sqlite_only
init_home || exit 1
PW=Merge-pass-5d21
pg_start app "$PW" appdb || exit 1
cat >>"$H/setuplink.conf" <<EOF
test_on_merge = yes
test_networks = public, 127.0.0.0/8, ::1/128
renew_on_failed_test = yes
notify_admin = yes
test_timeout = 10s
EOF

# wait_test DRAFT [BEFORE]: wait (up to 40 s) until the draft has a stored
# test other than BEFORE (its time and checks, as printed), and print it.
wait_test() {
	_i=0
	while [ "$_i" -lt 400 ]; do
		"$SETUPLINK" draft show "$1" --json >"$T/w.json" 2>/dev/null
		_at=$($PY -c "import json; t = json.load(open('$T/w.json'))['test']; print(json.dumps([t['at'], t['checks']]) if t else '')")
		if [ -n "$_at" ] && [ "$_at" != "${2:-}" ]; then
			echo "$_at"
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# wait_mail N: wait (up to 20 s) until N mails of the worker (X-Setuplink:
# test or test-note) are in outbox/new: it stores its result, then mails.
wait_mail() {
	_i=0
	while [ "$(grep -l '^X-Setuplink: test' "$H"/outbox/new/* 2>/dev/null |
	    wc -l)" -lt "$1" ] && [ "$_i" -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
tested() { $PY -c "import json; t = json.load(open('$T/w.json'))['test']; print($1)"; }

sl draft new postgres --name Billing
D=$(cat "$T/out")
sl draft set "$D" host=localhost port="$PG_PORT" dbname=appdb user=app \
    sslmode=verify-full sslrootcert=@"$T/tls/ca.pem"
new_link "$D" --fields password || exit 1
FIRST=$LINK
SETUPMID=$(sed -n 's/^Message-ID: *<\(.*\)>.*/\1/p' "$SETUP" | head -1)
o0=$(ls "$H/outbox/new" | sort)
reply "$T/r1.eml" <<EOF
password: Wrong-merge-pw
EOF
intake "$T/r1.eml"
expect_rc 0 "the reply is merged (exit 0) before any test result"
at1=$(wait_test "$D") || not_ok "the worker stored a result after the merge"
check "the stored test failed" test "$(tested "t['ok']")" = False
check "it points at password" test "$(tested "'password' in t['fields']")" = True
check "its checks say login" test "$(tested "[c['check'] for c in t['checks'] if not c['ok']][0]")" = login

# Mail the worker sent: the follow-up and the admin's note.
wait_mail 2
new=$(ls "$H/outbox/new" | sort | while read -r f; do
	echo "$o0" | grep -qxF "$f" || echo "$f"; done)
fu= note= setup2=
for f in $new; do
	case $(sed -n 's/^X-Setuplink: *//p' "$H/outbox/new/$f" | tr -d '\r') in
	test) fu=$H/outbox/new/$f ;;
	test-note) note=$H/outbox/new/$f ;;
	[0-9]*) setup2=$H/outbox/new/$f ;;
	esac
done
check "the recipient got a follow-up" test -n "$fu"
if [ -n "$fu" ]; then
	decoded "$fu" >"$T/fu.txt"
	check "the follow-up goes to the sender" contains "$fu" "To: bob@client.example"
	check "it is in the setup email's thread" contains "$fu" "In-Reply-To: <$SETUPMID>"
	check "it is an automatic reply" contains "$fu" "Auto-Submitted: auto-replied"
	check "it names the field" contains "$T/fu.txt" "Please check: password"
	check "it says what kind of failure" contains "$T/fu.txt" "refused the login"
	check "it holds no value" lacks "$fu" "Wrong-merge-pw"
	check "it repeats no server words" lacks "$T/fu.txt" "authentication failed"
	check "it announces a fresh link" contains "$T/fu.txt" "fresh setup link"
fi
check "the admin's note says the test failed" test -n "$note" && \
    contains "$note" "Test failed"
check "a fresh setup email went out" test -n "$setup2"
sl link list --draft "$D" --json
check "the fresh link asks for password alone" test "$(json \
    "[l['fields'] for l in d if l['id'] != $FIRST and l['state'] == 'pending'][0]")" = "['password']"

# The right password on the fresh link: the test passes.
new_link_from() { SETUP=$1; RA=$(sed -n 's/^Reply-To: *//p' "$SETUP" | head -1 | tr -d '<>\r'); }
new_link_from "$setup2"
reply "$T/r2.eml" <<EOF
password: $PW
EOF
intake "$T/r2.eml"
expect_rc 0 "the corrected reply is merged"
wait_test "$D" "$at1" >/dev/null || not_ok "a second result was stored"
check "the second test passed" test "$(tested "t['ok']")" = True
check "draft show says passed" sh -c '"$1" draft show "$2" | grep -q "^Test: passed"' - "$SETUPLINK" "$D"

# A reply that points the host at loopback, with the default test_networks.
sed -i 's/^test_networks = .*/test_networks = public/' "$H/setuplink.conf"
sl draft set "$D" host=db.example.invalid
new_link "$D" --fields host || exit 1
n=$(pg_connections)
reply "$T/r3.eml" <<EOF
host: 127.0.0.1
EOF
intake "$T/r3.eml"
expect_rc 0 "a reply setting host=127.0.0.1 is merged"
wait_test "$D" "$(tested "json.dumps([t['at'], t['checks']])")" >/dev/null || not_ok "a third result was stored"
check "the test was refused at the network check" \
    test "$(tested "[c['check'] for c in t['checks'] if not c['ok']][0]")" = network
check "PostgreSQL saw no connection" test "$(pg_connections)" -eq "$n"

# The same from intake --maildir (the batch path fetchmail or a watcher
# takes): the worker starts after the batch's commit.
sed -i 's/^test_networks = .*/test_networks = public, 127.0.0.0\/8, ::1\/128/' "$H/setuplink.conf"
before=$(tested "json.dumps([t['at'], t['checks']])")
new_link "$D" --fields host || exit 1
mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp"
reply "$T/md/new/1.eml" <<EOF
host: localhost
EOF
sl intake --maildir "$T/md"
expect_rc 0 "intake --maildir merges the reply"
wait_test "$D" "$before" >/dev/null || not_ok "a result after the batch"
check "the test after the batch passed" test "$(tested "t['ok']")" = True

# A test that hangs (a server that accepts and never answers): the MTA's
# pipe reaches its end when the intake exits, while the worker still
# waits on the server; the worker itself is bounded by test_timeout.
$PY - "$T/hang.port" <<'PYEOF' &
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    held.append(s.accept()[0])
PYEOF
hang=$!
cleanup_add "kill $hang 2>/dev/null"
i=0; while [ ! -s "$T/hang.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sl draft set "$D" port="$(cat "$T/hang.port")"
before=$(tested "json.dumps([t['at'], t['checks']])")
new_link "$D" --fields host || exit 1
reply "$T/r5.eml" <<EOF
host: 127.0.0.1
EOF
"$SETUPLINK" intake <"$T/r5.eml" 2>&1 | cat >"$T/r5.out"
workers=$(pgrep -f -- "--home $H draft test $D --merged" | wc -l)
check "the MTA's pipe closed while the test still ran" test "$workers" -ge 1
wait_test "$D" "$before" >/dev/null || not_ok "a result after the hang"
check "the hanging server's test ended unreachable in time (75)" \
    test "$(tested "t['status']")" = 75
done_testing
