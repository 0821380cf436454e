#!/bin/sh
# 150-test-http.sh: draft test with the http and files kinds, against a
# real HTTP(S) server (tests/lib/httpd.py) through connectors defined in
# the test's home: the exit status says passed (0), refused (69), not
# reached in time (75) or not enough to try (65); no secret in any
# output; test_networks keeps loopback out until the admin names it.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
init_home || exit 1
httpd_start --tls || exit 1
mkdir -p "$H/connectors"
TOKEN=Tok-4f9a1c77e2
cat >"$H/connectors/apitest.json" <<EOF
{"key": "apitest", "name": "API test", "fields": [
 {"key": "base", "type": "url", "required": true},
 {"key": "token", "type": "secret", "required": true},
 {"key": "ca", "type": "file"}],
 "test": {"kind": "http", "url": "{base}/auth/bearer/$TOKEN",
          "auth": "bearer", "fields": {"secret": "token"}}}
EOF
cat >"$H/connectors/apiquery.json" <<EOF
{"key": "apiquery", "name": "API by query", "fields": [
 {"key": "base", "type": "url", "required": true},
 {"key": "user", "type": "string", "required": true},
 {"key": "key", "type": "secret", "required": true},
 {"key": "ca", "type": "file"}],
 "test": [{"kind": "http", "url": "{base}/auth/basic/{user}/$TOKEN",
           "auth": "basic", "fields": {"secret": "key"}}]}
EOF
sl connectors
expect_rc 0 "the catalog takes connectors that declare an http test"

sl draft new apitest --name Api
id=$(cat "$T/out")
sl draft set "$id" base="$HTTPD_URL" token="$TOKEN" ca=@"$HTTPD_CA"
# Default test_networks: 127.0.0.1 is loopback, refused after resolving.
before=$(ls "$HTTPD_SPOOL" | wc -l)
sl draft test "$id"
expect_rc 69 "loopback is refused by the default test_networks (69)"
check "the refusal is the network check" contains "$T/out" "network"
check "nothing reached the server" test "$(ls "$HTTPD_SPOOL" | wc -l)" -eq "$before"

sed -i 's/^test_networks = .*/test_networks = public, 127.0.0.0\/8/' "$H/setuplink.conf"
sl draft test "$id"
expect_rc 0 "the right token passes (0)"
check "one line per check, login among them" grep -q '^ok  *login' "$T/out"
check "the token is nowhere in the output" sh -c "! grep -rqF '$TOKEN' '$T/out' '$T/err'"
last=$(ls "$HTTPD_SPOOL" | sort -n | tail -1)
check "the request carried the token as a bearer" \
    grep -qF "Bearer $TOKEN" "$HTTPD_SPOOL/$last"

sl draft test "$id" --json
expect_rc 0 "--json passes too"
check "--json is an array of {check, ok, detail}" \
    test "$(json "all(set(c) == {'check', 'ok', 'detail'} for c in d)")" = True

# The interface: the Draft screen shows the last test; t runs it again.
tmux_start tui 100 24 env LC_ALL=C.UTF-8 TERM=screen-256color \
    SETUPLINK_HOME="$H" "$SETUPLINK"
if tmux_wait tui "Api" 10; then
	tmux_keys tui Enter
	check "the Draft screen shows the last test" tmux_wait tui "test passed" 10
	sl draft set "$id" token=Wrong-0000
	tmux_wait tui "new values arrived" 10 2>/dev/null
	tmux_keys tui t
	check "t tests again and says what failed" \
	    tmux_wait tui "The test failed at login" 15
	check "the screen then shows the failed test" tmux_wait tui "test failed at login" 10
	check "the token is not on the screen" sh -c "! tmux -S '$T/tmux.sock' \
	    capture-pane -p -t =tui: | grep -qF 'Wrong-0000'"
	tmux_keys tui q q
else
	not_ok "the interface opened on the sources"
fi
tmux_stop

sl draft set "$id" token=Wrong-0000
sl draft test "$id"
expect_rc 69 "a wrong token is refused (69)"
check "the failure names the token field" contains "$T/err" "token"
check "the login check failed" grep -q '^FAIL  *login' "$T/out"
check "the wrong token is not shown" sh -c "! grep -qF 'Wrong-0000' '$T/out' '$T/err'"
sl draft show "$id" --json
check "draft show --json has the last test" \
    test "$(json "d['test']['ok']")" = False
sl draft show "$id"
check "draft show says when it was tested and how" contains "$T/out" "Test:"

# A CA that did not sign the server's certificate: TLS refused, naming ca.
sl draft set "$id" token="$TOKEN"
openssl req -x509 -new -noenc -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$T/other.key" -out "$T/other.pem" -days 2 -subj /CN=other \
    >/dev/null 2>&1
