#!/bin/sh
# 058-intake-syslog.sh: an intake run without a terminal (as an MTA, procmail
# or fetchmail runs it) writes its warnings and its final error to syslog,
# facility mail, beside stderr, with errno's words appended by the logger
# itself.  A syslog socket is made at /dev/log for the test when the machine
# has none (as in CI); where a syslog daemon owns it, the test says so.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

PY=/usr/bin/python3
if [ -e /dev/log ] || [ "$(id -u)" -ne 0 ]; then
	ok "(skipped: /dev/log belongs to a syslog daemon here, or we are not root)"
	done_testing
fi
$PY - "$T/syslog" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
EOF
LOGPID=$!
cleanup_add "kill $LOGPID; rm -f /dev/log"
_i=0
until [ -e "$T/syslog.ready" ] || [ "$_i" -gt 50 ]; do sleep 0.1; _i=$((_i + 1)); done

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sl draft new postgres --name Prod; D=$(cat "$T/out")
new_link "$D" || exit 1
reply "$T/r.eml" <<EOF
host: db.example
EOF

# A failing on_submit command is a warning: it reaches syslog.
echo 'on_submit = exit 3' >>"$H/setuplink.conf"
sl_in "$T/r.eml" intake
expect_rc 0 "the reply is merged"
_i=0
until grep -q 'on_submit' "$T/syslog" 2>/dev/null || [ "$_i" -gt 30 ]; do
	sleep 0.1; _i=$((_i + 1)); done
check "the warning reached syslog as mail.warning (<20>)" \
    grep -q '^<20>.*setuplink\[[0-9]*\]: on_submit failed' "$T/syslog"

# A configuration the intake cannot read: 75, and the reason in the mail log.
cp "$H/setuplink.conf" "$T/conf.good"
echo 'db_timeout = soon' >>"$H/setuplink.conf"
sl_in "$T/r.eml" intake
expect_rc 75 "a bad configuration is a temporary failure for the intake"
cp "$T/conf.good" "$H/setuplink.conf"
_i=0
until grep -q 'setuplink.conf' "$T/syslog" 2>/dev/null || [ "$_i" -gt 30 ]; do
	sleep 0.1; _i=$((_i + 1)); done
check "the error reached syslog as mail.err (<19>)" \
    grep -q '^<19>.*setuplink\[[0-9]*\]: .*setuplink.conf' "$T/syslog"
check "and stderr too" contains "$T/err" "setuplink.conf"

# With a terminal on stderr, nothing goes to syslog.
: >"$T/syslog"
echo 'db_timeout = soon' >>"$H/setuplink.conf"
if command -v script >/dev/null 2>&1; then
	script -qec "$SETUPLINK intake <'$T/r.eml'" /dev/null >/dev/null 2>&1
	sleep 0.3
	check "an intake on a terminal leaves syslog alone" test ! -s "$T/syslog"
fi
cp "$T/conf.good" "$H/setuplink.conf"
done_testing
