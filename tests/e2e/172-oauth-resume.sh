#!/bin/sh
# 172-oauth-resume.sh: an OAuth sign-in survives its poller: the worker
# killed with SIGKILL mid-flow, `intake --maildir --watch` takes the
# sign-in over from the store and completes it once the user approves,
# with one receipt.  A provider answering 500 is retried and the
# sign-in still completes; one that keeps failing ends it, and the
# recipient is told (link pending).
# store: both
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
init_home || exit 1
oauthd_start || exit 1
. "$TOP/tests/lib/oauth.sh"
oauth_home
cleanup_add kill_workers

sl draft new crm --name Resumed
D=$(cat "$T/out")
new_link "$D" --fields tenant,auth_method,refresh_token || exit 1
reply "$T/r1.eml" <<EOF
tenant: t1
auth_method: oauth
EOF
intake "$T/r1.eml"
check "the code comes" wait_for 30 has_mail oauth-code
owned() { [ -n "$(signin_sql "SELECT owner FROM signins WHERE state = 'active' AND owner IS NOT NULL")" ]; }
check "a worker holds the sign-in" wait_for 10 owned
OWNER=$(signin_sql "SELECT owner FROM signins WHERE state = 'active'")
WPID=${OWNER##*:}
kill -9 "$WPID"
gone() { ! kill -0 "$WPID" 2>/dev/null; }
check "the worker is killed (SIGKILL)" wait_for 10 gone
oauthd POST "/approve?user_code=$(user_code)&user=fay@client.example" >/dev/null
check "the sign-in is still active in the store" is_state active
check "the link is still pending" is_link "$LINK" pending

mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp"
"$SETUPLINK" intake --maildir "$T/md" --watch </dev/null >"$T/watch.out" 2>"$T/watch.err" &
WATCH=$!
cleanup_add "kill $WATCH"
check "--watch resumes the sign-in and completes the link" wait_for 60 is_link "$LINK" used
kill "$WATCH"
wait "$WATCH" 2>/dev/null
check "the token is stored" test "$(field "$D" refresh_token)" = \
    "$(tail -1 "$OAUTHD_DIR/refresh_tokens")"
check "with source kind oauth" test "$(field "$D" refresh_token kind)" = oauth
check "one receipt" test "$(mails_kind receipt)" = 1
check "one code mail" test "$(mails_kind oauth-code)" = 1
check "a new poller took it over" \
    test "$(signin_sql 'SELECT count(*) FROM signins')" = 1
check "--watch's stderr holds no token" lacks "$T/watch.err" \
    "$(tail -1 "$OAUTHD_DIR/refresh_tokens")"

# The token endpoint answers 500 twice: retried, then it works.
sl draft new crm --name Flaky
D2=$(cat "$T/out")
new_link "$D2" --fields tenant,auth_method,refresh_token || exit 1
reply "$T/r2.eml" <<EOF
tenant: t2
auth_method: oauth
EOF
intake "$T/r2.eml"
two_codes() { [ "$(mails_kind oauth-code)" -ge 2 ]; }
check "the code comes" wait_for 30 two_codes
oauthd POST "/control?token500=2" >/dev/null
oauthd POST "/approve?user_code=$(user_code)&user=gil@client.example" >/dev/null
check "after two 500s the sign-in completes" wait_for 40 is_link "$LINK" used
oauthd GET /state >"$T/state.json"
check "both 500s were answered (retried)" contains "$T/state.json" '"token500": 0,'

# It keeps failing: the recipient is told, the link stays pending.
sl draft new crm --name Down
D3=$(cat "$T/out")
new_link "$D3" --fields tenant,auth_method,refresh_token || exit 1
oauthd POST "/control?token500=1000" >/dev/null
reply "$T/r3.eml" <<EOF
tenant: t3
auth_method: oauth
EOF
intake "$T/r3.eml"
check "a provider that keeps failing is told to the recipient" \
    wait_for 60 has_mail oauth-failed
decoded "$(mail_kind oauth-failed)" | tr "\n" " " | tr -s " " >"$T/failed.txt"
check "the message says the provider kept failing" contains "$T/failed.txt" "kept failing"
check "the sign-in ended as failed" is_state failed
check "the link stays pending" is_link "$LINK" pending
oauthd GET /state >"$T/state.json"
check "it was tried more than once" $PY -c "
import json; s = json.load(open('$T/state.json')); assert 1000 - s['token500'] >= 3"
done_testing
