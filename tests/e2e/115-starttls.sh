#!/bin/sh
# 115-starttls.sh: smtp:// never falls back to cleartext.  Against an
# aiosmtpd that offers no STARTTLS, link create and outbox flush send
# nothing (the reply address in the envelope holds the link's token) and
# say how to fix it; only `smtp_require_starttls = no`, named in the
# configuration, lets mail go in the clear, with a warning on every send.
# A server that offers STARTTLS gets the mail over TLS.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Prod; D=$(cat "$T/out")
waiting() { outbox_waiting; }
spooled() { find "$SMTPD_SPOOL" -name '*.eml' 2>/dev/null | wc -l; }

smtpd_start || { not_ok "smtpd_start"; done_testing; }
URL=smtp://127.0.0.1:$SMTPD_PORT

# ---- link create straight through smtp://
# SPEC: a setup email a transport could not hand over stays queued in
# outbox/ and its link pending; link create prints the link and warns.
sl link create "$D" --to bob@client.example --transport "$URL"
L=$(sed -n 1p "$T/out")
expect_rc 0 "link create to a server without STARTTLS sends nothing, queues the email"
check "... warning that it waits in outbox/, not sent" contains "$T/err" "queued in $(outbox_words)"
check "... saying STARTTLS is missing" contains "$T/err" "does not offer STARTTLS"
check "... and naming the setting that would allow it" \
    contains "$T/err" "smtp_require_starttls = no"
check "... nothing reached the server" [ "$(spooled)" -eq 0 ]
check "... no MAIL FROM with a token was spoken in the clear" \
    sh -c '! grep -q "setup+" "$1"' - "$SMTPD_LOG"
sl link list --json
check "... the link stays pending, its email queued in outbox/" \
    [ "$(json "len([l for l in d if l['state'] == 'pending'])")" -eq 1 ] &&
    [ "$(waiting)" -eq 1 ]
sl link revoke "$L"
check "... revoking it takes the email out of outbox/" [ "$(waiting)" -eq 0 ]

# ---- outbox flush of a waiting setup email
new_link "$D" || exit 1
check "(a setup email waits in outbox/)" [ "$(waiting)" -eq 1 ]
sl outbox flush --transport "$URL"
expect_rc 75 "outbox flush to a server without STARTTLS: 75"
check "... the setup email still waits" [ "$(waiting)" -eq 1 ]
check "... nothing reached the server" [ "$(spooled)" -eq 0 ]
check "... no warning of cleartext was needed" lacks "$T/err" "cleartext"

# ---- turned off by name: sent in the clear, with a warning
echo "smtp_require_starttls = no" >>"$H/setuplink.conf"
sl outbox flush --transport "$URL"
expect_rc 0 "smtp_require_starttls = no: the flush sends"
check "... the message arrived" [ "$(spooled)" -eq 1 ]
check "... without TLS" grep -qx "tls no" "$SMTPD_SPOOL/1.env"
check "... with a warning naming the setting" \
    contains "$T/err" "smtp_require_starttls is off"
check "... and saying the token goes in cleartext" contains "$T/err" "cleartext"
sl link create "$D" --to bob@client.example --transport "$URL"
expect_rc 0 "... link create sends too"
check "... and warns as well" contains "$T/err" "smtp_require_starttls is off"
sed -i '/^smtp_require_starttls/d' "$H/setuplink.conf"

# ---- a server that offers STARTTLS gets it, with no warning
smtpd_start --tls || { not_ok "smtpd_start --tls"; done_testing; }
echo "smtp_ca_file = $SMTPD_CA" >>"$H/setuplink.conf"
n0=$(spooled)
sl link create "$D" --to bob@client.example --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "with STARTTLS offered, link create sends"
check "... over TLS" sh -c 'f=$(ls -t "$1"/*.env | head -1); grep -qx "tls yes" "$f"' - "$SMTPD_SPOOL"
check "... and warns of nothing" lacks "$T/err" "warning"
check "... one more message" [ "$(spooled)" -eq $((n0 + 1)) ]

done_testing
