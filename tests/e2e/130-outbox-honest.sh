#!/bin/sh
# 130-outbox-honest.sh: the admin always knows where an email went.  With
# the maildir transport link create says "queued in outbox/, not sent" and
# how to send it; a send that fails for now keeps the email queued and the
# link pending; revoke and draft rm take the queued email out; a server
# that wants a login is quoted (530, not its 221 goodbye) and leaves the
# queue as it was; an unknown host is a configuration mistake (78); refused
# mail is listed (--failed) and put back (outbox retry); outbox/ holds LF,
# the wire CRLF.  Real aiosmtpd on loopback.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"

# outbox/ as files; 186 and 187 are the shared outbox's.
sqlite_only

init_home || exit 1
OUT=$H/outbox
# Plain loopback servers: STARTTLS is tested in 115; here the queue is.
echo "smtp_require_starttls = no" >>"$H/setuplink.conf"
waiting() { find "$OUT/new" "$OUT/cur" -type f | wc -l; }
failed() { find "$OUT/.failed" -type f 2>/dev/null | wc -l; }
spooled() { find "$SMTPD_SPOOL" -name '*.eml' 2>/dev/null | wc -l; }
last() { echo "$SMTPD_SPOOL/$(spooled)"; }
state() {
	"$SETUPLINK" link list --json >"$T/ll" 2>/dev/null
	/usr/bin/python3 -c "import json,sys; print([l['state'] for l in json.load(open('$T/ll')) if l['id'] == $1][0])"
}
conf() {
	sed -i "/^#\{0,1\}$1 *=/d" "$H/setuplink.conf"
	[ -z "$2" ] || echo "$1 = $2" >>"$H/setuplink.conf"
}

sl draft new postgres --name "Billing DB"
D=$(cat "$T/out")

# ---- the maildir transport: queued, and said so
sl link create "$D" --to rita@client.example --json
expect_rc 0 "link create with the default maildir transport"
check "--json says delivery queued" [ "$(json 'd["delivery"]')" = queued ]
L1=$(json 'd["id"]')
check "stderr says queued in outbox/, not sent" contains "$T/err" "queued in outbox/, not sent"
check "... and how to send it" contains "$T/err" "setuplink outbox flush --transport smtp://"
check "one email waits" [ "$(waiting)" = 1 ]
f=$(find "$OUT/new" -type f | head -1)
check "outbox/ files end lines with LF, no CR anywhere" \
    sh -c '! grep -q "$(printf "\r")" "$1"' - "$f"
check "... and it is still a whole message (headers, signature part)" \
    sh -c 'grep -q "^Subject: " "$1" && grep -q "application/pgp-signature" "$1"' - "$f"
sl link create "$D" --to rob@client.example
expect_rc 0 "link create without --json"
check "stdout is the id and the URL alone" [ "$(wc -l <"$T/out")" = 2 ]
L2=$(head -1 "$T/out")
check "the plain output says queued too" contains "$T/err" "queued in outbox/, not sent"

# ---- revoke takes the queued email out
check "two emails wait" [ "$(waiting)" = 2 ]
sl link revoke "$L1"
expect_rc 0 "link revoke of a queued link"
check "its setup email left outbox/" [ "$(waiting)" = 1 ]
check "the other link's email still waits" \
    grep -q "rob@client.example" "$(find "$OUT/new" -type f | head -1)"

# ---- draft rm takes its links' queued emails out, not other drafts'
sl draft new postgres --name "Other DB"
D2=$(cat "$T/out")
sl link create "$D2" --to olga@client.example
check "an email of another draft waits too" [ "$(waiting)" = 2 ]
sl draft rm "$D"
expect_rc 0 "draft rm"
check "draft rm removed its link's queued email" [ "$(waiting)" = 1 ]
check "... and left the other draft's" \
    grep -q "olga@client.example" "$(find "$OUT/new" -type f | head -1)"
