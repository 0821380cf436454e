#!/bin/sh
# 173-oauth-test.sh: the http test of a connector that signs in by email
# trades the stored refresh token for an access token at the provider
# (tests/lib/oauthd.py, python3-authlib) with the workspace's client, and
# makes its request with that: after the sign-in's merge (test_on_merge)
# and from draft test.  A token the user revoked fails as a login naming
# the field; no token is printed.
# store: both
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
init_home || exit 1
oauthd_start || exit 1
. "$TOP/tests/lib/oauth.sh"
oauth_home
cleanup_add kill_workers
$PY - "$H/connectors/crm.json" "$OAUTHD_URL" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["test"] = {"kind": "http", "method": "oauth",
             "fields": {"secret": "refresh_token"},
             "url": sys.argv[2] + "/userinfo", "auth": "bearer",
             "why": "asks the provider who the token belongs to"}
json.dump(d, open(sys.argv[1], "w"))
PYEOF
cat >>"$H/setuplink.conf" <<EOF
test_on_merge = yes
test_networks = public, 127.0.0.0/8
test_timeout = 10s
EOF

sl draft new crm --name Tested
D=$(cat "$T/out")
new_link "$D" --fields tenant,auth_method,refresh_token || exit 1
reply "$T/r1.eml" <<EOF
tenant: t1
auth_method: oauth
EOF
intake "$T/r1.eml"
check "the code comes" wait_for 30 has_mail oauth-code
oauthd POST "/approve?user_code=$(user_code)&user=hal@client.example" >/dev/null
check "the sign-in completes the link" wait_for 40 is_link "$LINK" used
tested() {
	"$SETUPLINK" draft show "$D" --json >"$T/d.json" 2>/dev/null &&
	    $PY -c "import json, sys; t = json.load(open('$T/d.json'))['test']; sys.exit(0 if t else 1)"
}
check "test_on_merge tested the signed-in draft" wait_for 40 tested
check "the test after the merge passed" $PY -c "
import json; t = json.load(open('$T/d.json'))['test']; assert t['ok'], t"
check "it traded the refresh token" $PY -c "
import json; t = json.load(open('$T/d.json'))['test']
assert [c for c in t['checks'] if c['check'] == 'refresh' and c['ok']], t"

sl draft test "$D" --json
expect_rc 0 "draft test passes with the signed-in token"
check "its checks include the refresh" sh -c "grep -q '\"refresh\"' '$T/out'"
oauthd GET /state >"$T/state.json"
check "the provider saw refresh requests" $PY -c "
import json; assert json.load(open('$T/state.json'))['refreshes'] >= 2"
TOKEN=$(tail -1 "$OAUTHD_DIR/refresh_tokens")
check "draft test prints no token" sh -c "! cat '$T/out' '$T/err' | grep -qF '$TOKEN'"

# The user revokes what they gave: the test fails as a login.
oauthd POST "/revoke?user=hal@client.example" >/dev/null
sl draft test "$D" --json
expect_rc 69 "a revoked refresh token fails the test (69)"
check "it points at refresh_token" sh -c "grep -q 'refresh_token' '$T/out'"
check "the failed test prints no token" sh -c "! cat '$T/out' '$T/err' | grep -qF '$TOKEN'"
done_testing