sl draft set "$id" ca=@"$T/other.pem"
sl draft test "$id"
expect_rc 69 "a CA that did not sign the server is refused (69)"
check "the TLS check failed" grep -q '^FAIL  *tls' "$T/out"
check "the failure names the CA field" contains "$T/err" "ca"

# Basic auth with the user in the URL template.
sl draft new apiquery --name Q
q=$(cat "$T/out")
sl draft set "$q" base="$HTTPD_URL" user=ann key="$TOKEN" ca=@"$HTTPD_CA"
sl draft test "$q"
expect_rc 0 "basic auth with the right key passes"
sl draft set "$q" key=nope
sl draft test "$q"
expect_rc 69 "basic auth with a wrong key is refused"
check "the failure names user and key" sh -c "grep -q 'user' '$T/err' && grep -q 'key' '$T/err'"

# Closed port: not reached (75), quickly.
port=$(free_port)
sl draft set "$id" base="https://127.0.0.1:$port" ca=@"$HTTPD_CA"
sl draft test "$id"
expect_rc 75 "a closed port is not reached (75)"
# A server that hangs: bounded by test_timeout.
sed -i 's/^test_timeout = .*/test_timeout = 2s/' "$H/setuplink.conf"
httpd_mode slow-30
sl draft set "$id" base="$HTTPD_URL"
sl draft test "$id"
expect_rc 75 "a server that does not answer is bounded by test_timeout (75)"
httpd_mode ok
# An unknown host: refused (69) naming the field that holds it.
sl draft set "$id" base="https://no-such-host.invalid"
sl draft test "$id"
expect_rc 69 "an unknown host is refused (69)"
check "the resolve check failed naming base" sh -c "grep -q '^FAIL  *resolve' '$T/out' && grep -q base '$T/err'"

# Incomplete: 65, nothing tried.
sl draft new apitest --name Half
half=$(cat "$T/out")
sl draft set "$half" base="$HTTPD_URL"
sl draft test "$half"
expect_rc 65 "a draft without its token is not tried (65)"
check "the missing field is named" contains "$T/err" "token"

# files kind: a service account, a key with its passphrase, a certificate.
cat >"$H/connectors/keys.json" <<'EOF'
{"key": "keys", "name": "Key files", "fields": [
 {"key": "sa", "type": "file", "secret": true},
 {"key": "pkey", "type": "file", "secret": true},
 {"key": "pass", "type": "secret"},
 {"key": "cert", "type": "file"}],
 "test": {"kind": "files", "fields": {"service_account": "sa",
   "private_key": "pkey", "passphrase": "pass", "certificate": "cert"}}}
EOF
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/sa.key" 2>/dev/null
/usr/bin/python3 - "$T/sa.key" >"$T/sa.json" <<'EOF'
import json, sys
print(json.dumps({"type": "service_account", "client_email":
    "svc@proj.iam.example", "private_key": open(sys.argv[1]).read()}))
EOF
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-128-cbc \
    -pass pass:Pp-93kd -out "$T/enc.key" 2>/dev/null
sl draft new keys --name K
k=$(cat "$T/out")
sl draft set "$k" sa=@"$T/sa.json" pkey=@"$T/enc.key" pass=Pp-93kd cert=@"$HTTPD_CA"
sl draft test "$k"
expect_rc 0 "a service account, a key with its passphrase and a certificate pass"
check "the service account signed a test JWT" contains "$T/out" "signs a test JWT"
sl draft set "$k" pass=wrong-pass
sl draft test "$k"
expect_rc 69 "a wrong passphrase is refused"
check "the failure names the passphrase field" contains "$T/err" "pass"
check "no passphrase in the output" sh -c "! grep -qF 'wrong-pass' '$T/out' '$T/err'"

# Every shipped connector declares a test, and http templates name fields.
for c in $("$SETUPLINK" connectors --json | /usr/bin/python3 -c \
    'import json,sys; print(" ".join(c["key"] for c in json.load(sys.stdin)))'); do
	"$SETUPLINK" connector show "$c" --json >"$T/c.json"
	/usr/bin/python3 - "$T/c.json" <<'EOF' || not_ok "shipped $c declares a well-formed test"
import json, re, sys
c = json.load(open(sys.argv[1]))
keys = {f["key"] for f in c["fields"]}
assert c.get("test"), "no test"
for t in c["test"]:
    for k in re.findall(r"{([a-z0-9_]+)}", t.get("url", "")):
        assert k in keys, k
    for f in t.get("fields", {}).values():
        assert f in keys, f
EOF
done
ok "every shipped connector declares a test whose templates name its fields"
done_testing