rm -f "$OUT"/new/*

# ---- a server that is down: queued, link pending, a warning, exit 0
sl draft new postgres --name "Prod DB"
D=$(cat "$T/out")
smtpd_start || { not_ok "smtpd_start"; done_testing; }
port=$SMTPD_PORT
smtpd_stop
sl link create "$D" --to rita@client.example --transport "smtp://127.0.0.1:$port" --json
expect_rc 0 "link create with the SMTP server down still makes the link"
check "--json says delivery queued" [ "$(json 'd["delivery"]')" = queued ]
L3=$(json 'd["id"]')
check "a warning on stderr names the server and the queue" sh -c '
	grep -q "warning: .*127.0.0.1:$2" "$1" && grep -q "queued in outbox/" "$1" &&
	grep -q "stays pending" "$1"' - "$T/err" "$port"
check "the link stays pending" [ "$(state "$L3")" = pending ]
check "the email waits in outbox/" [ "$(waiting)" = 1 ]
smtpd_start
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "outbox flush once the server is up"
check "the setup email arrived with its envelope" sh -c '
	grep -Eq "^mail_from setup\+[a-z2-7]{26,}@acme.example$" "$1.env" &&
	grep -qx "rcpt_to rita@client.example" "$1.env"' - "$(last)"
check "CRLF on the wire, every line" $PY -c 'import sys
b = open(sys.argv[1], "rb").read()
sys.exit(not (b"\r\n" in b and b.count(b"\n") == b.count(b"\r\n")))' "$(last).eml"

sl link create "$D" --to rob@client.example --transport "smtp://127.0.0.1:$SMTPD_PORT" --json
expect_rc 0 "link create through a working server"
check "--json says delivery sent" [ "$(json 'd["delivery"]')" = sent ]
check "nothing about a queue on stderr" lacks "$T/err" "queued"

# ---- a host that does not exist: 78, naming the host and the setting
sl link create "$D" --to rita@client.example --transport "smtp://no-such-host.invalid"
expect_rc 78 "link create to an unknown host exits 78"
check "... naming the host and the setting" sh -c '
	grep -q "no-such-host.invalid" "$1" && grep -q "transport" "$1"' - "$T/err"
check "... stdout empty" [ ! -s "$T/out" ]
check "... the email is queued, not lost" [ "$(waiting)" = 1 ]
sl outbox flush --transport "smtp://no-such-host.invalid"
expect_rc 78 "outbox flush to an unknown host exits 78"
check "... naming the host" contains "$T/err" "no-such-host.invalid"
check "... and leaves the queue as it was" [ "$(waiting)" = 1 ]
check "... nothing set aside" [ "$(failed)" = 0 ]

# ---- a server that demands AUTH, and no smtp_user: the 530 is quoted
smtpd_start --auth 'sam:pa ss'
sl link create "$D" --to cleo@client.example
check "two emails wait" [ "$(waiting)" = 2 ]
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 78 "a server that wants a login is a configuration matter: 78"
check "the error quotes the refusing 530 reply" contains "$T/err" "530"
check "... not the 221 goodbye" lacks "$T/err" "221"
check "... and says what to set" contains "$T/err" "smtp_user"
check "every message stays queued" [ "$(waiting)" = 2 ]
check "nothing moved to outbox/.failed/" [ "$(failed)" = 0 ]

# A login the server refuses leaves every message queued too.
smtpd_start --tls --auth 'sam:pa ss'
printf 'wrong\n' >"$T/pw"
chmod 600 "$T/pw"
conf smtp_user sam
conf smtp_password_file "$T/pw"
conf smtp_ca_file "$SMTPD_CA"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 78 "a refused login: 78"
check "every message stays queued" [ "$(waiting)" = 2 ]
check "nothing moved aside" [ "$(failed)" = 0 ]
conf smtp_user ""
conf smtp_password_file ""
conf smtp_ca_file ""

# ---- refused for good: listed with --failed, put back with outbox retry
smtpd_start
smtpd_mode reject
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 69 "a 550 exits 69"
check "the error quotes the 550" contains "$T/err" "550"
check "both moved aside" [ "$(failed)" = 2 ]
sl outbox list --failed --json
expect_rc 0 "outbox list --failed --json"
check "two refused messages listed" [ "$(json 'len(d)')" = 2 ]
fid=$(json 'd[0]["id"]')
check "each with its recipient" [ "$(json '" ".join(sorted(m["to"] for m in d))')" = "cleo@client.example rita@client.example" ]
sl outbox list --failed
check "the table says how to retry" contains "$T/out" "setuplink outbox retry"
sl outbox list
check "outbox list points at --failed" contains "$T/out" "outbox list --failed"
sl outbox retry
expect_rc 64 "outbox retry without ID or --all"
sl outbox retry nosuch.id
expect_rc 66 "outbox retry of an unknown id"
sl outbox retry "$fid"
expect_rc 0 "outbox retry ID"
check "that one waits again" sh -c '[ "$(find "$1/new" -type f | wc -l)" = 1 ] &&
	ls "$1/new" | grep -q "^$2"' - "$OUT" "$fid"
check "the other stays refused" [ "$(failed)" = 1 ]
sl outbox retry --all
expect_rc 0 "outbox retry --all"
check "both wait again" [ "$(waiting)" = 2 ]
check "nothing refused is left" [ "$(failed)" = 0 ]
smtpd_mode accept
n0=$(spooled)
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "the retried mail goes out"
check "both arrived" [ "$(spooled)" = $((n0 + 2)) ]

# ---- quarantine retry, which queues the receipt, says so too
rm -f "$OUT"/new/*
mkdir -p "$H/connectors"
conn() {
	cat >"$H/connectors/tally.json" <<EOF
{"key": "tally", "name": "Tally", "category": "other",
 "description": "A test connector.", "method_field": null,
 "fields": [{"key": "count", "label": "Count", "type": "integer",
  "required": true, "secret": false, "default": null, "choices": null,
  "method": null, "min": 1, "max": $1, "help": "A number."}]}
EOF
}
conn 5
sl draft new tally --name Tally
TD=$(cat "$T/out")
sl link create "$TD" --to bob@client.example
f=$(find "$OUT/new" -type f | head -1)
RA=$(sed -n 's/^Reply-To: *//p' "$f" | head -1 | tr -d '<>')
rm -f "$OUT"/new/*
printf 'From: bob@client.example\nTo: %s\nSubject: Re\nMessage-ID: <t1@client.example>\n\ncount: 7\n' "$RA" >"$T/t1.eml"
sl_in "$T/t1.eml" intake
sl quarantine list --json
QID=$(json 'd[0]["id"]')
check "the reply was rejected (7 is over the maximum)" [ "$(json 'd[0]["reason"]')" = invalid ]
rm -f "$OUT"/new/*
conn 10
sl quarantine retry "$QID"
expect_rc 0 "quarantine retry after the connector allows it"
check "... it is accepted" grep -q "^accepted" "$T/out"
check "... the receipt waits in outbox/" [ "$(waiting)" = 1 ]
check "... and stderr says it is queued, not sent, and how to send it" sh -c '
	grep -q "answer to the sender is queued in outbox/, not sent" "$1" &&
	grep -q "setuplink outbox flush" "$1"' - "$T/err"

done_testing
