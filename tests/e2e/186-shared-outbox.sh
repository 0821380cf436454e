#!/bin/sh
# 186-shared-outbox.sh: on a shared store (a real PostgreSQL) mail waiting
# to be sent is a row every host sees: a link created on host A with the
# maildir transport is queued (and says so), leaves no file in A's
# outbox/, and host B lists it, shows it and sends it through a real SMTP
# server (aiosmtpd); mail a server refuses for good on host A is set
# aside, listed as refused on host B and put back in the queue there;
# revoking on host B a link created on A drops its waiting setup email.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Once per make check, as 181: on the plain build.
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }
. "$TOP/tests/lib/twohosts.sh"
two_hosts slout || exit 1
for h in "$HA" "$HB"; do
	echo "smtp_require_starttls = no" >>"$h/setuplink.conf"
done
SETUPLINK_HOME=$HA sl draft new postgres --name Out
D=$(cat "$T/out")
ids() { json "sorted(x['id'] for x in d)"; }

# ---- queued on A, listed, shown and sent on B
SETUPLINK_HOME=$HA sl link create "$D" --to carol@client.example --json
expect_rc 0 "host A: link create"
check "... the setup email is queued, not sent" [ "$(json "d['delivery']")" = queued ]
check "... and stderr says where it waits" contains "$T/err" "queued in the shared outbox, not sent"
L1=$(json "d['id']")
check "host A's outbox/ holds no file" \
    [ "$(find "$HA/outbox" "$HB/outbox" -type f 2>/dev/null | wc -l)" -eq 0 ]
SETUPLINK_HOME=$HB sl outbox list --json
expect_rc 0 "host B: outbox list"
check "host B lists host A's setup email" \
    [ "$(json "[x['to'] for x in d]")" = "['carol@client.example']" ]
OID=$(json "d[0]['id']")
MID1=$(json "d[0]['message_id']")
SETUPLINK_HOME=$HA sl link list --json
check "... the link's own setup email" \
    [ "$(json "[l['message_id'] for l in d if l['id'] == $L1][0]")" = "$MID1" ]
SETUPLINK_HOME=$HB sl outbox show "$OID"
expect_rc 0 "host B: outbox show"
check "... prints it with its envelope" sh -c 'head -2 "$1" | grep -q "^X-Setuplink-Rcpt: carol@client.example"' - "$T/out"
check "... and the setup form" grep -q "^--- setup form for link $L1" "$T/out"
TOKA=$(sed -n 's/.*setup+\([a-z2-7]*\)@.*/\1/p' "$T/out" | head -1)
psql_q "SELECT encode(data, 'escape') FROM outbox_mail" >"$T/rows"
check "the row in the store holds no token (sealed under token.key)" \
    sh -c '[ -n "$1" ] && [ -s "$2" ] && ! grep -qF "$1" "$2"' - "$TOKA" "$T/rows"
mv "$HB/token.key" "$T/token.key.b"
SETUPLINK_HOME=$HB sl outbox list
expect_rc 78 "a host without token.key cannot read the shared outbox: 78"
check "... and is told to copy it" contains "$T/err" "copy token.key from the store's first home"
check "... never making a key of its own" [ ! -f "$HB/token.key" ]
mv "$T/token.key.b" "$HB/token.key"
SETUPLINK_HOME=$HB sl outbox show 1234.nothing
expect_rc 66 "outbox show of an unknown id: 66"
SETUPLINK_HOME=$HB sl outbox list
check "host B's table says how to send it" contains "$T/out" "1 message waits"

smtpd_start || exit 1
SMTP="smtp://127.0.0.1:$SMTPD_PORT"
SETUPLINK_HOME=$HB sl outbox flush --transport "$SMTP"
expect_rc 0 "host B: outbox flush"
check "... says 1 sent" grep -qx "1 sent." "$T/out"
check "the server got it, once" [ "$(ls "$SMTPD_SPOOL"/*.eml | wc -l)" -eq 1 ]
check "... to carol" grep -q "rcpt_to carol@client.example" "$SMTPD_SPOOL/1.env"
SETUPLINK_HOME=$HA sl outbox list --json
check "host A sees nothing waiting any more" [ "$(json "len(d)")" -eq 0 ]
SETUPLINK_HOME=$HA sl outbox flush --transport "$SMTP"
expect_rc 0 "host A: outbox flush with nothing left"
check "... says nothing waits in the shared outbox" contains "$T/out" "Nothing waits in the shared outbox"

# ---- refused for good on A: set aside, listed and put back on B
SETUPLINK_HOME=$HA sl link create "$D" --to dave@client.example
smtpd_mode reject
SETUPLINK_HOME=$HA sl outbox flush --transport "$SMTP"
expect_rc 69 "host A: a refusal for good is 69"
check "... the reply is quoted" contains "$T/err" "550"
SETUPLINK_HOME=$HB sl outbox list --json
check "host B: nothing waits" [ "$(json "len(d)")" -eq 0 ]
SETUPLINK_HOME=$HB sl outbox list
check "... but it says a message was refused" contains "$T/out" "1 refused message in the shared outbox"
SETUPLINK_HOME=$HB sl outbox list --failed --json
check "host B lists the refused mail" [ "$(json "[x['to'] for x in d]")" = "['dave@client.example']" ]
FID=$(json "d[0]['id']")
SETUPLINK_HOME=$HB sl outbox retry --all
expect_rc 0 "host B: outbox retry --all"
SETUPLINK_HOME=$HA sl outbox list --json
check "host A sees it waiting again" [ "$(json "[x['id'] for x in d]")" = "['$FID']" ]
SETUPLINK_HOME=$HA sl outbox retry "$FID"
expect_rc 66 "retrying it again: 66, nothing refused by that id"
check "... saying where it looked" contains "$T/err" "no refused message $FID in the shared outbox"
smtpd_mode accept
SETUPLINK_HOME=$HA sl outbox flush --transport "$SMTP"
expect_rc 0 "host A sends it now"
check "... the server got it" grep -q "rcpt_to dave@client.example" "$SMTPD_SPOOL/2.env"

# ---- a link revoked on B takes its waiting setup email with it
SETUPLINK_HOME=$HA sl link create "$D" --to erin@client.example
L3=$(sed -n 1p "$T/out")
SETUPLINK_HOME=$HB sl outbox list --json
check "erin's setup email waits" [ "$(json "len(d)")" -eq 1 ]
check "... as the tests' outbox_n and newest_out see it" \
    sh -c '[ "$1" -eq 1 ] && grep -q "^To: erin@client.example" "$2"' - "$(outbox_n)" "$(newest_out)"
SETUPLINK_HOME=$HB sl link revoke "$L3"
expect_rc 0 "host B revokes host A's link"
SETUPLINK_HOME=$HA sl outbox list --json
check "... its setup email no longer waits, on either host" [ "$(json "len(d)")" -eq 0 ]
done_testing
