#!/bin/sh
# 170-oauth-signin.sh: OAuth sign-in by email against a real authorization
# server (tests/lib/oauthd.py, python3-authlib, RFC 8628 on 127.0.0.1).
# A reply choosing auth_method: oauth without a token gets the code in
# its thread; the user approves at the server as they would in a browser;
# the intake's own worker stores the refresh token sealed, with source
# kind oauth and the account that signed in, marks the link used and
# sends the receipt.  A second reply meanwhile starts no second sign-in.
# The token is in no mail, log or stderr.
# store: both
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
init_home || exit 1
oauthd_start || exit 1
. "$TOP/tests/lib/oauth.sh"
oauth_home
cleanup_add kill_workers

sl connectors
check "connectors marks the OAuth-capable one" sh -c \
    "grep '^crm ' '$T/out' | grep -q 'oauth sign-in'"
sl connector show crm --json
check "connector show --json shows the oauth object" \
    test "$(json "d['oauth']['token_field'] + ' ' + d['oauth']['client']")" = "refresh_token crm"

sl draft new crm --name Sales
D=$(cat "$T/out")
new_link "$D" --fields tenant,auth_method,refresh_token || exit 1
decoded "$SETUP" | tr '\n' ' ' | tr -s ' ' >"$T/setup.txt"
check "the setup email offers the sign-in in one sentence" \
    grep -q 'reply with .auth_method: oauth. and we will send you a sign-in code' "$T/setup.txt"

reply "$T/r1.eml" <<EOF
tenant: acme-eu
auth_method: oauth
EOF
intake "$T/r1.eml"
expect_rc 0 "the reply that chooses oauth is taken (exit 0)"
cp "$T/err" "$T/stderr.all"
check "the sign-in code comes by mail" wait_for 30 has_mail oauth-code
CODE=$(user_code)
CM=$(mail_kind oauth-code)
check "it carries a user code" test -n "$CODE"
check "it is in the reply's thread" grep -q "^In-Reply-To: <$MID>" "$CM"
decoded "$CM" >"$T/code.txt"
check "it names the verification address" contains "$T/code.txt" "$OAUTHD_URL/verify"
check "the link stays pending while the user signs in" is_link "$LINK" pending
check "no value is merged yet" test "$(field "$D" tenant)" = null

# A second reply while the first sign-in runs: no second sign-in.
reply "$T/r2.eml" <<EOF
auth_method: oauth
EOF
intake "$T/r2.eml"
expect_rc 0 "a second reply is taken (exit 0)"
cat "$T/err" >>"$T/stderr.all"
check "the second reply starts no second sign-in" \
    test "$(signin_sql 'SELECT count(*) FROM signins')" = 1
oauthd GET /state >"$T/state.json"
check "the provider was asked for one device code" \
    contains "$T/state.json" '"device_requests": 1,'
check "one code mail" test "$(mails_kind oauth-code)" = 1

# The user approves, as in a browser.
oauthd POST "/approve?user_code=$CODE&user=carol@client.example" >/dev/null
check "the server took the approval" test $? = 0
check "the link becomes used once approved" wait_for 40 is_link "$LINK" used
check "the receipt goes out" wait_for 20 has_mail receipt
TOKEN=$(tail -1 "$OAUTHD_DIR/refresh_tokens")
check "the provider issued a refresh token" test -n "$TOKEN"
check "the refresh token is the field's value" \
    test "$(field "$D" refresh_token)" = "$TOKEN"
check "its source kind is oauth" test "$(field "$D" refresh_token kind)" = oauth
check "its source names the account that signed in" \
    test "$(field "$D" refresh_token from)" = carol@client.example
check "the account field holds who signed in" \
    test "$(field "$D" account)" = carol@client.example
check "the reply's own values merged with it" test "$(field "$D" tenant)" = acme-eu
check "auth_method came from the reply" test "$(field "$D" auth_method kind)" = reply
check "the sign-in is done" is_state done

# Sealed at rest, and nowhere in mail, logs or stderr.
# (On PostgreSQL: its dump, and the outbox's rows as files.)
ob=$H/outbox
if pg_home; then
	store_dump "$T/db"
	outbox_copy "$T/outbox-rows"
	ob=$T/outbox-rows
else
	cat "$H"/setuplink.db* >"$T/db"
fi
check "the token is not in the database in the clear" sh -c \
    "! grep -qaF '$TOKEN' '$T/db'"
check "no outgoing mail holds the token" sh -c \
    "! grep -rqaF '$TOKEN' '$ob'"
decoded "$(mail_kind receipt)" >"$T/receipt.txt"
check "the receipt names the token's field" contains "$T/receipt.txt" refresh_token
check "the receipt hides the token" lacks "$T/receipt.txt" "$TOKEN"
sl log --json
cat "$T/out" "$T/err" >>"$T/stderr.all"
sl audit --json
cat "$T/out" "$T/err" >>"$T/stderr.all"
check "no log, audit or stderr holds the token" lacks "$T/stderr.all" "$TOKEN"
check "quarantine/ holds no copy of the token" sh -c \
    "! grep -rqaF '$TOKEN' '$H/quarantine' 2>/dev/null"
sl draft show "$D"
check "draft show masks it" lacks "$T/out" "$TOKEN"
check "draft show says it came from the sign-in" \
    contains "$T/out" "oauth carol@client.example"

# Used: a late reply is refused like any other.
reply "$T/r3.eml" <<EOF
auth_method: oauth
EOF
intake "$T/r3.eml"
check "a reply to the used link starts nothing" \
    test "$(signin_sql 'SELECT count(*) FROM signins')" = 1
done_testing
