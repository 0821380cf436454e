#!/bin/sh
# 188-shared-flush-kill.sh: a flush killed (kill -9) in the middle of
# sending a message from a shared store's outbox leaves it to be sent
# again, never lost: while the killed flush's sender hangs, a flush on
# the other host leaves the claimed message alone; once the sender is
# known dead, the next flush sends it, once, to a real SMTP server; a
# claim held by a host that never comes back lapses after its time, and
# only then is the message sent.  A real PostgreSQL, as nobody.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Once per make check, as 181: on the plain build.
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }
. "$TOP/tests/lib/twohosts.sh"
two_hosts slkill || exit 1
for h in "$HA" "$HB"; do
	echo "smtp_require_starttls = no" >>"$h/setuplink.conf"
done
smtpd_start || exit 1
SMTP="smtp://127.0.0.1:$SMTPD_PORT"
SETUPLINK_HOME=$HA sl draft new postgres --name Kill
D=$(cat "$T/out")
spooled() { ls "$SMTPD_SPOOL" 2>/dev/null | grep -c '\.eml$'; }

# A sendmail that takes the message and then hangs, as a server that
# never answers the end of the data would.
cat >"$T/hang" <<EOF
#!/bin/sh
echo \$\$ >"$T/hang.pid"
cat >"$T/hang.in"
sleep 300
EOF
chmod 755 "$T/hang"

SETUPLINK_HOME=$HA sl link create "$D" --to kim@client.example
expect_rc 0 "host A queues a setup email"
b outbox flush --transport "sendmail:$T/hang" >/dev/null 2>&1 &
FP=$!
i=0
while [ ! -s "$T/hang.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "host B's flush is sending it (its sender has it)" [ -s "$T/hang.pid" ]
SETUPLINK_HOME=$HA sl outbox flush --transport "$SMTP"
expect_rc 0 "meanwhile a flush on host A exits 0"
check "... and leaves the claimed message to the flush that has it" [ "$(spooled)" -eq 0 ]
check "... saying another flush took it" contains "$T/out" "taken by another flush"
kill -9 "$FP"
wait "$FP" 2>/dev/null
kill "$(cat "$T/hang.pid")" 2>/dev/null
SETUPLINK_HOME=$HA sl outbox list --json
check "killed mid-send, the message still waits" \
    [ "$(json "[x['to'] for x in d]")" = "['kim@client.example']" ]
SETUPLINK_HOME=$HA sl outbox flush --transport "$SMTP"
expect_rc 0 "the next flush (its claimer is dead) sends it"
check "... once" [ "$(spooled)" -eq 1 ]
SETUPLINK_HOME=$HB sl outbox flush --transport "$SMTP"
check "a flush after that has nothing to send" contains "$T/out" "Nothing waits"
check "... the server still has it once" [ "$(spooled)" -eq 1 ]

# ---- a claim of a host that never comes back lapses after its time
SETUPLINK_HOME=$HA sl link create "$D" --to lee@client.example
now=$(date +%s)
psql_q "UPDATE outbox_mail SET claim = 'gone.example:4242', claimed = $now" >/dev/null
SETUPLINK_HOME=$HB sl outbox flush --transport "$SMTP"
check "a flush leaves a message another host claimed just now" [ "$(spooled)" -eq 1 ]
SETUPLINK_HOME=$HB SETUPLINK_NOW=$((now + 600)) sl outbox flush --transport "$SMTP"
check "... ten minutes on, still" [ "$(spooled)" -eq 1 ]
SETUPLINK_HOME=$HB SETUPLINK_NOW=$((now + 1000)) sl outbox flush --transport "$SMTP"
expect_rc 0 "past the claim's time a flush takes it"
check "... and sends it, once" [ "$(spooled)" -eq 2 ]
check "... to lee" grep -q "rcpt_to lee@client.example" "$SMTPD_SPOOL/2.env"
done_testing
