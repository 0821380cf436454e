#!/bin/sh
# 162-link-renew-remind.sh: link renew (a fresh link, same scope, the old
# one revoked) and link remind (the setup email again, once, marked as a
# reminder, to the same reply address, which still works), with tokens
# sealed under HOME/token.key so that the database alone answers nothing;
# a link that expired unused is reported once; the contrib timer.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Billing; D=$(cat "$T/out")
links_json() { "$SETUPLINK" link list --json >"$T/links.json" 2>/dev/null; }
lget() {	# lget ID KEY: a key of link ID in link list --json
	links_json
	$PY -c "import json; l = [l for l in json.load(open('$T/links.json')) if l['id'] == $1][0]; v = l['$2']; print(','.join(v) if isinstance(v, list) else v)"
}

# ---- renew
new_link "$D" --fields host,password --require encrypted --note "RO user" \
    --expires 3d || exit 1
L1=$LINK RA1=$RA
sl link renew "$L1" --to carol@client.example --json
expect_rc 0 "link renew: exit 0"
L2=$(json "d['id']")
check "--json names the new link and the one it renews" \
    [ "$(json "d['renews']")" = "$L1" ] && [ "$L2" -gt "$L1" ]
check "... and carries its mailto URL" sh -c 'echo "$1" | grep -q "^mailto:setup+"' - "$(json "d['mailto']")"
check "the old link is revoked" [ "$(lget "$L1" state)" = revoked ]
check "the new one is pending" [ "$(lget "$L2" state)" = pending ]
check "same fields" [ "$(lget "$L2" fields)" = host,password ]
check "same requirement" [ "$(lget "$L2" require)" = encrypted ]
check "same note" [ "$(lget "$L2" note)" = "RO user" ]
check "to the new address" [ "$(lget "$L2" to)" = carol@client.example ]
check "with the default expiry, not the old one's" \
    [ "$($PY -c "import json; from datetime import datetime as D; l = [l for l in json.load(open('$T/links.json')) if l['id'] == $L2][0]; print(round((D.fromisoformat(l['expires'][:-1]) - D.fromisoformat(l['created'][:-1])).total_seconds() / 86400))")" = 7 ]
check "its setup email went to the new address" \
    grep -q "^To: carol@client.example" "$(newest_out)"
reply "$T/old.eml" <<EOF
host: old.example
EOF
intake "$T/old.eml"
expect_log rejected revoked "a reply to the renewed link is rejected as revoked"
sl link renew "$L2" --expires 3d
L3=$(sed -n 1p "$T/out")
check "renew without --to: the same address" [ "$(lget "$L3" to)" = carol@client.example ]
sl link renew "$L1"
expect_rc 0 "a revoked link can be renewed too (nothing left to revoke)"
L4=$(sed -n 1p "$T/out")
sl link renew 999
expect_rc 66 "renewing a link that does not exist: 66"
sl link renew "$L3" --expires 100d
expect_rc 65 "renewing past link_expiry_max: 65"
check "... and the link it would renew stays pending" [ "$(lget "$L3" state)" = pending ]
sl link renew "$L3" --to "not an address"
expect_rc 65 "renewing to a bad address: 65"
sl link revoke "$L4"

# ---- tokens kept sealed, not in the database
TOK1=$(echo "$RA1" | sed 's/.*+//; s/@.*//')
check "HOME/token.key exists, 0600" \
    [ "$(stat -c %a "$H/token.key")" = 600 ] && [ "$(stat -c %s "$H/token.key")" -eq 32 ]
sqlite_only "no token is in the database file" \
    sh -c '! grep -qaF "$1" "$2"/setuplink.db*' - "$TOK1" "$H"
sqlite_only "nor the reply address" \
    sh -c '! strings -a "$2"/setuplink.db* | grep -qiF "setup+$1"' - "$TOK1" "$H"
# On PostgreSQL the setup emails waiting to be sent are rows of
# outbox_mail, sealed under the token key: the dump holds them too.
store_dump "$T/dump"
check "the database's dump holds the links" contains "$T/dump" "CREATE TABLE"
check "no token is in the database's dump" sh -c '! grep -qaF "$1" "$2"' - "$TOK1" "$T/dump"
check "nor the reply address" sh -c '! grep -qiF "setup+$1" "$2"' - "$TOK1" "$T/dump"

# ---- remind
new_link "$D" --fields host,port --expires 1d || exit 1
LA=$LINK RAA=$RA SETUPA=$SETUP
new_link "$D" --fields dbname --expires 5d || exit 1
LB=$LINK RAB=$RA
new_link "$D" --fields user --expires 20h || exit 1
LC=$LINK
reply "$T/c.eml" <<EOF
user: ro_user
EOF
intake "$T/c.eml"
expect_log accepted null "link C is used"
n0=$(outbox_n)
sl link remind --dry-run
expect_rc 0 "remind --dry-run: exit 0"
check "--dry-run names the link due within remind_before (1 d left)" contains "$T/out" "would remind: link $LA "
check "... not one with 3 d left" lacks "$T/out" "link $L3 "
sl link remind --dry-run --before 4d
check "--before 4d: the one with 3 d left too" contains "$T/out" "would remind: link $L3 "
check "... not one with 5 d left" lacks "$T/out" "link $LB "
check "... not a used one" lacks "$T/out" "link $LC "
check "... not a revoked one" lacks "$T/out" "link $L1 "
check "--dry-run sends nothing" [ "$(outbox_n)" -eq "$n0" ]

