#!/bin/sh
# 171-oauth-deny-expire.sh: how an OAuth sign-in by email ends without a
# token, against a real authorization server (tests/lib/oauthd.py): the
# user declines (told, link pending, a new reply starts again and can
# succeed), the code expires (told, link pending), and slow_down makes
# the worker poll less often from then on (RFC 8628 3.5), never sooner
# than the provider asked.
# store: both
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
init_home || exit 1
oauthd_start || exit 1
. "$TOP/tests/lib/oauth.sh"
oauth_home
cleanup_add kill_workers

sl draft new crm --name Declined
D=$(cat "$T/out")
new_link "$D" --fields tenant,auth_method,refresh_token || exit 1

# Declined.
reply "$T/r1.eml" <<EOF
tenant: t1
auth_method: oauth
EOF
intake "$T/r1.eml"
check "the code comes" wait_for 30 has_mail oauth-code
oauthd POST "/deny?user_code=$(user_code)" >/dev/null
check "a declined sign-in is told to the recipient" wait_for 30 has_mail oauth-denied
decoded "$(mail_kind oauth-denied)" | tr "\n" " " | tr -s " " >"$T/denied.txt"
check "the message says it was declined" contains "$T/denied.txt" "declined"
check "and how to start again" contains "$T/denied.txt" "auth_method: oauth"
check "the sign-in ended as denied" is_state denied
check "the link stays pending" is_link "$LINK" pending
check "nothing was merged" test "$(field "$D" refresh_token)" = null

# A new reply starts again, and this time the user approves.
reply "$T/r2.eml" <<EOF
tenant: t1
auth_method: oauth
EOF
intake "$T/r2.eml"
two_codes() { [ "$(mails_kind oauth-code)" -ge 2 ]; }
check "a new reply gets a new code" wait_for 30 two_codes
oauthd POST "/approve?user_code=$(user_code)&user=dan@client.example" >/dev/null
check "the second sign-in completes the link" wait_for 40 is_link "$LINK" used
check "the token is stored" test "$(field "$D" refresh_token)" = \
    "$(tail -1 "$OAUTHD_DIR/refresh_tokens")"

# Expired: the provider's code lives 3 seconds.
sl draft new crm --name Expired
D2=$(cat "$T/out")
new_link "$D2" --fields tenant,auth_method,refresh_token || exit 1
oauthd POST "/control?expires_in=3" >/dev/null
reply "$T/r3.eml" <<EOF
tenant: t2
auth_method: oauth
EOF
intake "$T/r3.eml"
check "an expired code is told to the recipient" wait_for 40 has_mail oauth-expired
decoded "$(mail_kind oauth-expired)" | tr "\n" " " | tr -s " " >"$T/expired.txt"
check "the message says it expired" contains "$T/expired.txt" "expired"
check "the sign-in ended as expired" is_state expired
check "the link stays pending after expiry" is_link "$LINK" pending
oauthd POST "/control?expires_in=600" >/dev/null

# slow_down: the interval grows by 5 s and stays grown.
sl draft new crm --name Slow
D3=$(cat "$T/out")
new_link "$D3" --fields tenant,auth_method,refresh_token || exit 1
oauthd POST "/control?slowdown=1" >/dev/null
reply "$T/r4.eml" <<EOF
tenant: t3
auth_method: oauth
EOF
intake "$T/r4.eml"
slowed() { [ "$(signin_sql "SELECT poll_every FROM signins WHERE state = 'active'")" = 6 ]; }
check "after slow_down the worker polls every 6 s (1 + 5)" wait_for 30 slowed
oauthd POST "/approve?user_code=$(user_code)&user=eve@client.example" >/dev/null
check "the slowed sign-in completes" wait_for 40 is_link "$LINK" used
oauthd GET /state >"$T/state.json"
check "no poll came sooner than the provider asked" \
    contains "$T/state.json" '"too_fast": 0,'
done_testing
