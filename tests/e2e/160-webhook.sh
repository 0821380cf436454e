#!/bin/sh
# 160-webhook.sh: webhook events against a real HTTP server on loopback
# (tests/lib/httpd.py): one signed JSON POST per event, the signature
# checked with the secret, keys but never values; a receiver that fails,
# then comes back: every event arrives, once by id, in order; back-off;
# a receiver that is slow or gone never fails the intake; events list and
# events flush; no webhook_url, no events.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
httpd_start || exit 1
printf 'hook-s3cret\n' >"$T/secret"
chmod 600 "$T/secret"
conf_url() {
	sed -i '/^webhook_url/d' "$H/setuplink.conf"
	echo "webhook_url = $1" >>"$H/setuplink.conf"
}
conf_url "$HTTPD_URL/hook"
echo "webhook_secret_file = $T/secret" >>"$H/setuplink.conf"

# hooks: one line per POST received, in order: "TYPE DRAFT LINK ID FIELDS
# DETAIL SIG" with SIG "good" when X-Setuplink-Signature is the HMAC of
# the body under the secret.
hooks() {
	$PY - "$HTTPD_SPOOL" "$T/secret" <<'EOF'
import base64, hashlib, hmac, json, os, sys
spool, secret = sys.argv[1], open(sys.argv[2], "rb").read().strip()
names = sorted((int(n[:-5]) for n in os.listdir(spool) if n.endswith(".json")))
for n in names:
    r = json.load(open(os.path.join(spool, "%d.json" % n)))
    body = base64.b64decode(r["body_b64"])
    e = json.loads(body)
    want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    sig = "good" if hmac.compare_digest(r["headers"].get("X-Setuplink-Signature", ""), want) else "bad"
    print(e["type"], e["draft"], e["link"], e["id"], ",".join(e["fields"]) or "-",
          e["detail"] or "-", sig)
EOF
}
spool_n() { ls "$HTTPD_SPOOL" | grep -c '\.json$'; }
spool_clear() { rm -f "$HTTPD_SPOOL"/*.json; }
events_n() {
	"$SETUPLINK" events list --json >"$T/ev.json" 2>/dev/null
	$PY -c "import json; print(len(json.load(open('$T/ev.json'))))"
}

# ---- one POST per event, signed, keys but never values
sl draft new postgres --name Billing; D=$(cat "$T/out")
sl draft set "$D" host=db.client.example dbname=billing
new_link "$D" --fields user,password || exit 1
hooks >"$T/h"
check "link create posts link_created at once" [ "$(spool_n)" -eq 1 ]
check "link_created names draft, link and the link's fields" \
    grep -qx "link_created $D $LINK [a-z2-7]* user,password - good" "$T/h"
check "the signature is HMAC-SHA256 of the body under the secret" \
    sh -c '! grep -q " bad$" "$1"' - "$T/h"
r=$(ls "$HTTPD_SPOOL"/1.json)
check "the POST says its type in X-Setuplink-Event" contains "$r" '"X-Setuplink-Event": "link_created"'
check "the body is JSON" contains "$r" '"Content-Type": "application/json"'
check "nothing waits once delivered" [ "$(events_n)" -eq 0 ]

reply "$T/r1.eml" <<EOF
user: billing_ro
password: Pa\$\$-word-9
EOF
intake "$T/r1.eml"
expect_rc 0 "the intake merges and exits 0"
hooks >"$T/h"
check "merged: the keys that arrived" grep -qx "merged $D $LINK [a-z2-7]* user,password - good" "$T/h"
check "completed: the merge completed the draft" grep -qx "completed $D $LINK [a-z2-7]* - - good" "$T/h"
check "merged comes before completed" \
    [ "$(sed -n '2p' "$T/h" | cut -d' ' -f1)/$(sed -n '3p' "$T/h" | cut -d' ' -f1)" = merged/completed ]
check "no value ever reaches the webhook" \
    sh -c '! cat "$1"/*.json | grep -q -e billing_ro -e "Pa\\$\\$" -e db.client' - "$HTTPD_SPOOL"
check "no secret in the POST" sh -c '! grep -rq hook-s3cret "$1"' - "$HTTPD_SPOOL"

intake "$T/r1.eml"
reply "$T/r2.eml" <<EOF
user: again
EOF
intake "$T/r2.eml"
hooks >"$T/h"
check "a reply to a used link: rejected, with the reason" \
    grep -qx "rejected $D $LINK [a-z2-7]* - used good" "$T/h"
sl link create "$D" --to carol@client.example --fields host; L2=$(sed -n 1p "$T/out")
sl link revoke "$L2"
hooks >"$T/h"
check "link revoke posts link_revoked" grep -qx "link_revoked $D $L2 [a-z2-7]* host - good" "$T/h"
check "event ids are unique" [ "$(cut -d' ' -f4 "$T/h" | sort -u | wc -l)" -eq "$(wc -l <"$T/h")" ]

# ---- the receiver fails for a while, then comes back
spool_clear
httpd_mode down-500
for i in 1 2 3 4; do
	sl link create "$D" --to "p$i@client.example" --fields host
	[ "$rc" -eq 0 ] || not_ok "link create $i with the webhook down (exit $rc)"
	echo "$(sed -n 1p "$T/out")" >>"$T/down-links"
done
ok "link create exits 0 while the webhook answers 500"
check "the first attempt reached the receiver" [ "$(spool_n)" -ge 1 ]
check "events list: four wait" [ "$(events_n)" -eq 4 ]
check "events list --json: the first is failing, with HTTP 500" \
    [ "$($PY -c "import json; e = json.load(open('$T/ev.json'))[0]; print(e['state'], e['attempts'] >= 1, 'HTTP 500' in e['last_error'])")" = "failing True True" ]
check "events list --json: in order, by seq" \
    $PY -c "import json; v = [e['seq'] for e in json.load(open('$T/ev.json'))]; assert v == sorted(v)"
n_before=$(spool_n)
sl link list
check "during the back-off no process posts again" [ "$(spool_n)" -eq "$n_before" ]
sl events list
check "events list shows why" contains "$T/out" "last error: the webhook answered HTTP 500"

spool_clear
httpd_mode ok
sl events flush
expect_rc 0 "events flush once the receiver is back"
check "events flush says what it did" contains "$T/out" "4 delivered, 0 waiting."
hooks >"$T/h"
cut -d' ' -f3 "$T/h" >"$T/got-links"
check "every event arrived, once by id, in order" cmp -s "$T/down-links" "$T/got-links"
check "all signed" sh -c '! grep -q " bad$" "$1"' - "$T/h"
check "nothing waits" [ "$(events_n)" -eq 0 ]

# ---- after the back-off, the next process delivers by itself
httpd_mode down-500
sl link create "$D" --to q@client.example --fields host; LQ=$(sed -n 1p "$T/out")
httpd_mode ok
spool_clear
SETUPLINK_NOW=$(($(date +%s) + 600)) "$SETUPLINK" link list >/dev/null 2>&1
hooks >"$T/h"
check "once the back-off is over, any command delivers what waits" \
    grep -q "^link_created $D $LQ " "$T/h"

# ---- a receiver that is gone or slow never fails the intake
httpd_stop
sl link create "$D" --to r@client.example --fields host; LR=$(sed -n 1p "$T/out")
expect_rc 0 "link create with nothing listening: exit 0"
new_link "$D" --fields port || exit 1
reply "$T/r3.eml" <<EOF
port: 6000
EOF
intake "$T/r3.eml"
expect_rc 0 "intake with nothing listening: exit 0"
check "the merge happened" [ "$(field "$D" port)" = 6000 ]
check "their three events wait (two link_created, merged)" [ "$(events_n)" -eq 3 ]
check "and say the connection failed" \
    $PY -c "import json; e = json.load(open('$T/ev.json'))[0]; assert e['last_error']"

httpd_start || exit 1
conf_url "$HTTPD_URL/hook"
httpd_mode slow-3
new_link "$D" --fields sslmode || exit 1
reply "$T/r4.eml" <<EOF
sslmode: require
EOF
intake "$T/r4.eml"
expect_rc 0 "intake with a receiver that answers in 3 s: exit 0"
check "... without waiting for it: its events still wait" [ "$(events_n)" -ge 1 ]
httpd_mode ok
sl events flush
expect_rc 0 "events flush delivers the rest"
hooks >"$T/h"
awk '{print $4}' "$T/h" | awk '!seen[$0]++' >"$T/ids"
check "each event delivered at least once; repeats carry the same id" \
    [ "$(grep -c "^merged $D $LINK " "$T/h")" -ge 1 ]
check "nothing waits after the flush" [ "$(events_n)" -eq 0 ]

# ---- configuration
sed -i '/^webhook_secret_file/d' "$H/setuplink.conf"
sl link create "$D" --to s@client.example --fields host
expect_rc 0 "no webhook_secret_file: link create still works"
sl events list --json
check "and its event waits, saying why" \
    $PY -c "import json; e = json.load(open('$T/out'))[0]; assert 'webhook_secret_file' in e['last_error']"
sl events flush
expect_rc 78 "events flush without a secret: 78"
check "naming the key" contains "$T/err" "webhook_secret_file"
echo "webhook_secret_file = $T/secret" >>"$H/setuplink.conf"
sl events flush
expect_rc 0 "with the secret back, events flush posts what is left"

conf_url "ftp://example.com/"
sl events list
expect_rc 78 "a webhook_url that is not http(s): 78"
check "naming the key" contains "$T/err" "webhook_url"
sed -i '/^webhook_url/d' "$H/setuplink.conf"
spool_clear
sl link create "$D" --to t@client.example --fields host
check "no webhook_url: no event queued" [ "$(events_n)" -eq 0 ]
check "and nothing posted" [ "$(spool_n)" -eq 0 ]
sl events flush
expect_rc 78 "events flush with no webhook_url: 78"

done_testing