sl link remind --before 36h
expect_rc 0 "link remind: exit 0"
check "it says whom it reminded" contains "$T/out" "reminded: link $LA (draft $D) to bob@client.example"
check "only within --before" lacks "$T/out" "link $L3 "
check "maildir: it says the reminder waits in $(outbox_words)" contains "$T/err" "queued in $(outbox_words), not sent"
check "one email" [ "$(outbox_n)" -eq $((n0 + 1)) ]
R=$(newest_out)
check "the reminder's subject says so" grep -q "^Subject: Reminder: Acme Data asks for PostgreSQL settings: Billing" "$R"
decoded "$R" >"$T/rem.txt"
check "its first line says so" sh -c 'head -1 "$1" | grep -q "^Reminder: this request has not been answered yet"' - "$T/rem.txt"
check "to the same recipient" grep -q "^To: bob@client.example" "$R"
check "with the same reply address" \
    [ "$(sed -n 's/^Reply-To: *//p' "$R" | head -1 | tr -d '<>\r')" = "$RAA" ]
check "the same form" sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' - \
    "$(form_block "$R")" "$(form_block "$SETUPA")"
check "signed, as every setup email" grep -q "application/pgp-signature" "$R"

sl link remind --before 36h
check "a link is reminded once" [ "$(outbox_n)" -eq $((n0 + 1)) ]
check "... and the second run says nothing of it" lacks "$T/out" "link $LA "

# A reply to the reminder is a reply to the link.
SETUP=$R LINK=$LA RA=$RAA
reply "$T/a.eml" <<EOF
host: reminded.example
EOF
intake "$T/a.eml"
expect_log accepted null "a reply to the reminder is accepted"
check "... into the draft" [ "$(field "$D" host)" = reminded.example ]

# Without the token key, nothing is sent and nothing is marked.
n1=$(outbox_n)
mv "$H/token.key" "$T/token.key"
sl link remind --before 4d
expect_rc 78 "no token key: 78"
check "... naming it" contains "$T/out" "token.key"
mv "$T/token.key" "$H/token.key"
check "... nothing sent" [ "$(outbox_n)" -eq "$n1" ]
sl link remind --before 4d
expect_rc 0 "with the key back, the reminder goes"
check "... for the link that was due" contains "$T/out" "reminded: link $L3 "

# A token sealed in another home does not open here.
mkdir "$T/other"
SETUPLINK_HOME=$T/other/h "$SETUPLINK" init --workspace Other --admin "O <o@other.example>" \
    --intake setup@other.example >/dev/null 2>&1
SETUPLINK_HOME=$T/other/h "$SETUPLINK" draft new postgres --name X >/dev/null 2>&1
SETUPLINK_HOME=$T/other/h "$SETUPLINK" link create 1 --to z@client.example --expires 1d >/dev/null 2>&1
cp "$H/token.key" "$T/other/h/token.key"
SETUPLINK_HOME=$T/other/h sl link remind
expect_rc 65 "a database sealed under another home's key: 65"
check "... saying the token does not open" contains "$T/out" "does not open"

# ---- expired unused: reported once, with an expired event
echo "webhook_url = http://127.0.0.1:$(free_port)/hook" >>"$H/setuplink.conf"
echo "webhook_secret_file = $T/none" >>"$H/setuplink.conf"
later=$(($(date +%s) + 30 * 86400))
n2=$(outbox_n)
SETUPLINK_NOW=$later sl link remind
expect_rc 0 "link remind a month on: exit 0"
check "the expired unused link is reported" contains "$T/out" "expired unused: link $LB "
check "the admin gets one note" [ "$(outbox_n)" -eq $((n2 + 1)) ]
N=$(newest_out)
check "... to the admin" grep -q "^To: ann@acme.example" "$N"
check "... an automatic one" grep -q "^Auto-Submitted: auto-generated" "$N"
decoded "$N" >"$T/note.txt"
check "... naming the link" contains "$T/note.txt" "link $LB (draft $D) to bob@client.example"
check "... and the way out" contains "$T/note.txt" "setuplink link renew ID"
check "... with the way out" contains "$T/out" "setuplink link renew $LB"
check "a used link is not" lacks "$T/out" "link $LC "
SETUPLINK_NOW=$later sl events list --json
check "an expired event waits for the webhook" \
    [ "$(json "len([e for e in d if e['type'] == 'expired' and e['link'] == $LB])")" = 1 ]
SETUPLINK_NOW=$later sl link remind
check "reported once" lacks "$T/out" "link $LB "
check "... one note" [ "$(outbox_n)" -eq $((n2 + 1)) ]
SETUPLINK_NOW=$later sl events list --json
check "... and one event" \
    [ "$(json "len([e for e in d if e['type'] == 'expired' and e['link'] == $LB])")" = 1 ]

# ---- the timer
check "contrib ships the timer and its service" \
    [ -f "$TOP/contrib/setuplink-remind.timer" ] && [ -f "$TOP/contrib/setuplink-remind.service" ]
check "the service runs link remind" grep -q "^ExecStart=.*setuplink link remind$" "$TOP/contrib/setuplink-remind.service"

done_testing
