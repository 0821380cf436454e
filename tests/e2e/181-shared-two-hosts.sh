#!/bin/sh
# 181-shared-two-hosts.sh: two homes ("hosts") on one PostgreSQL (a real
# server started here, as nobody, private socket and port): init
# --database makes the store, init --join the second home and says which
# keys to copy; both see the same drafts; 50 replies to one link split
# across both, 8 at a time, make exactly one accepted and one receipt;
# the same Message-ID delivered to both hosts is merged once; a webhook
# event is posted once though both hosts deliver.  Run once per make
# check (the e2e suite is not run a second time on PostgreSQL).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Once per make check: the sanitizer pass runs the store's unit tests on
# PostgreSQL (180), not the two-host scenarios again.
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }

pg_start slshared "Shared-pass-$$" slshared || exit 1
URI="postgresql:///slshared?host=$T/pg/sock&port=$PG_PORT&user=slshared"
HA=$T/ha HB=$T/hb
cleanup_add "gpgconf --homedir '$HA/gnupg' --kill all; gpgconf --homedir '$HB/gnupg' --kill all"
a() { SETUPLINK_HOME=$HA "$SETUPLINK" "$@"; }
b() { SETUPLINK_HOME=$HB "$SETUPLINK" "$@"; }

# ---- the first home makes the store; the second joins it
H=$HA SETUPLINK_HOME=$HA
init_home --database "$URI" || exit 1
check "the first home's configuration names the shared store" \
    grep -qF "database = $URI" "$HA/setuplink.conf"
check "... and no SQLite database was made" test ! -e "$HA/setuplink.db"
SETUPLINK_HOME=$T/hc sl init --workspace X --admin "A <a@x.example>" \
    --intake s@x.example --database "$URI"
expect_rc 64 "init --database on a store that exists is refused (64)"
check "... saying to use init --join" contains "$T/err" "init --join"
SETUPLINK_HOME=$HB sl init --join "$URI"
expect_rc 0 "init --join makes the second home"
check "... naming the workspace key to copy" contains "$T/out" "gnupg/"
check "... and the vault key" contains "$T/out" "vault.key"
check "... with a command to copy them over SSH" contains "$T/out" "ssh "
check "... from the first home's directory" contains "$T/out" "$HA"
check "... and makes no keys of its own" test ! -e "$HB/vault.key"
SETUPLINK_HOME=$HB sl draft list
expect_rc 78 "before the keys are copied, the joined home says so (78)"
check "... naming the vault key to copy" contains "$T/err" "copy vault.pub"
tar -C "$HA" --exclude='S.*' -cf - gnupg vault.pub vault.key token.key |
    tar -C "$HB" -xpf -
sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$HB/setuplink.conf"
check "the joined home's configuration names the same store" \
    grep -qF "database = $URI" "$HB/setuplink.conf"

sl draft new postgres --name Shared; D=$(cat "$T/out")
SETUPLINK_HOME=$HB sl draft list --json
check "host B lists host A's draft" \
    [ "$(json '[x["id"] for x in d if x["name"] == "Shared"]')" = "[$D]" ]

# ---- 50 replies to one link, split over both hosts, 8 at a time
new_link "$D" || exit 1
L50=$LINK
for i in $(seq 1 50); do
	FROM=racer$i@client.example reply "$T/race$i.eml" <<EOF
user: racer_$i
EOF
done
export T SETUPLINK
for i in $(seq 1 50); do
	if [ $((i % 2)) -eq 0 ]; then echo "$HA $i"; else echo "$HB $i"; fi
done | xargs -P 8 -L 1 sh -c 'SETUPLINK_HOME=$0 "$SETUPLINK" intake \
    <"$T/race$1.eml" >/dev/null 2>"$T/race$1.err"; echo $? >"$T/race$1.rc"'
check "50 over two hosts: every intake exits 0" \
    [ "$(cat "$T"/race*.rc | grep -cx 0)" -eq 50 ]
b log --json >"$T/log.json"
count() {	# PYTHON-CONDITION
	$PY -c "import json; print(sum(1 for e in json.load(open('$T/log.json')) if $1))"
}
check "50 over two hosts: exactly one accepted" \
    [ "$(count "e['link'] == $L50 and e['outcome'] == 'accepted'")" -eq 1 ]
check "50 over two hosts: the other 49 rejected as used" \
    [ "$(count "e['link'] == $L50 and e['reason'] == 'used'")" -eq 49 ]
# The outbox is the shared store's: one listing holds both hosts' mail.
outbox_files "$T/ob"
check "50 over two hosts: exactly one receipt among the racers, on either host" \
    [ "$(grep -l '^X-Setuplink: receipt' "$T"/ob/* |
    xargs grep -l '^To: racer' | wc -l)" -eq 1 ]
sl link list --json
check "50 over two hosts: the link is used" \
    [ "$(json "[l['state'] for l in d if l['id'] == $L50][0]")" = used ]

# ---- the same Message-ID delivered to both hosts: merged once
new_link "$D" || exit 1
reply "$T/twice.eml" <<EOF
host: db.twice.example
EOF
( a intake <"$T/twice.eml" >/dev/null 2>&1; echo $? >"$T/twice.a" ) &
( b intake <"$T/twice.eml" >/dev/null 2>&1; echo $? >"$T/twice.b" ) &
wait
check "the same message on both hosts: both exit 0" \
    [ "$(cat "$T/twice.a" "$T/twice.b" | tr -d '\n')" = 00 ]
b log --json >"$T/log.json"
check "... accepted once" \
    [ "$(count "e['message_id'] == '$MID' and e['outcome'] == 'accepted'")" -eq 1 ]
check "... and the other ignored as a duplicate" \
    [ "$(count "e['message_id'] == '$MID' and e['reason'] == 'duplicate'")" -eq 1 ]

# ---- webhook events posted once, though both hosts deliver
httpd_start || exit 1
printf 'hook-s3cret\n' >"$T/secret"
chmod 600 "$T/secret"
for h in "$HA" "$HB"; do
	printf 'webhook_url = %s/hook\nwebhook_secret_file = %s\n' \
	    "$HTTPD_URL" "$T/secret" >>"$h/setuplink.conf"
done
httpd_mode down-500
new_link "$D" --fields port || exit 1
reply "$T/hook.eml" <<EOF
port: 6543
EOF
b intake <"$T/hook.eml" >/dev/null 2>&1
httpd_mode ok
rm -f "$HTTPD_SPOOL"/*.json
pids=
for i in 1 2 3; do
	( a events flush >/dev/null 2>&1 ) & pids="$pids $!"
	( b events flush >/dev/null 2>&1 ) & pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids	# not httpd.py, which runs till the end
a events flush >/dev/null 2>&1
for f in "$HTTPD_SPOOL"/*.json; do
	[ -f "$f" ] && $PY -c "import base64, json; print(json.loads(base64.b64decode(json.load(open('$f'))['body_b64']))['id'])"
done >"$T/ids"
check "the webhook got the link and the merge" [ "$(wc -l <"$T/ids")" -ge 2 ]
check "... each event once, though both hosts delivered at once" \
    [ "$(sort "$T/ids" | uniq -d | wc -l)" -eq 0 ]
a events list --json >"$T/out" 2>/dev/null
check "... and none is left undelivered" [ "$(json 'len(d)')" -eq 0 ]

done_testing
